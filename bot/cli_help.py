"""What `revops-bot COMMAND --help` says: a description and examples for every command.

Kept apart from the parser so that the texts read as one page; `bot.cli` attaches them by the
command's name, and a test checks that every command has both.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommandHelp:
    description: str
    examples: tuple[str, ...]

    @property
    def epilog(self) -> str:
        return "examples:\n" + "\n".join(f"  {example}" for example in self.examples)


COMMANDS: dict[str, CommandHelp] = {
    "": CommandHelp(
        "A Slack bot for Revenue Operations teams: run intake, project animation and "
        "celebrations. Settings come from the environment or a .env file in the working "
        "directory (see config/.env.example).",
        (
            "revops-bot db upgrade && revops-bot serve",
            "revops-bot jobs list",
            "revops-bot COMMAND --help",
        ),
    ),
    "serve": CommandHelp(
        "Run the HTTP app on PORT (gunicorn, WEB_CONCURRENCY workers): Slack requests at "
        "/slack/events, the webhooks, /healthz, /readyz and /metrics. Each process also runs "
        "the scheduler, unless --no-scheduler leaves scheduled sends to a `revops-bot clock`.",
        (
            "revops-bot serve",
            "revops-bot serve --no-scheduler    # web only; run `revops-bot clock` once elsewhere",
        ),
    ),
    "clock": CommandHelp(
        "Run only the scheduler: every kind ticks, and what is due goes out through the "
        "delivery ledger. A second clock is safe (the ledger sends each message once). With "
        "METRICS_PORT set, it serves its own /metrics on that port.",
        ("revops-bot clock", "METRICS_PORT=9100 revops-bot clock"),
    ),
    "db": CommandHelp(
        "Database commands. They need only DATABASE_URL, no Slack credentials.",
        ("revops-bot db upgrade",),
    ),
    "db upgrade": CommandHelp(
        "Apply the migrations up to the latest (Alembic). Run it before starting a new "
        "version (a release step); running it twice changes nothing.",
        (
            "revops-bot db upgrade",
            "DATABASE_URL=postgresql+psycopg://revops@db.internal/revops revops-bot db upgrade",
        ),
    ),
    "db current": CommandHelp(
        "Show the database's migration revisions and whether they are the latest this version "
        "ships. Exit status 0 at head, 1 when migrations are still to apply (or the database "
        "was upgraded by a newer version).",
        (
            "revops-bot db current",
            "revops-bot db current || revops-bot db upgrade",
        ),
    ),
    "jobs": CommandHelp(
        "Scheduled sends (check-ins, reminders, reports, digests) and the messages changes "
        "owe: list every kind with its next run, or fire one now.",
        ("revops-bot jobs list", "revops-bot jobs run weekly-digest --team T0123ABCD"),
    ),
    "jobs list": CommandHelp(
        "Every kind the scheduler ticks: how often, how late a missed run may still go out "
        "(its grace), and per workspace its schedules and next run. A database read: it works "
        "while Slack is down.",
        ("revops-bot jobs list", "revops-bot jobs list | grep -A2 weekly-digest"),
    ),
    "jobs run": CommandHelp(
        "Fire one kind now, as a tick would, through the delivery ledger: what was already "
        "sent is not sent again, so a second run sends nothing new. On a terminal it shows its "
        "progress (sent / planned, rate, errors); otherwise it prints one summary line. Exit "
        "status 1 when a send failed for good.",
        (
            "revops-bot jobs run weekly-digest --team T0123ABCD",
            "revops-bot jobs run intake-run-report --now 2026-12-07T09:00:00+01:00",
        ),
    ),
    "privacy": CommandHelp(
        "The right of access (export) and the right to erasure (erase), recorded in the "
        "audit trail as cli:NAME (--by, default the OS user).",
        (
            "revops-bot privacy export --team T0123ABCD --user U0456EFGH --out member.json",
            "revops-bot privacy erase --team T0123ABCD --user U0456EFGH",
        ),
    ),
    "privacy export": CommandHelp(
        "Every row that names a user (by id, in a mention, by e-mail), as one JSON document, "
        "credentials left out.",
        (
            "revops-bot privacy export --team T0123ABCD --user U0456EFGH",
            "revops-bot privacy export --team T0123ABCD --user U0456EFGH --out member.json "
            "--by dpo",
        ),
    ),
    "privacy erase": CommandHelp(
        "Erase or pseudonymise every personal field of a user, for good. On a terminal it says "
        "how many rows name the user and asks you to type the user id to confirm; a script "
        "passes --yes. Without either (standard input is not a terminal), nothing is erased "
        "and the exit status is 2.",
        (
            "revops-bot privacy erase --team T0123ABCD --user U0456EFGH",
            "revops-bot privacy erase --team T0123ABCD --user U0456EFGH --yes --by dpo",
        ),
    ),
}

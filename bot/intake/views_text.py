"""Words shared by every intake view: labels of the vocabulary, dates, safe user text.

Data in, strings out: no database, no network.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from babel.dates import format_skeleton

from bot.errors import N_, Np_
from bot.i18n import Translator
from bot.intake.models import Beneficiary, Category, Impact, Status
from bot.people import person

STATUS_LABELS: dict[str, str] = {
    Status.new: N_("New"),
    Status.waiting: N_("Waiting on requester"),
    Status.accepted: N_("Accepted"),
    Status.in_progress: N_("In progress"),
    Status.done: N_("Done"),
    Status.answered_doc: N_("Answered with a doc"),
    Status.self_service: N_("Self-service"),
    Status.declined: N_("Declined"),
    Status.withdrawn: N_("Withdrawn"),
    Status.merged: N_("Merged"),
}
IMPACT_LABELS: dict[str, str] = {
    Impact.blocks_deal: N_("Blocks a deal from signing"),
    Impact.stops_team: N_("Stops a team from selling, calling or onboarding"),
    Impact.slows_team: N_("Slows a team down"),
    Impact.nice_to_have: N_("Nice to have"),
}
# Short forms for lists ("what comes first"): never names or titles of other people's requests.
IMPACT_AHEAD: dict[str, str] = {
    Impact.blocks_deal: Np_(
        "{count} that blocks a deal from signing", "{count} that block a deal from signing"
    ),
    Impact.stops_team: Np_(
        "{count} that stops a team from selling, calling or onboarding",
        "{count} that stop a team from selling, calling or onboarding",
    ),
    Impact.slows_team: Np_("{count} that slows a team down", "{count} that slow a team down"),
    Impact.nice_to_have: Np_(
        "{count} nice to have, ranked higher by age or by who benefits",
        "{count} nice to have, ranked higher by age or by who benefits",
    ),
}
BENEFICIARY_LABELS: dict[str, str] = {
    Beneficiary.me: N_("Me"),
    Beneficiary.my_team: N_("My team"),
    Beneficiary.leadership: N_("Leadership"),
    Beneficiary.customers: N_("Customers"),
}
CATEGORY_LABELS: dict[str, str] = {
    Category.crm: N_("CRM field or object"),
    Category.report: N_("Report or dashboard"),
    Category.data_pull: N_("Data pull"),
    Category.tool_access: N_("Tool access or bug"),
    Category.process: N_("Process question"),
    Category.other: N_("Other"),
}
SIZE_LABELS: dict[str, str] = {
    "S": N_("S: about 2 hours"),
    "M": N_("M: about a day (8 hours)"),
    "L": N_("L: about three days (24 hours)"),
}


def label(t: Translator, labels: dict[str, str], key: str | None) -> str:
    return t.gettext(labels[key]) if key in labels else (key or "")


def ref(number: int) -> str:
    return f"REQ-{number}"


def day(t: Translator, value: date | None) -> str:
    """A date in the reader's language, e.g. "Tue, Dec 12, 2026" / "mar. 12 déc. 2026"."""
    if value is None:
        return "—"
    return format_skeleton("yMMMEd", value, locale=t.language)


def channel_day(t: Translator, value: date | None) -> str:
    """A date in a post many people read (the card): a Slack date token each reader's client
    shows in their own format, this language's date as its fallback."""
    return "—" if value is None else t.channel_day(value)


def escape(text: str) -> str:
    """User text inside mrkdwn: no accidental links, mentions or formatting breaks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    """Shorten on purpose (Slack rejects over-long fields), at a word boundary when possible."""
    text = " ".join(text.split()) if "\n" not in text else text.strip()
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space > limit * 0.6:
        head = head[:space]
    return head.rstrip() + "…"


def safe(text: str, limit: int) -> str:
    """Cut, then escape for mrkdwn (escaping may lengthen: cut leaves room for it)."""
    escaped = escape(cut(text, limit))
    return escaped if len(escaped) <= limit * 2 else escape(cut(text, limit // 2))


def mention(t: Translator, user_id: str | None) -> str:
    """A person as a Slack mention; an erased member as "a former member" (bot/people.py)."""
    return person(t, user_id)


def link(url: str | None, text: str) -> str:
    if not url:
        return ""
    return f"<{url.replace('|', '%7C').replace('>', '%3E')}|{escape(text)}>"


def hours(t: Translator, value: float | None) -> str:
    if value is None:
        return "—"
    return t.gettext("{hours} h").format(hours=t.number(value, digits=1))


def quote(text: str, limit: int) -> str:
    return "\n".join("> " + line for line in safe(text, limit).splitlines() or [""])


def highlighted(text: str, words: Sequence[str], limit: int) -> str:
    """`text` quoted, with each of `words` (whole words, any case) in bold: why a doc matched."""
    quoted = quote(text, limit)
    if not words:
        return quoted
    pattern = "|".join(re.escape(escape(word)) for word in sorted(words, key=len, reverse=True))
    return re.sub(rf"(?<![\w&])({pattern})(?!\w)", r"*\1*", quoted, flags=re.IGNORECASE)

"""What filing a request and accepting it cost the database on their listener paths (the
command or button, then the modal's submission), counted with SQLAlchemy's events for the
listener threads only: the outbox's deliveries after the commit run in their own threads.

Run with `-s` to see the figures: `python -m pytest tests/intake/test_path_cost.py -s`
(`python bench/statements.py` also gives the delivery side, and runs on older revisions).
Measured (warm directory): before the outbox (41ea6b3, bench/statements.py) a filing took 8
transactions and 35 statements and an Accept 12 and 65, Slack posts made from the listener in
between; with the outbox, 3 and 18, and 2 and 26 (SQLite and PostgreSQL alike).
"""

from __future__ import annotations

from sqlalchemy import select

from bot.intake.ids import Action, Callback
from bot.intake.models import IntakeRequest, Status
from tests.harness import BotHarness
from tests.intake.helpers import (
    REVOPS_MEMBER,
    accept_values,
    file_request,
    filing_values,
    last_view,
    open_filing,
    open_modal,
    set_up_intake,
    submit,
)
from tests.projects.test_update_cost import counting

MAX_TRANSACTIONS = 3
# Not a target: an alarm for a loop of queries creeping in.
MAX_STATEMENTS = 40


def test_filing_and_accepting_take_at_most_three_transactions_each(bot: BotHarness) -> None:
    set_up_intake(bot)
    warm_up = file_request(bot, title="Warm-up")
    # The filer's and Rita's profiles are in the process's short memory (the normal case: a
    # cold one adds a read of the member table per step, outside the flows' transactions).
    act_on = open_modal(bot, Action.accept, warm_up)
    submit(bot, Callback.accept, act_on, accept_values(hours="1", size=None), user=REVOPS_MEMBER)
    engine = bot.runtime.engine
    bot.idle()

    with counting(engine) as command:
        view = open_filing(bot)
        bot.idle()
    with counting(engine) as filed:
        answer = submit(
            bot, Callback.file, view, filing_values(title="Churn by segment", need="For the QBR")
        )
        assert answer.json["response_action"] == "update"
        bot.idle()
    with bot.session() as session:
        request = session.scalars(select(IntakeRequest).where(IntakeRequest.number == 2)).one()
    with counting(engine) as button:
        modal = open_modal(bot, Action.accept, request)
        bot.idle()
    with counting(engine) as accepted:
        accept = accept_values(hours="3", size=None)
        answer = submit(bot, Callback.accept, modal, accept, user=REVOPS_MEMBER)
        assert answer.status == 200 and not answer.body, answer.text  # the modal closed
        bot.idle()

    filing = (
        command.transactions + filed.transactions,
        len(command.statements) + len(filed.statements),
    )
    accepting = (
        button.transactions + accepted.transactions,
        len(button.statements) + len(accepted.statements),
    )
    print(
        f"\nlistener threads: filing {filing[0]} transactions, {filing[1]} statements; "
        f"accept {accepting[0]} transactions, {accepting[1]} statements"
    )
    with bot.session() as session:
        accepted_request = session.get(IntakeRequest, request.id)
        assert accepted_request is not None and accepted_request.status == Status.accepted
    assert filing[0] <= MAX_TRANSACTIONS and accepting[0] <= MAX_TRANSACTIONS
    assert filing[1] <= MAX_STATEMENTS and accepting[1] <= MAX_STATEMENTS
    assert last_view(bot)  # the accept modal did open

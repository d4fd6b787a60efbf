"""The state machine of a request (re-exported by service.py, which applies its moves).

Statuses: new → (waiting on requester ⇄ new) → accepted → in progress → done, or answered
with a doc / self-service / declined / withdrawn, or merged into another request (new or
waiting: watching.merge); done → accepted when the requester says it
did not solve it. Any other move is refused with a message and changes nothing, which is also
what makes a double click or a Slack retry harmless.
"""

from __future__ import annotations

from bot.errors import N_, UserFacingError
from bot.intake.models import Status

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.new: frozenset(
        {
            Status.waiting,
            Status.accepted,
            Status.answered_doc,
            Status.self_service,
            Status.declined,
            Status.withdrawn,
            Status.merged,
        }
    ),
    Status.waiting: frozenset(
        {
            Status.new,
            Status.accepted,
            Status.answered_doc,
            Status.self_service,
            Status.declined,
            Status.withdrawn,
            Status.merged,
        }
    ),
    Status.accepted: frozenset(
        {Status.in_progress, Status.done, Status.declined, Status.withdrawn}
    ),
    Status.in_progress: frozenset({Status.done, Status.withdrawn}),
    Status.done: frozenset({Status.accepted}),  # "did this solve it?" → no
    Status.answered_doc: frozenset(),
    Status.self_service: frozenset(),
    Status.declined: frozenset(),
    Status.withdrawn: frozenset(),
    Status.merged: frozenset(),  # into another request (watching.merge), from the card
}
OPEN_STATUSES = (Status.new, Status.waiting, Status.accepted, Status.in_progress)
CLOSED_STATUSES = (
    Status.done,
    Status.answered_doc,
    Status.self_service,
    Status.declined,
    Status.withdrawn,
    Status.merged,
)
# Moves that count as the team's first response to the requester.
FIRST_RESPONSES = frozenset(
    {Status.waiting, Status.accepted, Status.answered_doc, Status.self_service, Status.declined}
)

# Who makes a move: the requester answers a question (waiting → new), withdraws, and reopens
# a request that did not solve the need (done → accepted); every other move is the team's.
REQUESTER_MOVES = frozenset(
    {(Status.waiting, Status.new), (Status.done, Status.accepted)}
    | {(status, Status.withdrawn) for status in Status}
)
# The order the team's moves are offered in (the card, the queue in App Home).
TEAM_MOVE_ORDER = (
    Status.accepted,
    Status.in_progress,
    Status.waiting,
    Status.answered_doc,
    Status.self_service,
    Status.done,
    Status.declined,
)


def team_moves(status: str) -> list[str]:
    """The statuses the RevOps team may move a request to from `status`, in display order:
    the buttons of the card and of the queue, straight from TRANSITIONS."""
    allowed = TRANSITIONS[status]
    return [
        target
        for target in TEAM_MOVE_ORDER
        if target in allowed and (status, target) not in REQUESTER_MOVES
    ]


def requester_may_withdraw(status: str) -> bool:
    """A requester may withdraw whatever TRANSITIONS lets be withdrawn (accepted and in
    progress included: they may no longer need it)."""
    return Status.withdrawn in TRANSITIONS[status]


ALREADY: dict[str, str] = {
    Status.new: N_("REQ-{number} is back with the team, untriaged: nothing was changed."),
    Status.waiting: N_("REQ-{number} is waiting on its requester: nothing was changed."),
    Status.accepted: N_("REQ-{number} is already accepted: nothing was changed."),
    Status.in_progress: N_("REQ-{number} is already in progress: nothing was changed."),
    Status.done: N_("REQ-{number} is already done: nothing was changed."),
    Status.answered_doc: N_("REQ-{number} was already answered with a doc: nothing was changed."),
    Status.self_service: N_(
        "REQ-{number} was already closed as self-service: nothing was changed."
    ),
    Status.declined: N_("REQ-{number} was already declined: nothing was changed."),
    Status.withdrawn: N_("REQ-{number} was already withdrawn: nothing was changed."),
    Status.merged: N_("REQ-{number} was already merged: nothing was changed."),
}


class IllegalTransition(UserFacingError):
    """A move the state machine does not allow from the request's current status."""

    def __init__(self, *, number: int, current: str) -> None:
        super().__init__(ALREADY[current], number=number)
        self.current = current


def check_transition(*, number: int, current: str, target: str) -> None:
    """Raise IllegalTransition unless `current → target` is a move of the state machine."""
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(number=number, current=current)

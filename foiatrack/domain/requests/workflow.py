"""The request lifecycle as an explicit state machine: which action may happen in which status.

One status records where a request is in its life, including how it ended (fulfilled, no
records, rejected, withdrawn). We considered keeping the outcome apart from the stage, as
Alaveteli does; with appeals re-opening a closed request, one status plus the timeline says
the same thing with fewer ways to disagree. "Overdue" is never a status: it is derived from the
due date while the agency's clock runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from foiatrack.domain.errors import InvalidTransition
from foiatrack.domain.requests.models import Status

S = Status
#: the agency is working on it; every answer and clock change can happen here
IN_PROGRESS = frozenset({S.FILED, S.ACKNOWLEDGED, S.PROCESSING, S.PARTIALLY_FULFILLED, S.APPEALED})
WAITING_ON_REQUESTER = frozenset({S.FEE_REQUESTED, S.CLARIFICATION_REQUESTED})
ANSWERED = frozenset({S.PARTIALLY_FULFILLED, S.FULFILLED, S.NO_RESPONSIVE_RECORDS, S.REJECTED})


class Action(StrEnum):
    FILE = "file"
    ACKNOWLEDGE = "acknowledge"
    EXTEND = "extend"
    SET_DUE_DATE = "set_due_date"
    REQUEST_FEE = "request_fee"
    SETTLE_FEE = "settle_fee"
    REQUEST_CLARIFICATION = "request_clarification"
    CLARIFY = "clarify"
    PARTIAL_RESPONSE = "partial_response"
    FULFIL = "fulfil"
    NO_RECORDS = "no_records"
    DENY = "deny"
    APPEAL = "appeal"
    WITHDRAW = "withdraw"


@dataclass(frozen=True)
class Transition:
    allowed_from: frozenset[Status]
    #: None: the action does not change the status (it moves the clock, say)
    to: Status | None
    label: str


TRANSITIONS: dict[Action, Transition] = {
    Action.FILE: Transition(frozenset({S.DRAFT}), S.FILED, "Record filing"),
    Action.ACKNOWLEDGE: Transition(frozenset({S.FILED}), S.ACKNOWLEDGED, "Acknowledged"),
    Action.EXTEND: Transition(IN_PROGRESS, None, "Extension"),
    Action.SET_DUE_DATE: Transition(IN_PROGRESS | WAITING_ON_REQUESTER, None, "Set due date"),
    Action.REQUEST_FEE: Transition(
        IN_PROGRESS | {S.CLARIFICATION_REQUESTED}, S.FEE_REQUESTED, "Fee requested"
    ),
    Action.SETTLE_FEE: Transition(frozenset({S.FEE_REQUESTED}), S.PROCESSING, "Fee paid or waived"),
    Action.REQUEST_CLARIFICATION: Transition(
        IN_PROGRESS, S.CLARIFICATION_REQUESTED, "Clarification requested"
    ),
    Action.CLARIFY: Transition(
        frozenset({S.CLARIFICATION_REQUESTED}), S.PROCESSING, "Clarification sent"
    ),
    Action.PARTIAL_RESPONSE: Transition(IN_PROGRESS, S.PARTIALLY_FULFILLED, "Partial response"),
    Action.FULFIL: Transition(IN_PROGRESS, S.FULFILLED, "Records received (complete)"),
    Action.NO_RECORDS: Transition(IN_PROGRESS, S.NO_RESPONSIVE_RECORDS, "No responsive records"),
    Action.DENY: Transition(IN_PROGRESS, S.REJECTED, "Denied"),
    Action.APPEAL: Transition(
        frozenset({S.REJECTED, S.NO_RESPONSIVE_RECORDS, S.PARTIALLY_FULFILLED, S.FULFILLED}),
        S.APPEALED,
        "Appeal filed",
    ),
    Action.WITHDRAW: Transition(
        IN_PROGRESS | WAITING_ON_REQUESTER | {S.DRAFT}, S.WITHDRAWN, "Withdrawn"
    ),
}


def check_transition(status: Status, action: Action) -> Status | None:
    """The status after `action`, or InvalidTransition saying why it cannot happen now."""
    transition = TRANSITIONS[action]
    if Status(status) not in transition.allowed_from:
        allowed = ", ".join(sorted(s.label.lower() for s in transition.allowed_from))
        raise InvalidTransition(
            f"“{transition.label}” cannot be recorded while the request is "
            f"{Status(status).label.lower()}; it needs one of: {allowed}."
        )
    return transition.to


def available_actions(status: Status) -> list[Action]:
    """Actions that make sense now, in display order."""
    return [action for action, t in TRANSITIONS.items() if Status(status) in t.allowed_from]


#: what the dashboard's bulk "record" menu offers: answers that need nothing but a date
BULK_ACTIONS = (
    Action.ACKNOWLEDGE,
    Action.PARTIAL_RESPONSE,
    Action.FULFIL,
    Action.NO_RECORDS,
    Action.WITHDRAW,
)

"""docs/lifecycle.md lists every action of the state machine with the same rules."""

from __future__ import annotations

from foiatrack import PROJECT_ROOT
from foiatrack.domain.requests.workflow import TRANSITIONS


def test_every_transition_is_documented() -> None:
    text = (PROJECT_ROOT / "docs" / "lifecycle.md").read_text()
    table = text.split("<!-- lifecycle:start -->")[1].split("<!-- lifecycle:end -->")[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) == len(TRANSITIONS)
    for action, transition in TRANSITIONS.items():
        row = next(r for r in rows if f"(`{action.value}`)" in r)
        for status in transition.allowed_from:
            assert status.label.lower() in row, (action, status)
        if transition.to is not None:
            assert row.rstrip(" |").endswith(transition.to.label.lower()), action

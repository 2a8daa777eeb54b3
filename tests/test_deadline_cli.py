"""The `due-date` and `requests` commands.

Every expected date was counted by hand from the calendar (2026: 1 Jan is a Thursday) and the
state's holiday law; none is computed by the code under test.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from foiatrack.domain.requests.lifecycle import Clock, file_request, record_response, request_fee
from foiatrack.domain.requests.models import FilingMethod
from foiatrack.domain.requests.workflow import Action
from foiatrack.extensions import db
from tests.factories import make_agency, make_campaign, make_request

D = dt.date


def _due(runner: FlaskCliRunner, *args: str) -> dict:
    result = runner.invoke(args=["due-date", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --------------------------------------------------------------------------------------------
# due-date
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "submitted", "due", "skipped", "statutory"),
    [
        # TX, 10 business days from Fri 20 Nov: Mon 23, Tue 24, Wed 25, (Thu 26 Thanksgiving,
        # Fri 27 Friday after Thanksgiving: Tex. Gov't Code § 662.003(b)), Mon 30, Tue 1 Dec,
        # Wed 2, Thu 3, Fri 4, Mon 7, Tue 8 Dec.
        ("TX", "2026-11-20", "2026-12-08", ["2026-11-26", "2026-11-27"], True),
        # CA, 10 calendar days from Wed 4 Feb is Sat 14 Feb; Sun 15, Mon 16 is Presidents' Day,
        # so CCP § 12a moves it to Tue 17 Feb.
        ("CA", "2026-02-04", "2026-02-17", ["2026-02-16"], True),
        # CA, 10 calendar days from Mon 2 Feb is Thu 12 Feb, Lincoln Day (CCP § 135): Fri 13.
        ("CA", "2026-02-02", "2026-02-13", ["2026-02-12"], True),
        # US, 20 business days from Mon 2 Nov, skipping Veterans Day (Wed 11 Nov) and
        # Thanksgiving (Thu 26 Nov) but not the day after (not a legal public holiday): Wed 2 Dec.
        ("US", "2026-11-02", "2026-12-02", ["2026-11-11", "2026-11-26"], True),
        # FL sets no deadline: a reminder 30 days after Wed 3 Jun is Fri 3 Jul, Independence Day
        # observed (4 Jul is a Saturday, Fla. Stat. § 110.117(1)), so Mon 6 Jul.
        ("FL", "2026-06-03", "2026-07-06", ["2026-07-03"], False),
    ],
)
def test_due_date_hand_checked(
    runner: FlaskCliRunner,
    code: str,
    submitted: str,
    due: str,
    skipped: list[str],
    statutory: bool,
) -> None:
    out = _due(runner, "--jurisdiction", code, "--submitted", submitted)
    assert out["jurisdiction"] == code
    assert out["submitted"] == submitted
    assert out["due"] == due
    assert out["skipped"] == skipped
    assert out["statutory"] is statutory


def test_due_date_json_keys_and_types(runner: FlaskCliRunner) -> None:
    tx = _due(runner, "--jurisdiction", "TX", "--submitted", "2026-11-20")
    required = {"jurisdiction", "submitted", "due", "days", "day_type", "skipped"}
    assert required <= tx.keys()
    assert tx["days"] == 10 and isinstance(tx["days"], int)
    assert tx["day_type"] == "business"
    assert tx["law"] == "Texas Public Information Act"
    assert tx["citation"] == "Tex. Gov't Code ch. 552"
    assert tx["rule"] == "10 business days"
    assert tx["ack_due"] is None
    assert tx["skipped_holidays"] == [
        {"date": "2026-11-26", "name": "Thanksgiving Day"},
        {"date": "2026-11-27", "name": "Friday After Thanksgiving"},
    ]
    assert all(isinstance(step, str) for step in tx["steps"])
    assert tx["steps"][-1] == "Due: 2026-12-08 (Tue)."

    fl = _due(runner, "--jurisdiction", "FL", "--submitted", "2026-06-03")
    assert fl["days"] is None
    assert fl["day_type"] == "none"
    assert fl["rule"] == "no fixed deadline"
    assert fl["skipped_holidays"] == [{"date": "2026-07-03", "name": "Independence Day (observed)"}]


def test_due_date_accepts_a_lower_case_code(runner: FlaskCliRunner) -> None:
    out = _due(runner, "--jurisdiction", "ca", "--submitted", "2026-02-04")
    assert out["jurisdiction"] == "CA"
    assert out["due"] == "2026-02-17"
    assert out["day_type"] == "calendar"


def test_due_date_human_output(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["due-date", "--jurisdiction", "tx", "--submitted", "2026-11-20"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Texas Public Information Act (Tex. Gov't Code ch. 552)" in out
    assert "Rule:       10 business days" in out
    assert "Due:        2026-12-08 (Tue), statutory deadline" in out
    assert "2026-11-26 (Thu) Thanksgiving Day" in out
    assert "2026-11-27 (Fri) Friday After Thanksgiving" in out
    assert "  1. Request received 2026-11-20 (Fri)." in out


def test_due_date_human_output_marks_a_reminder(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["due-date", "--jurisdiction", "FL", "--submitted", "2026-06-03"])
    assert result.exit_code == 0, result.output
    assert "Follow up:  2026-07-06 (Mon)" in result.output
    assert "not a statutory due date" in result.output
    assert "Due: " not in result.output
    assert "2026-07-03 (Fri) Independence Day (observed)" in result.output


def test_due_date_without_holidays_says_none(runner: FlaskCliRunner) -> None:
    # CA, 10 calendar days from Wed 4 Mar 2026 is Sat 14 Mar: a weekend, no holiday; Mon 16.
    result = runner.invoke(args=["due-date", "--jurisdiction", "CA", "--submitted", "2026-03-04"])
    assert result.exit_code == 0, result.output
    assert "Due:        2026-03-16 (Mon)" in result.output
    assert "Holidays skipped: none" in result.output


def test_due_date_unknown_jurisdiction(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["due-date", "--jurisdiction", "xx", "--submitted", "2026-06-03"])
    assert result.exit_code != 0
    assert "Unknown jurisdiction 'XX'" in result.output
    assert result.stdout == ""


@pytest.mark.parametrize("bad", ["2026-02-30", "yesterday", "20260203", "2026-2-3"])
def test_due_date_bad_date(runner: FlaskCliRunner, bad: str) -> None:
    result = runner.invoke(args=["due-date", "--jurisdiction", "CA", "--submitted", bad])
    assert result.exit_code != 0
    assert f"'{bad}'" in result.output
    assert "--submitted" in result.output


def test_due_date_needs_a_jurisdiction_or_agency(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["due-date", "--submitted", "2026-06-03"])
    assert result.exit_code != 0
    assert "--jurisdiction" in result.output


def test_due_date_applies_an_agency_override(app: Flask, runner: FlaskCliRunner) -> None:
    with app.app_context():
        agency = make_agency(db.session, "Austin Police Department", "TX")
        agency.deadline_days_override = 7
        agency.deadline_day_type_override = "calendar"
        agency.deadline_override_note = "City ordinance 2-10"
        other = make_agency(db.session, "Troy Police Department", "MI")
        db.session.commit()
        agency_id, other_id = agency.id, other.id

    # 7 calendar days from Fri 20 Nov is Fri 27 Nov, Friday after Thanksgiving (a Texas
    # holiday); Sat 28, Sun 29, so Mon 30 Nov.
    out = _due(runner, "--agency", str(agency_id), "--submitted", "2026-11-20")
    assert (out["jurisdiction"], out["due"], out["days"], out["day_type"]) == (
        "TX",
        "2026-11-30",
        7,
        "calendar",
    )
    assert out["skipped"] == ["2026-11-27"]
    assert out["agency_id"] == agency_id

    human = runner.invoke(
        args=["due-date", "--agency", str(agency_id), "--submitted", "2026-11-20"]
    )
    assert "local rule: City ordinance 2-10" in human.output
    assert "Rule:       7 calendar days" in human.output

    # Without a local rule the state law applies.
    assert _due(runner, "--agency", str(other_id), "--submitted", "2026-11-20")["days"] == 5

    mismatch = runner.invoke(
        args=[
            "due-date",
            "--agency",
            str(agency_id),
            "--jurisdiction",
            "CA",
            "--submitted",
            "2026-11-20",
        ]
    )
    assert mismatch.exit_code != 0 and "is in TX, not CA" in mismatch.output
    missing = runner.invoke(args=["due-date", "--agency", "9999", "--submitted", "2026-11-20"])
    assert missing.exit_code != 0 and "There is no agency 9999" in missing.output


def test_due_date_two_stage_law_before_and_after_the_acknowledgement(
    runner: FlaskCliRunner,
) -> None:
    # NY: 5 business days to acknowledge (N.Y. Pub. Off. Law § 89(3)(a)) from Mon 5 Jan is
    # Mon 12 Jan. Acknowledged Fri 9 Jan: 20 business days, Mon 12 - Fri 16 = 1-5, skipping
    # Mon 19 Jan (Martin Luther King Jr. Day), Tue 20 - Fri 23 = 6-9, 26-30 Jan = 10-14,
    # 2-6 Feb = 15-19, Mon 9 Feb = 20.
    before = _due(runner, "--jurisdiction", "NY", "--submitted", "2026-01-05")
    assert (before["due"], before["ack_due"], before["days"], before["day_type"]) == (
        "2026-01-12",
        "2026-01-12",
        5,
        "business",
    )
    assert before["skipped"] == []
    assert before["rule"] == "5 business days"
    assert (before["decision_days"], before["decision_day_type"], before["decision_from"]) == (
        20,
        "business",
        "acknowledgement",
    )
    assert before["acknowledged"] is None

    after = _due(
        runner, "--jurisdiction", "ny", "--submitted", "2026-01-05", "--acknowledged", "2026-01-09"
    )
    assert after["due"] == "2026-02-09"
    assert after["ack_due"] == "2026-01-12"
    assert after["acknowledged"] == "2026-01-09"
    assert after["skipped"] == ["2026-01-19"]
    assert after["days"] == 5  # the first deadline's count, as before
    assert after["steps"][-2].startswith("Acknowledged on 2026-01-09 (Fri); the law then allows")

    human = runner.invoke(
        args=[
            "due-date",
            "--jurisdiction",
            "NY",
            "--submitted",
            "2026-01-05",
            "--acknowledged",
            "2026-01-09",
        ]
    )
    assert human.exit_code == 0, human.output
    assert (
        "Rule:       5 business days to acknowledge, then 20 business days after the "
        "acknowledgement" in human.output
    )
    assert "Acknowledge by: 2026-01-12 (Mon)" in human.output
    assert "Acknowledged:   2026-01-09 (Fri)" in human.output
    assert "Due:        2026-02-09 (Mon), statutory deadline" in human.output
    assert "2026-01-19 (Mon) Martin Luther King Jr. Day" in human.output


def test_due_date_acknowledgement_leaves_a_single_deadline_alone(runner: FlaskCliRunner) -> None:
    # US FOIA: 20 business days of receipt for the determination; an acknowledgement letter
    # neither meets nor moves it. From Mon 2 Nov 2026 (see above): Wed 2 Dec.
    out = _due(
        runner, "--jurisdiction", "US", "--submitted", "2026-11-02", "--acknowledged", "2026-11-03"
    )
    assert out["due"] == "2026-12-02"
    assert out["decision_days"] is None and out["decision_from"] is None
    assert out["acknowledged"] == "2026-11-03"


def test_due_date_refuses_an_acknowledgement_before_submission(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=[
            "due-date",
            "--jurisdiction",
            "NY",
            "--submitted",
            "2026-01-05",
            "--acknowledged",
            "2026-01-02",
        ]
    )
    assert result.exit_code != 0
    assert "before the request was submitted" in result.output


# --------------------------------------------------------------------------------------------
# requests
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    tx: int  # filed Fri 20 Nov 2026, due Tue 8 Dec (10 business days, see above)
    ca: int  # filed Wed 4 Feb 2026, due Tue 17 Feb, fulfilled 10 Feb
    fl: int  # filed Wed 3 Jun 2026, follow-up Mon 6 Jul (not statutory)
    draft: int  # never filed
    fee: int  # filed Mon 2 Nov 2026 in TX, fee asked 5 Nov: clock stopped


def _file(request: object, on: dt.date) -> None:
    file_request(
        db.session, request, actor=None, clock=Clock(today=on, on=on), method=FilingMethod.EMAIL
    )


@pytest.fixture
def seeded(app: Flask) -> Seeded:
    with app.app_context():
        session = db.session
        campaign = make_campaign(session, "Ring 2026")
        tx = make_request(session, make_agency(session, "Austin Police Department", "TX"), campaign)
        _file(tx, D(2026, 11, 20))
        ca = make_request(
            session, make_agency(session, "San Diego Police Department", "CA"), campaign
        )
        _file(ca, D(2026, 2, 4))
        day = D(2026, 2, 10)
        record_response(session, ca, Action.FULFIL, actor=None, clock=Clock(today=day, on=day))
        fl = make_request(session, make_agency(session, "Clearwater Police Department", "FL"))
        _file(fl, D(2026, 6, 3))
        draft = make_request(session, make_agency(session, "Troy Police Department", "MI"))
        fee = make_request(session, make_agency(session, "Dallas Police Department", "TX"))
        _file(fee, D(2026, 11, 2))
        day = D(2026, 11, 5)
        request_fee(session, fee, actor=None, clock=Clock(today=day, on=day), amount_cents=2500)
        session.commit()
        return Seeded(tx=tx.id, ca=ca.id, fl=fl.id, draft=draft.id, fee=fee.id)


def _requests(runner: FlaskCliRunner, *args: str) -> list[dict]:
    result = runner.invoke(args=["requests", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_requests_json_keys_and_values(runner: FlaskCliRunner, seeded: Seeded) -> None:
    rows = {row["id"]: row for row in _requests(runner, "--today", "2026-12-10")}
    assert set(rows) == {seeded.tx, seeded.ca, seeded.fl, seeded.draft, seeded.fee}
    tx = rows[seeded.tx]
    assert set(tx) == {
        "id",
        "agency",
        "agency_id",
        "jurisdiction",
        "status",
        "filed",
        "due",
        "days_late",
        "due_is_statutory",
        "campaign",
        "assignee",
    }
    assert tx["agency"] == "Austin Police Department"
    assert isinstance(tx["agency_id"], int)
    assert (tx["jurisdiction"], tx["status"], tx["filed"], tx["due"]) == (
        "TX",
        "filed",
        "2026-11-20",
        "2026-12-08",
    )
    assert tx["days_late"] == 2  # 8 Dec -> 10 Dec
    assert tx["due_is_statutory"] is True
    assert tx["campaign"] == "Ring 2026" and tx["assignee"] is None

    fl = rows[seeded.fl]
    assert (fl["due"], fl["due_is_statutory"]) == ("2026-07-06", False)
    assert fl["days_late"] == 157  # 6 Jul -> 6 Dec is 153 days, then 4 more
    assert fl["campaign"] is None
    assert rows[seeded.ca]["status"] == "fulfilled" and rows[seeded.ca]["days_late"] == 0
    draft = rows[seeded.draft]
    assert (draft["filed"], draft["due"], draft["days_late"]) == (None, None, 0)
    # The clock is stopped while the agency waits for the fee: not late, whatever the date.
    assert rows[seeded.fee]["status"] == "fee_requested"
    assert rows[seeded.fee]["days_late"] == 0


def test_requests_filters_by_status(runner: FlaskCliRunner, seeded: Seeded) -> None:
    assert [r["id"] for r in _requests(runner, "--status", "fulfilled")] == [seeded.ca]
    assert [r["id"] for r in _requests(runner, "--status", "draft")] == [seeded.draft]
    bad = runner.invoke(args=["requests", "--status", "overdue"])
    assert bad.exit_code == 2 and "'overdue' is not one of" in bad.output


def test_requests_overdue(runner: FlaskCliRunner, seeded: Seeded) -> None:
    # Soonest due first: FL (6 Jul) then TX (8 Dec).
    late = _requests(runner, "--overdue", "--today", "2026-12-10")
    assert [r["id"] for r in late] == [seeded.fl, seeded.tx]
    # On its due date the TX request is not late yet.
    assert [r["id"] for r in _requests(runner, "--overdue", "--today", "2026-12-08")] == [seeded.fl]
    assert _requests(runner, "--overdue", "--today", "2026-07-06") == []
    combined = _requests(runner, "--overdue", "--status", "filed", "--today", "2026-12-10")
    assert [r["id"] for r in combined] == [seeded.fl, seeded.tx]


def test_requests_by_campaign(runner: FlaskCliRunner, seeded: Seeded) -> None:
    rows = _requests(runner, "--campaign", "Ring 2026")
    assert {r["id"] for r in rows} == {seeded.tx, seeded.ca}
    unknown = runner.invoke(args=["requests", "--campaign", "Ring 2019"])
    assert unknown.exit_code != 0
    assert "There is no campaign called 'Ring 2019'" in unknown.output
    assert "Ring 2026" in unknown.output  # names the ones that exist


def test_requests_table(runner: FlaskCliRunner, seeded: Seeded) -> None:
    result = runner.invoke(args=["requests", "--today", "2026-12-10"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = lines[0]
    assert header.split() == ["ID", "Agency", "State", "Status", "Filed", "Due", "Days", "late"]
    body = lines[1:6]
    # Aligned: every column starts at the same offset on every line.
    for column in ("State", "Status", "Filed", "Due"):
        offset = header.index(column)
        assert all(line[offset - 2 : offset] == "  " for line in body), column
        assert all(line[offset] != " " for line in body), column
    fl = next(line for line in body if "Clearwater" in line)
    assert "2026-06-03" in fl and "2026-07-06*" in fl and fl.endswith("157")
    tx = next(line for line in body if "Austin" in line)
    assert "2026-12-08 " in tx and tx.endswith(" 2")
    assert lines[6] == "5 requests, 2 overdue on 2026-12-10"
    assert lines[7] == "* a follow-up reminder, not a statutory deadline"


def test_requests_table_when_nothing_matches(runner: FlaskCliRunner, seeded: Seeded) -> None:
    result = runner.invoke(args=["requests", "--status", "rejected", "--today", "2026-12-10"])
    assert result.exit_code == 0, result.output
    assert result.output == "0 requests, 0 overdue on 2026-12-10\n"


def test_requests_bad_today(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["requests", "--today", "2026-13-01"])
    assert result.exit_code != 0 and "'2026-13-01'" in result.output

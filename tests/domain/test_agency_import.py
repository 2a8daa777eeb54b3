"""CSV import: every bad row reported with its line, nothing imported on error, no duplicates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from foiatrack.domain.agencies.importing import (
    CsvFormat,
    CsvImportError,
    RowAction,
    import_agencies,
)
from foiatrack.domain.agencies.models import Agency, AgencyKind

HEADER = (
    "name,state,city,county,email,portal_url,address,phone,ring_partner,ring_partner_since,notes\n"
)
FBI_SAMPLE = Path(__file__).resolve().parent.parent / "data" / "fbi_cde_agencies_sample.csv"


def _agency_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Agency)) or 0


def _problems(session: Session, data: bytes) -> list[str]:
    with pytest.raises(CsvImportError) as caught:
        import_agencies(session, data)
    assert _agency_count(session) == 0, "nothing may be imported when a row is bad"
    return caught.value.problems


def test_imports_valid_rows(session: Session) -> None:
    data = (
        HEADER
        + "Troy Police Department,mi,Troy,Oakland,records@troymi.gov,https://troymi.gov/foia,"
        '"500 W Big Beaver Rd\nTroy, MI",248-555-0100,yes,2019-09-09,from the 2019 map\n'
        "Lee County Sheriff's Office,AL,,Lee,,,,,no,,\n"
    ).encode()
    report = import_agencies(session, data)
    assert report.format == CsvFormat.FOIATRACK
    assert [o.action for o in report.outcomes] == [RowAction.CREATE, RowAction.CREATE]
    assert [o.line for o in report.outcomes] == [2, 4]  # the quoted address spans two lines
    troy = session.get(Agency, report.outcomes[0].agency_id)
    assert troy.state == "MI" and troy.county == "Oakland" and troy.is_ring_partner
    assert troy.ring_partner_since == dt.date(2019, 9, 9)
    assert troy.address == "500 W Big Beaver Rd\nTroy, MI"
    assert troy.kind == AgencyKind.POLICE
    lee = session.get(Agency, report.outcomes[1].agency_id)
    assert lee.kind == AgencyKind.SHERIFF and not lee.is_ring_partner


def test_bom_and_windows_line_endings_are_accepted(session: Session) -> None:
    data = (
        ("\ufeff" + HEADER + "Dearborn Police Department,MI,Dearborn,,,,,,yes,,\n")
        .replace("\n", "\r\n")
        .encode("utf-8")
    )
    report = import_agencies(session, data)
    assert report.count(RowAction.CREATE) == 1
    agency = session.get(Agency, report.outcomes[0].agency_id)
    assert agency.name == "Dearborn Police Department" and agency.city == "Dearborn"


def test_only_name_and_state_are_required(session: Session) -> None:
    report = import_agencies(session, b"name,state\nAlaska State Troopers,AK\n")
    agency = session.get(Agency, report.outcomes[0].agency_id)
    assert agency.state == "AK" and agency.email == "" and not agency.is_ring_partner


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (",MI,Troy,,,,,,,,\n", "line 2: name is missing"),
        ("Troy PD,,Troy,,,,,,,,\n", "line 2: state is missing"),
        ("Troy PD,XX,Troy,,,,,,,,\n", "line 2: state 'XX' is not a two-letter state code"),
        ("Troy PD,MI,Troy,,not-an-email,,,,,,\n", "line 2: e-mail 'not-an-email' is not valid"),
        ("Troy PD,MI,Troy,,,ftp://x.example,,,,,\n", "line 2: portal URL 'ftp://x.example' must"),
        ("Troy PD,MI,Troy,,,,,,maybe,,\n", "line 2: ring_partner 'maybe' must be yes or no"),
        ("Troy PD,MI,Troy,,,,,,yes,09/09/2019,\n", "line 2: ring_partner_since: date '09/09/2019'"),
        ("Troy PD,MI,Troy,,,,,,no,2019-09-09,\n", "line 2: ring_partner_since is set but"),
        ("Troy PD,MI," + "x" * 201 + ",,,,,,,,\n", "line 2: city is longer than 200 characters"),
        ("x" * 301 + ",MI,,,,,,,,,\n", "line 2: name is longer than 300 characters"),
        ("Troy PD,MI,Troy,,,,,,,,,extra\n", "line 2: more cells than the header has columns"),
    ],
)
def test_bad_rows_are_reported_with_line_numbers(
    session: Session, rows: str, expected: str
) -> None:
    good = "Livonia Police Department,MI,Livonia,,,,,,,,\n"
    problems = _problems(session, (HEADER + good + rows).encode())
    assert len(problems) == 1
    assert problems[0].startswith(expected.replace("line 2", "line 3")), problems


def test_every_bad_row_is_listed_at_once(session: Session) -> None:
    data = (HEADER + ",MI,,,,,,,,,\nA,ZZ,,,,,,,,,\nB,MI,,,bad@,,,,,,\n").encode()
    problems = _problems(session, data)
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 3", "line 4"]


def test_duplicate_rows_are_refused(session: Session) -> None:
    data = (
        HEADER + "Troy Police Department,MI,Troy,,,,,,,,\nTROY POLICE DEPT.,MI,troy,,,,,,,,\n"
    ).encode()
    problems = _problems(session, data)
    assert problems == ["line 3: duplicates line 2 (TROY POLICE DEPT., MI)"]


def test_wrong_encoding_is_refused_with_its_line(session: Session) -> None:
    data = (
        HEADER + "Troy Police Department,MI,Troy,,,,,,,,\n"
    ).encode() + "Peñasco Police Department,NM,Peñasco,,,,,,,,\n".encode("latin-1")
    problems = _problems(session, data)
    assert problems[0].startswith("line 3: byte 0xf1 is not UTF-8")


@pytest.mark.parametrize("data", [b"", b"  \n", HEADER.encode()])
def test_empty_file_is_refused(session: Session, data: bytes) -> None:
    with pytest.raises(CsvImportError, match="empty"):
        import_agencies(session, data)


def test_unknown_or_missing_columns_are_refused(session: Session) -> None:
    problems = _problems(session, b"agency,stat\nTroy PD,MI\n")
    assert problems[0] == "line 1: required column(s) missing: name, state"
    assert problems[1].startswith("line 1: unknown column(s): agency, stat")


def test_existing_agencies_are_matched_not_duplicated(session: Session) -> None:
    import_agencies(session, (HEADER + "Troy Police Department,MI,Troy,,,,,,yes,,\n").encode())
    report = import_agencies(
        session, (HEADER + "Troy Police Dept,MI,Troy,Oakland,foia@troymi.gov,,,,,,\n").encode()
    )
    assert report.outcomes[0].action == RowAction.UPDATE
    assert _agency_count(session) == 1
    troy = session.scalars(select(Agency)).one()
    # new facts are added, and an empty ring_partner cell keeps the existing flag
    assert (troy.county, troy.email, troy.is_ring_partner) == ("Oakland", "foia@troymi.gov", True)
    again = import_agencies(
        session, (HEADER + "Troy Police Dept,MI,Troy,Oakland,foia@troymi.gov,,,,,,\n").encode()
    )
    assert again.outcomes[0].action == RowAction.UNCHANGED


def test_same_name_in_another_state_is_another_agency(session: Session) -> None:
    import_agencies(
        session,
        (
            HEADER + "Troy Police Department,MI,Troy,,,,,,,,\n"
            "Troy Police Department,AL,Troy,,,,,,,,\n"
        ).encode(),
    )
    assert _agency_count(session) == 2


def test_dry_run_changes_nothing(session: Session) -> None:
    import_agencies(session, (HEADER + "Troy Police Department,MI,Troy,,,,,,,,\n").encode())
    report = import_agencies(
        session,
        (
            HEADER + "Troy Police Department,MI,Troy,Oakland,,,,,,,\n"
            "Novi Police Department,MI,Novi,,,,,,,,\n"
        ).encode(),
        dry_run=True,
    )
    assert [o.action for o in report.outcomes] == [RowAction.UPDATE, RowAction.CREATE]
    assert "would be created" in report.summary
    session.flush()
    assert _agency_count(session) == 1
    assert session.scalars(select(Agency)).one().county == ""


def test_fbi_crime_data_explorer_format(session: Session) -> None:
    report = import_agencies(session, FBI_SAMPLE.read_bytes())
    assert report.format == CsvFormat.FBI_CDE
    assert report.count(RowAction.CREATE) == 14
    skipped = [o for o in report.outcomes if o.action == RowAction.SKIP]
    assert [(o.line, o.name) for o in skipped] == [(12, "District Attorney:")]
    opelika = session.scalar(select(Agency).where(Agency.ori == "AL0430200"))
    assert (opelika.name, opelika.city, opelika.county, opelika.state) == (
        "Opelika Police Department",
        "Opelika",
        "Lee",
        "AL",
    )
    franklin = session.scalar(select(Agency).where(Agency.ori == "AL0460400"))
    assert franklin.county == "Macon" and franklin.city == ""  # NA values become empty
    again = import_agencies(session, FBI_SAMPLE.read_bytes())
    assert again.count(RowAction.UNCHANGED) == 14
    assert _agency_count(session) == 14


def test_fbi_row_matches_an_agency_added_by_hand_and_keeps_its_ori(session: Session) -> None:
    import_agencies(session, (HEADER + "Mobile Police Department,AL,Mobile,,,,,,yes,,\n").encode())
    import_agencies(session, FBI_SAMPLE.read_bytes())
    mobile = session.scalar(select(Agency).where(Agency.name == "Mobile Police Department"))
    assert mobile.ori == "AL0020100" and mobile.is_ring_partner
    assert _agency_count(session) == 14


def test_fbi_rows_with_bad_state_are_refused(session: Session) -> None:
    data = FBI_SAMPLE.read_bytes() + b"ZZ0000000,X,NA,NA,ZZ,Nowhere,Nowhere PD,City,TRUE,NA\n"
    problems = _problems(session, data)
    assert problems == ["line 17: state_abbr 'ZZ' is not a known state code"]

"""Importing agencies from CSV: foiatrack's own format and the FBI Crime Data Explorer list.

Every row is checked first; when any row is bad nothing is imported and each problem is reported
with its line number. Rows that match an existing agency update it instead of adding a copy.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from foiatrack.domain.agencies.models import Agency, AgencyKind
from foiatrack.domain.agencies.naming import guess_kind, name_key
from foiatrack.domain.agencies.services import FIELD_LIMITS, check_lengths
from foiatrack.domain.errors import ValidationFailed
from foiatrack.domain.jurisdictions.models import Jurisdiction
from foiatrack.domain.jurisdictions.services import jurisdictions_by_code
from foiatrack.domain.validation import email_problem, parse_iso_date, parse_yes_no, url_problem

FOIATRACK_COLUMNS = (
    "name",
    "state",
    "city",
    "county",
    "email",
    "portal_url",
    "address",
    "phone",
    "ring_partner",
    "ring_partner_since",
    "notes",
)
#: accepted as well, so files exported from foiatrack or the shipped data import back
OPTIONAL_COLUMNS = ("source_url", "ori", "kind")
FBI_COLUMNS = (
    "ori",
    "county",
    "latitude",
    "longitude",
    "state_abbr",
    "state",
    "agency_name",
    "agency_type",
    "is_nibrs",
    "nibrs_start_date",
)
_FBI_MISSING = {"", "NA", "N/A", "NULL"}
_FBI_KINDS = {"state police": AgencyKind.STATE_POLICE, "federal": AgencyKind.FEDERAL}
_TEXT_FIELDS = ("city", "county", "email", "portal_url", "address", "phone", "notes", "source_url")


class CsvFormat(StrEnum):
    FOIATRACK = "foiatrack"
    FBI_CDE = "fbi_cde"


class RowAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    SKIP = "skip"


@dataclass
class AgencyRow:
    """One row after parsing, with the line it came from."""

    line: int
    name: str
    state: str
    values: dict[str, str] = field(default_factory=dict)
    is_ring_partner: bool | None = None
    ring_partner_since: dt.date | None = None
    ori: str | None = None
    kind: AgencyKind | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.state, name_key(self.name), name_key(self.values.get("city", "")))


@dataclass
class RowOutcome:
    line: int
    name: str
    state: str
    action: RowAction
    agency_id: int | None = None
    reason: str = ""


@dataclass
class ImportReport:
    format: CsvFormat
    outcomes: list[RowOutcome]
    dry_run: bool

    def count(self, action: RowAction) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    @property
    def summary(self) -> str:
        verb = "would be" if self.dry_run else "were"
        parts = [
            f"{self.count(a)} {verb} {a.value}d"
            if a != RowAction.UNCHANGED
            else f"{self.count(a)} unchanged"
            for a in RowAction
            if a != RowAction.SKIP
        ]
        skipped = self.count(RowAction.SKIP)
        text = f"{len(self.outcomes)} rows: " + ", ".join(parts)
        return text + (f", {skipped} skipped" if skipped else "")


class CsvImportError(ValidationFailed):
    """Raised with one problem per bad row, as `line N: reason`."""


def decode_csv(data: bytes) -> str:
    """The file as text; UTF-8 only (a byte-order mark is fine)."""
    if not data.strip():
        raise CsvImportError("The file is empty.", ["line 1: the file has no header row"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvImportError(
            "The file is not UTF-8 text.",
            [
                f"line {line}: byte 0x{data[exc.start]:02x} is not UTF-8; save the file as "
                "'CSV UTF-8' and try again"
            ],
        ) from None
    return text


def parse_agency_csv(
    data: bytes, jurisdiction_codes: Iterable[str]
) -> tuple[CsvFormat, list[AgencyRow], list[RowOutcome]]:
    """Parse and check every row; raises CsvImportError listing each bad row."""
    text = decode_csv(data)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    reader.fieldnames = header
    codes = {code.upper() for code in jurisdiction_codes}
    csv_format = _detect_format(header)

    rows: list[AgencyRow] = []
    skipped: list[RowOutcome] = []
    problems: list[str] = []
    seen: dict[tuple[str, str, str], int] = {}
    seen_ori: dict[str, int] = {}
    for raw in reader:
        # line_num is where the record ends; quoted cells may span lines, so count back.
        line = reader.line_num - sum(
            (v or "").count("\n") for v in raw.values() if isinstance(v, str)
        )
        if None in raw:
            problems.append(f"line {line}: more cells than the header has columns")
            continue
        cells = {key: (value or "").strip() for key, value in raw.items()}
        if not any(cells.values()):
            continue
        parse = _parse_fbi_row if csv_format == CsvFormat.FBI_CDE else _parse_foiatrack_row
        row, row_problems, skip_reason = parse(line, cells, codes)
        if skip_reason:
            skipped.append(
                RowOutcome(
                    line,
                    cells.get("agency_name", ""),
                    cells.get("state_abbr", ""),
                    RowAction.SKIP,
                    reason=skip_reason,
                )
            )
            continue
        if row is not None and not row_problems:
            if row.key in seen:
                row_problems.append(f"duplicates line {seen[row.key]} ({row.name}, {row.state})")
            elif row.ori and row.ori in seen_ori:
                row_problems.append(f"ORI {row.ori} duplicates line {seen_ori[row.ori]}")
            else:
                seen[row.key] = line
                if row.ori:
                    seen_ori[row.ori] = line
        problems += [f"line {line}: {p}" for p in row_problems]
        if row is not None and not row_problems:
            rows.append(row)
    if problems:
        raise CsvImportError(f"{len(problems)} problem(s) found; nothing was imported.", problems)
    if not rows and not skipped:
        raise CsvImportError("The file is empty.", ["line 2: the file has a header but no rows"])
    return csv_format, rows, skipped


def _detect_format(header: list[str]) -> CsvFormat:
    if {"ori", "agency_name", "state_abbr"} <= set(header):
        return CsvFormat.FBI_CDE
    missing = [c for c in ("name", "state") if c not in header]
    unknown = [c for c in header if c not in FOIATRACK_COLUMNS + OPTIONAL_COLUMNS]
    problems = []
    if missing:
        problems.append(f"line 1: required column(s) missing: {', '.join(missing)}")
    if unknown:
        problems.append(
            f"line 1: unknown column(s): {', '.join(unknown)} (allowed: "
            f"{', '.join(FOIATRACK_COLUMNS + OPTIONAL_COLUMNS)})"
        )
    if len(set(header)) != len(header):
        problems.append("line 1: a column name appears twice")
    if problems:
        raise CsvImportError("The header row is not one foiatrack can read.", problems)
    return CsvFormat.FOIATRACK


def _parse_foiatrack_row(
    line: int, cells: dict[str, str], codes: set[str]
) -> tuple[AgencyRow | None, list[str], str]:
    problems: list[str] = []
    state = cells.get("state", "").upper()
    if not cells.get("name"):
        problems.append("name is missing")
    if not state:
        problems.append("state is missing")
    elif state not in codes:
        problems.append(f"state {cells['state']!r} is not a two-letter state code, DC or US")
    problems += check_lengths(cells)
    problems += [
        p
        for p in (email_problem(cells.get("email", "")), url_problem(cells.get("portal_url", "")))
        if p
    ]
    is_partner = parse_yes_no(cells.get("ring_partner", ""))
    if is_partner is None:
        problems.append(f"ring_partner {cells['ring_partner']!r} must be yes or no")
    since = None
    if cells.get("ring_partner_since"):
        try:
            since = parse_iso_date(cells["ring_partner_since"])
        except ValueError as exc:
            problems.append(f"ring_partner_since: {exc}")
        if cells.get("ring_partner", "").strip() and is_partner is False:
            problems.append("ring_partner_since is set but ring_partner is no")
        elif since and since > dt.date.today():
            problems.append(f"ring_partner_since {since} is in the future")
    kind = None
    if cells.get("kind"):
        try:
            kind = AgencyKind(cells["kind"].lower())
        except ValueError:
            problems.append(f"kind {cells['kind']!r} must be one of {', '.join(AgencyKind)}")
    ori = cells.get("ori") or None
    if ori and len(ori) > 9:
        problems.append(f"ori {ori!r} is longer than 9 characters")
    if problems:
        return None, problems, ""
    # An empty ring_partner cell leaves an existing agency's flag alone; a date implies yes.
    partner_flag = True if since else (is_partner if cells.get("ring_partner") else None)
    values = {key: cells.get(key, "") for key in _TEXT_FIELDS}
    return AgencyRow(line, cells["name"], state, values, partner_flag, since, ori, kind), [], ""


def _parse_fbi_row(
    line: int, cells: dict[str, str], codes: set[str]
) -> tuple[AgencyRow | None, list[str], str]:
    clean = {key: ("" if value.upper() in _FBI_MISSING else value) for key, value in cells.items()}
    name, state, ori = (
        clean.get("agency_name", ""),
        clean.get("state_abbr", "").upper(),
        clean.get("ori", ""),
    )
    if name.endswith(":") or not name:
        # The CDE list has a few truncated placeholder names ("District Attorney:"); they name
        # no agency anyone could write to, so they are skipped and reported, not imported.
        return None, [], f"not an agency name: {cells.get('agency_name', '')!r}"
    problems = []
    if state not in codes:
        problems.append(f"state_abbr {cells.get('state_abbr', '')!r} is not a known state code")
    if not ori or len(ori) > 9:
        problems.append(f"ori {ori!r} must be 1 to 9 characters")
    if len(name) > FIELD_LIMITS["name"]:
        problems.append(f"name is longer than {FIELD_LIMITS['name']} characters")
    if problems:
        return None, problems, ""
    agency_type = clean.get("agency_type", "")
    city = ""
    if agency_type.lower() == "city":
        for suffix in (" Police Department", " Police Dept", " Department of Public Safety"):
            if name.endswith(suffix):
                city = name[: -len(suffix)]
    county = clean.get("county", "").title()
    kind = _FBI_KINDS.get(agency_type.lower()) or guess_kind(name)
    values = {key: "" for key in _TEXT_FIELDS} | {"city": city, "county": county}
    return AgencyRow(line, name, state, values, None, None, ori, kind), [], ""


class _AgencyIndex:
    """Existing agencies by ORI and by (jurisdiction, name key), loaded once per import."""

    def __init__(self, session: Session) -> None:
        self.by_ori: dict[str, Agency] = {}
        self.by_name: dict[tuple[int, str], list[Agency]] = {}
        for agency in session.scalars(select(Agency)):
            self.add(agency)

    def add(self, agency: Agency) -> None:
        if agency.ori:
            self.by_ori[agency.ori] = agency
        self.by_name.setdefault((agency.jurisdiction_id, agency.name_key), []).append(agency)

    def match(self, row: AgencyRow, jurisdiction: Jurisdiction) -> Agency | None:
        if row.ori and row.ori in self.by_ori:
            return self.by_ori[row.ori]
        candidates = self.by_name.get((jurisdiction.id, name_key(row.name)), [])
        city_key = name_key(row.values.get("city", ""))
        same_city = [a for a in candidates if name_key(a.city) == city_key]
        if len(same_city) == 1:
            return same_city[0]
        # One side does not know the city: still the same agency when it is the only candidate.
        if len(candidates) == 1 and (not candidates[0].city or not city_key):
            return candidates[0]
        return None


def _merge(agency: Agency, row: AgencyRow) -> bool:
    """Copy the row's non-empty values onto the agency; True when anything changed."""
    changes: dict[str, object] = {k: v for k, v in row.values.items() if v}
    if row.is_ring_partner is not None:
        changes["is_ring_partner"] = row.is_ring_partner
    if row.ring_partner_since is not None:
        changes["ring_partner_since"] = row.ring_partner_since
    if row.ori and not agency.ori:
        changes["ori"] = row.ori
    if row.kind and agency.kind == AgencyKind.OTHER:
        changes["kind"] = row.kind
    changed = False
    for attr, value in changes.items():
        if getattr(agency, attr) != value:
            setattr(agency, attr, value)
            changed = True
    return changed


def import_agencies(session: Session, data: bytes, *, dry_run: bool = False) -> ImportReport:
    """Check every row, then create or update agencies; with dry_run, report only."""
    jurisdictions = jurisdictions_by_code(session)
    csv_format, rows, skipped = parse_agency_csv(data, jurisdictions)
    outcomes = list(skipped)
    index = _AgencyIndex(session)
    touched: list[Agency] = []
    for row in rows:
        jurisdiction = jurisdictions[row.state]
        agency = index.match(row, jurisdiction)
        if agency is None:
            agency = Agency(
                name=row.name,
                name_key=name_key(row.name),
                jurisdiction_id=jurisdiction.id,
                kind=row.kind or guess_kind(row.name),
                is_ring_partner=False,
                **dict.fromkeys(_TEXT_FIELDS, ""),
            )
            _merge(agency, row)
            action = RowAction.CREATE
            index.add(agency)
            if not dry_run:
                session.add(agency)
        else:
            # In a dry run the changes must not reach the database, so compare on a copy.
            target = _detached_copy(agency) if dry_run else agency
            action = RowAction.UPDATE if _merge(target, row) else RowAction.UNCHANGED
        touched.append(agency)
        outcomes.append(RowOutcome(row.line, row.name, row.state, action))
    if not dry_run:
        session.flush()
        # ids exist only after the flush; outcomes and rows are in the same order
        for outcome, agency in zip(outcomes[len(skipped) :], touched, strict=True):
            outcome.agency_id = agency.id
    outcomes.sort(key=lambda o: o.line)
    return ImportReport(csv_format, outcomes, dry_run)


def _detached_copy(agency: Agency) -> Agency:
    copy = Agency()
    for column in Agency.__table__.columns:
        setattr(copy, column.key, getattr(agency, column.key))
    return copy

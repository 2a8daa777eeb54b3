"""Deadline commands: `due-date` checks a date by hand, `requests` lists requests and lateness."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.agencies.services import get_agency
from foiatrack.domain.errors import DomainError
from foiatrack.domain.jurisdictions.deadlines import (
    ClockEvent,
    ClockEventKind,
    DayType,
    DeadlineRule,
    DecisionFrom,
    DueDate,
    HolidayCalendar,
    compute_due_date,
)
from foiatrack.domain.jurisdictions.models import Jurisdiction
from foiatrack.domain.jurisdictions.services import deadline_rule, get_jurisdiction
from foiatrack.domain.requests.models import Campaign, RecordsRequest, Status
from foiatrack.domain.requests.queries import RequestFilter, list_requests
from foiatrack.extensions import db

# Fixed names: strftime's %a depends on the locale, and scripts parse this output.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_AGENCY_WIDTH = 40


class IsoDate(click.ParamType):
    """A calendar date written exactly as YYYY-MM-DD."""

    name = "YYYY-MM-DD"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        # date.fromisoformat alone would also take 20261120 and 2026-W47-5.
        if not _ISO_DATE.fullmatch(text):
            self.fail(f"{value!r} is not a date written as YYYY-MM-DD.", param, ctx)
        try:
            return dt.date.fromisoformat(text)
        except ValueError as exc:
            self.fail(f"{value!r} is not a real date ({exc}).", param, ctx)


ISO_DATE = IsoDate()


def _day(d: dt.date) -> str:
    return f"{d.isoformat()} ({_WEEKDAYS[d.weekday()]})"


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _rule_label(rule: DeadlineRule) -> str:
    if rule.days is None:
        return "no fixed deadline"
    return f"{rule.days} {rule.day_type.value} days"


def _second_stage_label(rule: DeadlineRule) -> str:
    if rule.decision_days is None or rule.decision_day_type is None:
        return ""
    origin = (
        "the acknowledgement" if rule.decision_from is DecisionFrom.ACKNOWLEDGEMENT else "receipt"
    )
    return f"{rule.decision_days} {rule.decision_day_type.value} days after {origin}"


def _override_of(agency: Agency) -> tuple[int | None, str | None]:
    return (agency.deadline_days_override, agency.deadline_day_type_override)


def _resolve(
    code: str | None, agency_id: int | None
) -> tuple[Jurisdiction, Agency | None, DeadlineRule]:
    agency = get_agency(db.session, agency_id) if agency_id is not None else None
    if code is None:
        if agency is None:
            raise click.UsageError("Give --jurisdiction (e.g. CA, DC or US) or --agency ID.")
        jurisdiction = agency.jurisdiction
    else:
        jurisdiction = get_jurisdiction(db.session, code.strip().upper())
        if agency is not None and agency.jurisdiction.code != jurisdiction.code:
            raise click.UsageError(
                f"Agency {agency.id} ({agency.name}) is in {agency.jurisdiction.code}, not "
                f"{jurisdiction.code}; leave out --jurisdiction to use the agency's."
            )
    overrides = (_override_of(agency),) if agency is not None else ()
    return jurisdiction, agency, deadline_rule(jurisdiction, overrides=overrides)


def _due_date_payload(
    jurisdiction: Jurisdiction,
    agency: Agency | None,
    rule: DeadlineRule,
    submitted: dt.date,
    result: DueDate,
    acknowledged: dt.date | None = None,
) -> dict[str, Any]:
    calendar = HolidayCalendar(jurisdiction.code)
    return {
        "jurisdiction": jurisdiction.code,
        "submitted": submitted.isoformat(),
        "due": result.due_on.isoformat(),
        "days": result.days,
        "day_type": result.day_type.value,
        "skipped": [d.isoformat() for d in result.skipped],
        "statutory": result.is_statutory,
        "ack_due": _iso(result.ack_due_on),
        "rule": _rule_label(rule),
        "law": jurisdiction.law_name,
        "citation": jurisdiction.citation,
        "agency_id": agency.id if agency is not None else None,
        "steps": [step.text for step in result.steps],
        "skipped_holidays": [
            {"date": d.isoformat(), "name": calendar.name(d) or ""} for d in result.skipped
        ],
        # Two-stage laws: the second deadline starts with the acknowledgement; null otherwise.
        "decision_days": rule.decision_days,
        "decision_day_type": rule.decision_day_type.value if rule.decision_day_type else None,
        "decision_from": rule.decision_from.value if rule.has_second_stage else None,
        "acknowledged": _iso(acknowledged),
    }


def _echo_due_date(
    jurisdiction: Jurisdiction,
    agency: Agency | None,
    rule: DeadlineRule,
    submitted: dt.date,
    result: DueDate,
    acknowledged: dt.date | None = None,
) -> None:
    click.echo(f"{jurisdiction.name}: {jurisdiction.law_name} ({jurisdiction.citation})")
    overridden = agency is not None and agency.deadline_days_override
    if agency is not None:
        local = f", local rule: {agency.deadline_override_note}" if overridden else ""
        if overridden and not agency.deadline_override_note:
            local = ", local rule replaces the state law"
        click.echo(f"Agency:     {agency.name} (id {agency.id}){local}")
    roll = ""
    if rule.days is not None and DayType.CALENDAR in (rule.day_type, rule.decision_day_type):
        roll = (
            ", moved to the next business day if it ends on a weekend or holiday"
            if rule.rolls_forward
            else ", not moved off a weekend or holiday"
        )
    second = _second_stage_label(rule)
    if second:
        click.echo(f"Rule:       {_rule_label(rule)} to acknowledge, then {second}{roll}")
    else:
        click.echo(f"Rule:       {_rule_label(rule)}{roll}")
    if second and result.acknowledged_on is None:
        click.echo("            (give --acknowledged YYYY-MM-DD to count the second deadline)")
    elif jurisdiction.ack_only and not overridden and result.is_statutory and not second:
        click.echo("            (by then the agency must answer or decide; records may come later)")
    click.echo(f"Submitted:  {_day(submitted)}")
    if result.ack_due_on is not None:
        click.echo(f"Acknowledge by: {_day(result.ack_due_on)}")
    if acknowledged is not None:
        click.echo(f"Acknowledged:   {_day(acknowledged)}")
    if result.is_statutory:
        click.echo(f"Due:        {_day(result.due_on)}, statutory deadline")
    else:
        click.echo(
            f"Follow up:  {_day(result.due_on)}, a reminder only: this law sets no fixed "
            f"deadline, so it is not a statutory due date"
        )
    click.echo("How it was reached:")
    for number, step in enumerate(result.steps, start=1):
        click.echo(f"  {number}. {step.text}")
    if not result.skipped:
        click.echo("Holidays skipped: none")
        return
    calendar = HolidayCalendar(jurisdiction.code)
    click.echo("Holidays skipped:")
    for d in result.skipped:
        click.echo(f"  {_day(d)} {calendar.name(d)}")


@click.command("due-date")
@with_appcontext
@click.option(
    "--jurisdiction",
    "code",
    metavar="XX",
    help="Two-letter state code, DC or US (federal); any case. Optional with --agency.",
)
@click.option(
    "--submitted",
    type=ISO_DATE,
    required=True,
    help="The day the agency received the request, YYYY-MM-DD.",
)
@click.option(
    "--agency",
    "agency_id",
    type=int,
    metavar="ID",
    help="Apply this agency's local rule (a city ordinance), if it has one.",
)
@click.option(
    "--acknowledged",
    type=ISO_DATE,
    help="The day the agency acknowledged the request, YYYY-MM-DD: where the law sets a second "
    "deadline after the acknowledgement (e.g. NY), the due date is that one.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def due_date_command(
    code: str | None,
    submitted: dt.date,
    agency_id: int | None,
    acknowledged: dt.date | None,
    as_json: bool,
) -> None:
    """Print the due date for a request received on a day, and how it was reached."""
    try:
        jurisdiction, agency, rule = _resolve(code, agency_id)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    if acknowledged is not None and acknowledged < submitted:
        raise click.BadParameter(
            f"{acknowledged.isoformat()} is before the request was submitted "
            f"({submitted.isoformat()}).",
            param_hint="--acknowledged",
        )
    events = (
        [ClockEvent(ClockEventKind.ACKNOWLEDGED, acknowledged)] if acknowledged is not None else []
    )
    result = compute_due_date(rule, submitted, events)
    if as_json:
        payload = _due_date_payload(jurisdiction, agency, rule, submitted, result, acknowledged)
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    _echo_due_date(jurisdiction, agency, rule, submitted, result, acknowledged)


def _request_row(request: RecordsRequest, today: dt.date) -> dict[str, Any]:
    return {
        "id": request.id,
        "agency": request.agency.name,
        "agency_id": request.agency_id,
        "jurisdiction": request.agency.state,
        "status": Status(request.status).value,
        "filed": _iso(request.filed_on),
        "due": _iso(request.due_on),
        "days_late": request.days_late(today),
        "due_is_statutory": request.due_is_statutory,
        "campaign": request.campaign.name if request.campaign else None,
        "assignee": request.assignee.email if request.assignee else None,
    }


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _echo_table(rows: list[dict[str, Any]]) -> None:
    header = ("ID", "Agency", "State", "Status", "Filed", "Due", "Days late")
    lines = [
        (
            str(row["id"]),
            _shorten(row["agency"], _AGENCY_WIDTH),
            row["jurisdiction"],
            row["status"],
            row["filed"] or "-",
            (row["due"] or "-") + ("*" if row["due"] and not row["due_is_statutory"] else ""),
            str(row["days_late"]) if row["days_late"] else "",
        )
        for row in rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]
    right = {0, 6}  # numbers line up on the right

    def fmt(cells: tuple[str, ...]) -> str:
        return "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ).rstrip()

    click.echo(fmt(header))
    for cells in lines:
        click.echo(fmt(cells))


@click.command("requests")
@with_appcontext
@click.option(
    "--status", type=click.Choice([s.value for s in Status]), help="Only requests in this status."
)
@click.option("--overdue", is_flag=True, help="Only requests whose agency deadline has passed.")
@click.option("--campaign", "campaign_name", metavar="NAME", help="Only this campaign's requests.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option(
    "--today",
    type=ISO_DATE,
    hidden=True,
    help="For scripts and tests: count lateness as of this date instead of today.",
)
def requests_command(
    status: str | None,
    overdue: bool,
    campaign_name: str | None,
    as_json: bool,
    today: dt.date | None,
) -> None:
    """List requests with their due dates and how many days late the agency is."""
    today = today or dt.date.today()
    if campaign_name is not None and (
        db.session.scalar(select(Campaign.id).where(Campaign.name == campaign_name)) is None
    ):
        known = db.session.scalars(select(Campaign.name).order_by(Campaign.name)).all()
        hint = f" Campaigns: {', '.join(known)}." if known else " There are no campaigns yet."
        raise click.ClickException(f"There is no campaign called {campaign_name!r}.{hint}")
    filters = RequestFilter(
        status=Status(status) if status else None,
        overdue_on=today if overdue else None,
        campaign_name=campaign_name,
    )
    rows = [_request_row(r, today) for r in list_requests(db.session, filters)]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if rows:
        _echo_table(rows)
    late = sum(1 for row in rows if row["days_late"])
    noun = "request" if len(rows) == 1 else "requests"
    click.echo(f"{len(rows)} {noun}, {late} overdue on {today.isoformat()}")
    if any(row["due"] and not row["due_is_statutory"] for row in rows):
        click.echo("* a follow-up reminder, not a statutory deadline")

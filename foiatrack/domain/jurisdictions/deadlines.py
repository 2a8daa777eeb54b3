"""Statutory deadline engine for public-records (FOIA) requests.

Pure domain code: stdlib plus the ``holidays`` package, no web framework, no database.
Every result carries plain-words ``Step``s so a requester can check the arithmetic.

Holiday data (see ``HolidayCalendar``):

* ``"US"`` (federal) uses the ``holidays`` PUBLIC category with no subdivision: the eleven
  "legal public holidays" of 5 U.S.C. § 6103(a) with the § 6103(b) / E.O. 11582 weekend
  rule (a Saturday holiday is observed on Friday, a Sunday one on Monday). FOIA excepts
  only "Saturdays, Sundays, and legal public holidays" (5 U.S.C. § 552(a)(6)(A)(i)), so the
  GOVERNMENT category (executive-order closures such as 24 and 26 December 2025) is NOT
  used: those days still count as working days.
* A state or DC uses the PUBLIC category for that subdivision. GOVERNMENT would add federal
  holidays the state does not keep (e.g. Columbus Day in California); UNOFFICIAL
  (Valentine's Day, Halloween...) and HALF_DAY never close an office.
* ``_CORRECTIONS`` then fixes the few places where the package and the governing statute were
  checked and found to disagree. Package data for other states is used as is.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

import holidays
from holidays.constants import PUBLIC

__all__ = [
    "ClockEvent",
    "ClockEventKind",
    "DayType",
    "DeadlineRule",
    "DecisionFrom",
    "DueDate",
    "HolidayCalendar",
    "Step",
    "add_business_days",
    "compute_due_date",
]

_ONE_DAY = timedelta(days=1)
_FEDERAL = "US"
_OBSERVED_SUFFIX = " (observed)"
_MONDAY, _TUESDAY, _WEDNESDAY, _THURSDAY, _FRIDAY, _SATURDAY, _SUNDAY = range(7)


class DayType(StrEnum):
    """Unit in which a statute counts its deadline."""

    BUSINESS = "business"
    CALENDAR = "calendar"
    NONE = "none"


class ClockEventKind(StrEnum):
    """Things that happen to a request's clock after it is received."""

    EXTENSION_DAYS = "extension_days"
    EXTENSION_TO_DATE = "extension_to_date"
    TOLL_START = "toll_start"
    TOLL_END = "toll_end"
    OVERRIDE_DATE = "override_date"
    #: the agency acknowledged the request: starts a two-stage law's second deadline
    ACKNOWLEDGED = "acknowledged"


class DecisionFrom(StrEnum):
    """What a two-stage law counts its second deadline from."""

    #: the day the agency actually acknowledged (N.Y. Pub. Off. Law § 89(3)(a))
    ACKNOWLEDGEMENT = "acknowledgement"
    #: the day the request was received, whenever the acknowledgement came (ORS 192.329(5))
    RECEIPT = "receipt"


def _is_int(value: object) -> bool:
    # bool is an int subclass; True days is always a caller bug.
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class DeadlineRule:
    """One jurisdiction's response deadline.

    ``days`` is None when the law sets no fixed deadline ("promptly"); the due date is then a
    non-statutory follow-up reminder. With ``day_type`` NONE nothing is counted in a statutory
    unit; with BUSINESS or CALENDAR and ``days=None`` only the acknowledgement (``ack_days``)
    is statutory.

    A two-stage law (N.Y. Pub. Off. Law § 89(3)(a), Ala. Code § 36-12-44, ORS 192.329) sets
    ``decision_days``: ``days`` is then the acknowledgement deadline, and once a
    ``ClockEventKind.ACKNOWLEDGED`` event arrives the due date becomes ``decision_days`` in
    ``decision_day_type`` counted from ``decision_from``. From then on extensions and pauses
    count in the second stage's unit, and ``extension_days`` is measured against that stage.
    """

    jurisdiction: str
    days: int | None
    day_type: DayType
    rolls_forward: bool = True
    counts_receipt_day: bool = False
    extension_days: int | None = None
    ack_days: int | None = None
    citation: str = ""
    follow_up_days: int = 30
    decision_days: int | None = None
    decision_day_type: DayType | None = None
    decision_from: DecisionFrom = DecisionFrom.ACKNOWLEDGEMENT

    def __post_init__(self) -> None:
        if not isinstance(self.jurisdiction, str) or not self.jurisdiction.strip():
            raise ValueError("DeadlineRule.jurisdiction must be a code such as 'CA' or 'US'")
        # Accept plain strings from storage ("business") but keep the enum inside.
        object.__setattr__(
            self, "day_type", _member(DayType, self.day_type, "DeadlineRule.day_type")
        )
        _check_positive("DeadlineRule.days", self.days, allow_none=True)
        _check_positive("DeadlineRule.ack_days", self.ack_days, allow_none=True)
        _check_positive("DeadlineRule.follow_up_days", self.follow_up_days, allow_none=False)
        if self.extension_days is not None and (
            not _is_int(self.extension_days) or self.extension_days < 0
        ):
            # 0 is meaningful: the law allows the agency no extension of its own.
            raise ValueError(
                f"DeadlineRule.extension_days must be None or a whole number >= 0, "
                f"got {self.extension_days!r}"
            )
        if self.day_type is DayType.NONE and self.days is not None:
            raise ValueError(
                f"DeadlineRule for {self.jurisdiction}: day_type NONE means no fixed deadline, "
                f"so days must be None (got {self.days})"
            )
        if self.day_type is DayType.NONE and self.ack_days is not None:
            raise ValueError(
                f"DeadlineRule for {self.jurisdiction}: ack_days needs a unit; use day_type "
                f"BUSINESS or CALENDAR with days=None for an acknowledgement-only rule"
            )
        self._check_decision()

    def _check_decision(self) -> None:
        _check_positive("DeadlineRule.decision_days", self.decision_days, allow_none=True)
        origin = _member(DecisionFrom, self.decision_from, "DeadlineRule.decision_from")
        object.__setattr__(self, "decision_from", origin)
        if self.decision_days is None:
            if self.decision_day_type is not None:
                raise ValueError(
                    f"DeadlineRule for {self.jurisdiction}: decision_day_type without decision_days"
                )
            return
        if self.days is None or self.ack_days is not None:
            # The first deadline (days) is the acknowledgement the second stage waits for;
            # a separate ack_days would leave two candidates for it.
            raise ValueError(
                f"DeadlineRule for {self.jurisdiction}: decision_days needs days (the "
                f"acknowledgement deadline) and no ack_days"
            )
        unit = self.day_type if self.decision_day_type is None else self.decision_day_type
        unit = _member(DayType, unit, "DeadlineRule.decision_day_type")
        if unit is DayType.NONE:
            raise ValueError(
                f"DeadlineRule for {self.jurisdiction}: decision_day_type must be business or "
                f"calendar"
            )
        object.__setattr__(self, "decision_day_type", unit)

    @property
    def has_second_stage(self) -> bool:
        """True for a two-stage law: acknowledge first, then decide within a second period."""
        return self.decision_days is not None

    def counting_unit(self, *, acknowledged: bool = False) -> DayType:
        """The unit extensions and pauses count in; a two-stage law's second once acknowledged."""
        if acknowledged and self.decision_day_type is not None:
            return self.decision_day_type
        # A rule without a statutory unit still needs one for follow-ups: calendar days.
        return DayType.CALENDAR if self.day_type is DayType.NONE else self.day_type


_E = TypeVar("_E", bound=StrEnum)


def _member(enum: type[_E], value: object, label: str) -> _E:
    """`value` as a member of `enum` (plain strings come from storage), or a clear error."""
    try:
        return enum(value)
    except ValueError:
        raise ValueError(f"{label} {value!r} is not one of {[m.value for m in enum]}") from None


def _check_positive(label: str, value: object, *, allow_none: bool) -> None:
    if value is None and allow_none:
        return
    if not _is_int(value) or value < 1:  # type: ignore[operator]
        raise ValueError(f"{label} must be a whole number of days >= 1, got {value!r}")


@dataclass(frozen=True)
class ClockEvent:
    """Something that changes the clock on a given date."""

    kind: ClockEventKind
    on: date
    days: int | None = None
    to_date: date | None = None
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", _member(ClockEventKind, self.kind, "ClockEvent.kind"))
        _check_date("ClockEvent.on", self.on)
        if self.kind is ClockEventKind.EXTENSION_DAYS:
            _check_positive(f"ClockEvent({self.kind}).days", self.days, allow_none=False)
        elif self.days is not None:
            raise ValueError(f"ClockEvent({self.kind}) does not take days (got {self.days!r})")
        if self.kind in (ClockEventKind.EXTENSION_TO_DATE, ClockEventKind.OVERRIDE_DATE):
            if self.to_date is None:
                raise ValueError(f"ClockEvent({self.kind}) on {self.on} needs to_date")
            _check_date(f"ClockEvent({self.kind}).to_date", self.to_date)
        elif self.to_date is not None:
            raise ValueError(f"ClockEvent({self.kind}) does not take to_date")


def _check_date(label: str, value: object) -> None:
    # datetime is a date subclass but mixing the two raises TypeError on comparison later.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{label} must be a datetime.date, got {type(value).__name__}")


@dataclass(frozen=True)
class Step:
    """One line of the plain-words explanation of a due date."""

    text: str
    on: date | None = None


@dataclass(frozen=True)
class DueDate:
    """Result of ``compute_due_date``."""

    due_on: date
    is_statutory: bool
    ack_due_on: date | None
    days: int | None
    day_type: DayType
    skipped: tuple[date, ...]
    steps: tuple[Step, ...]
    #: the acknowledgement that started a two-stage law's second deadline, if any
    acknowledged_on: date | None = None


# --------------------------------------------------------------------------------------------
# Holiday calendar
# --------------------------------------------------------------------------------------------


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _observed_like_package(day: date, name: str) -> tuple[tuple[date, str], ...]:
    # Same weekend rule the package applies to California's fixed-date holidays.
    if day.weekday() == _SATURDAY:
        return ((day, name), (day - _ONE_DAY, name + _OBSERVED_SUFFIX))
    if day.weekday() == _SUNDAY:
        return ((day, name), (day + _ONE_DAY, name + _OBSERVED_SUFFIX))
    return ((day, name),)


def _california_judicial_holidays(year: int) -> tuple[tuple[date, str], ...]:
    # CCP § 12a rolls a deadline past "holidays specified in Section 135"; CCP § 135 makes every
    # Gov. Code § 6700 holiday a judicial holiday except Admission Day, Columbus Day (and the
    # newer Lunar New Year / Genocide Remembrance Day). The package models the CalHR staff list,
    # which lacks these two § 6700 days that courts do close for.
    extra = list(_observed_like_package(date(year, 2, 12), "Lincoln Day"))  # § 6700(a), § 6701
    if year >= 2022:
        # Native American Day, fourth Friday in September: in § 6700 since 2015 (AB 1973) and a
        # judicial holiday since AB 855 (Stats. 2021, ch. 283) took effect on 2022-01-01.
        extra.append((_nth_weekday(year, 9, _FRIDAY, 4), "Native American Day"))
    return tuple(extra)


def _south_carolina_holidays(year: int) -> tuple[tuple[date, str], ...]:
    # S.C. Code § 53-5-10 (scstatehouse.gov/code/t53c005.php): Confederate Memorial Day is 10 May
    # (the package has the fourth Monday of April), and the day after Thanksgiving, 24 and 26
    # December are legal holidays too. Weekend days move as on the Department of
    # Administration's state holiday schedule (admin.sc.gov, "Holiday Leave"): Saturday to
    # Friday, Sunday to Monday.
    thanksgiving = _nth_weekday(year, 11, _THURSDAY, 4)
    return (
        *_observed_like_package(date(year, 5, 10), "Confederate Memorial Day (10 May)"),
        (thanksgiving + _ONE_DAY, "Day after Thanksgiving"),
        *_observed_like_package(date(year, 12, 24), "Christmas Eve"),
        *_observed_like_package(date(year, 12, 26), "Day after Christmas"),
    )


@dataclass(frozen=True)
class _Correction:
    """Where the package and the statute that counts the deadline disagree."""

    why: str
    drop: frozenset[str] = frozenset()
    saturday_to_friday: bool = True
    sunday_to_monday: bool = True
    extra: Callable[[int], tuple[tuple[date, str], ...]] | None = None

    def keeps(self, day: date, name: str) -> bool:
        base = name.removesuffix(_OBSERVED_SUFFIX)
        if base in self.drop:
            return False
        if base != name:
            # An observed copy dated Thu/Fri was moved back from a weekend (Saturday, or
            # Christmas Eve's Friday-to-Thursday rule); Mon/Tue ones were moved forward.
            moved_back = day.weekday() in (_THURSDAY, _FRIDAY)
            return self.saturday_to_friday if moved_back else self.sunday_to_monday
        return True


# Only disagreements checked against the statute text are corrected here. Known but unverified
# differences are left as the package has them: KY (package has all of Good Friday, no Christmas
# Eve), CO (Cesar Chavez Day may be commemorative only), MI (Christmas Eve / New Year's Eve are
# office closures, not MCL 435.101 legal holidays), CA Diwali from 2026 (AB 268) and California's
# Saturday-to-Friday judicial observance (CCP § 135 leaves it to the Judicial Council).
_CORRECTIONS: Mapping[str, _Correction] = MappingProxyType(
    {
        "AK": _Correction(
            why="AS 44.12.010(a) lists no October holiday besides Alaska Day (18 Oct); "
            "Indigenous Peoples' Day is proclaimed, and state offices stay open",
            drop=frozenset({"Indigenous Peoples' Day"}),
        ),
        "CA": _Correction(
            why="Susan B. Anthony Day is not a Gov. Code § 6700 holiday; Lincoln Day and "
            "Native American Day are CCP § 135 judicial holidays missing from the package",
            drop=frozenset({"Susan B. Anthony Day"}),
            extra=_california_judicial_holidays,
        ),
        "FL": _Correction(
            # Fla. Stat. § 110.117(1) lists the days state offices close; § 683.01 "legal
            # holidays" such as Susan B. Anthony's birthday do not close them.
            why="not paid state holidays under Fla. Stat. § 110.117(1)",
            drop=frozenset({"Susan B. Anthony Day", "Juneteenth National Independence Day"}),
        ),
        "NY": _Correction(
            # N.Y. Gen. Constr. Law § 24 moves only a Sunday holiday (to Monday); a Saturday
            # holiday is not observed on Friday, and Susan B. Anthony Day is not in § 24.
            why="N.Y. Gen. Constr. Law § 24",
            drop=frozenset({"Susan B. Anthony Day"}),
            saturday_to_friday=False,
        ),
        "SC": _Correction(
            why="S.C. Code § 53-5-10 lists the legal holidays: Confederate Memorial Day on "
            "10 May, the day after Thanksgiving, 24 and 26 December; not Juneteenth",
            drop=frozenset({"Confederate Memorial Day", "Juneteenth National Independence Day"}),
            extra=_south_carolina_holidays,
        ),
        "TX": _Correction(
            # Tex. Gov't Code § 552.0031 (HB 3033, 2023): only § 662.003(a) national and (b)
            # state holidays are non-business days. Optional holidays (Good Friday, Cesar Chavez
            # Day) and Friday/Monday substitutes for weekend holidays count unless the body
            # chooses to observe them, which a tracker cannot know.
            why="Tex. Gov't Code § 552.0031",
            drop=frozenset({"Good Friday", "Cesar Chavez Day"}),
            saturday_to_friday=False,
            sunday_to_monday=False,
        ),
    }
)


class HolidayCalendar:
    """Office-closing holidays of one jurisdiction, backed by the ``holidays`` package."""

    __slots__ = ("_code", "_correction", "_subdiv", "_years")

    def __init__(self, jurisdiction: str) -> None:
        code = jurisdiction.strip().upper() if isinstance(jurisdiction, str) else ""
        if code == _FEDERAL:
            subdiv: str | None = None
        elif code in holidays.US.subdivisions:
            subdiv = code
        else:
            raise ValueError(
                f"Unknown jurisdiction {jurisdiction!r}: use 'US' for federal agencies or a "
                f"two-letter US state/territory code such as 'CA' or 'DC'"
            )
        self._code = code
        self._subdiv = subdiv
        self._correction = _CORRECTIONS.get(code)
        self._years: dict[int, Mapping[date, tuple[str, ...]]] = {}

    @property
    def jurisdiction(self) -> str:
        """Normalised code, e.g. 'US' or 'CA'."""
        return self._code

    def __repr__(self) -> str:
        return f"HolidayCalendar({self._code!r})"

    def _year(self, year: int) -> Mapping[date, tuple[str, ...]]:
        # Built once per year; a racing thread would just build the same mapping again.
        table = self._years.get(year)
        if table is None:
            table = self._build_year(year)
            self._years[year] = table
        return table

    def _build_year(self, year: int) -> Mapping[date, tuple[str, ...]]:
        source = holidays.country_holidays(
            "US",
            subdiv=self._subdiv,
            years=year,
            categories=(PUBLIC,),
            language="en_US",
            observed=True,
        )
        fix = self._correction
        table: dict[date, list[str]] = {}
        for day in sorted(source):
            if day.year != year:
                continue
            names = [n for n in source.get_list(day) if fix is None or fix.keeps(day, n)]
            if names:
                table[day] = names
        if fix is not None and fix.extra is not None:
            for day, name in fix.extra(year):  # noqa: S610 - not Django
                if day.year == year and fix.keeps(day, name):
                    table.setdefault(day, []).append(name)
        return MappingProxyType({day: tuple(names) for day, names in sorted(table.items())})

    def is_holiday(self, d: date) -> bool:
        """True if offices are closed for a holiday on d (observed dates included)."""
        return d in self._year(d.year)

    def name(self, d: date) -> str | None:
        """Holiday name(s) for d joined with '; ', or None."""
        names = self._year(d.year).get(d)
        return "; ".join(names) if names else None

    def is_business_day(self, d: date) -> bool:
        """True unless d is a Saturday, Sunday or holiday."""
        return d.weekday() < _SATURDAY and not self.is_holiday(d)


@functools.lru_cache(maxsize=128)
def _shared_calendar(code: str) -> HolidayCalendar:
    return HolidayCalendar(code)


def _calendar_for(jurisdiction: str) -> HolidayCalendar:
    return _shared_calendar(jurisdiction.strip().upper())


# --------------------------------------------------------------------------------------------
# Counting
# --------------------------------------------------------------------------------------------


def add_business_days(start: date, n: int, calendar: HolidayCalendar) -> tuple[date, list[date]]:
    """Return the date n business days after start (not counted) and weekday holidays skipped."""
    if not _is_int(n) or n < 0:
        raise ValueError(f"add_business_days needs a whole number n >= 0, got {n!r}")
    day = start
    counted = 0
    skipped: list[date] = []
    while counted < n:
        day += _ONE_DAY
        if calendar.is_business_day(day):
            counted += 1
        elif day.weekday() < _SATURDAY:
            skipped.append(day)
    return day, skipped


def _business_days_between(start: date, end: date, calendar: HolidayCalendar) -> int:
    # Business days in (start, end]: the same convention as add_business_days.
    count = 0
    day = start
    while day < end:
        day += _ONE_DAY
        if calendar.is_business_day(day):
            count += 1
    return count


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # fixed: strftime %a is locale-bound


def _iso(d: date) -> str:
    return f"{d.isoformat()} ({_WEEKDAYS[d.weekday()]})"


def _describe_holidays(days: Sequence[date], calendar: HolidayCalendar) -> str:
    return ", ".join(f"{d.isoformat()} {calendar.name(d)}" for d in days)


@dataclass
class _Clock:
    raw: date  # calendar rules: before rolling forward, so later additions count from here
    due: date
    extension_used: int = 0
    toll_since: date | None = None
    due_when_tolled: date | None = None
    #: every finished pause (start, restart): a second stage counted from receipt needs them
    pauses: list[tuple[date, date]] = field(default_factory=list)
    acknowledged_on: date | None = None


@dataclass
class _Work:
    """Mutable scratch state while one due date is computed."""

    rule: DeadlineRule
    calendar: HolidayCalendar
    unit: DayType
    received_on: date
    steps: list[Step] = field(default_factory=list)
    skipped: set[date] = field(default_factory=set)

    def step(self, text: str, on: date | None = None) -> None:
        self.steps.append(Step(text, on))

    def next_business_day(self, day: date) -> tuple[date, list[date]]:
        """The first business day on or after day, and the weekday holidays passed on the way."""
        passed: list[date] = []
        target = day
        while not self.calendar.is_business_day(target):
            if self.calendar.is_holiday(target) and target.weekday() < _SATURDAY:
                passed.append(target)
            target += _ONE_DAY
        return target, passed

    def roll(self, day: date, *, enabled: bool) -> date:
        """Move a result off a weekend/holiday to the next business day when enabled."""
        if self.calendar.is_business_day(day):
            return day
        if not enabled:
            self.step(f"{_iso(day)} is not a business day, but this rule does not roll forward.")
            return day
        target, passed = self.next_business_day(day)
        self.skipped.update(passed)
        reason = f"holiday ({_describe_holidays(passed, self.calendar)})" if passed else "weekend"
        self.step(
            f"{_iso(day)} falls on a {reason}; moved to the next business day, {_iso(target)}.",
            target,
        )
        return target

    def roll_clock(self, day: date) -> date:
        # Follow-up reminders (days=None) always land on a business day.
        return self.roll(day, enabled=self.rule.days is None or self.rule.rolls_forward)

    def push(self, clock: _Clock, n: int) -> None:
        """Move the clock n more days in the working unit."""
        # Calendar periods grow from their unrolled last day (the roll is re-applied after);
        # business days count on from the effective due date.
        base = clock.due if self.unit is DayType.BUSINESS else clock.raw
        clock.raw, _ = self.add(base, n)
        clock.due = max(clock.due, self.roll_clock(clock.raw))

    def add(
        self, base: date, n: int, unit: DayType | None = None, *, record: bool = True
    ) -> tuple[date, list[date]]:
        """n more days after base (no rolling), in the working unit unless told another.

        With record=False the holidays passed are not added to the result's skipped days: the
        count is only a preview of a stage that has not started.
        """
        if (unit or self.unit) is DayType.BUSINESS:
            end, passed = add_business_days(base, n, self.calendar)
            if record:
                self.skipped.update(passed)
            return end, passed
        return base + timedelta(days=n), []

    def units_between(self, start: date, end: date) -> int:
        if self.unit is DayType.BUSINESS:
            return _business_days_between(start, end, self.calendar)
        return (end - start).days


def _unit_word(unit: DayType) -> str:
    return "business" if unit is DayType.BUSINESS else "calendar"


def _count_period(
    work: _Work, received_on: date, n: int, *, label: str, roll: bool
) -> tuple[date, date]:
    """Count a statutory period from receipt; return (unrolled end, effective end)."""
    rule = work.rule
    start = received_on - _ONE_DAY if rule.counts_receipt_day else received_on
    if rule.counts_receipt_day:
        receipt = "day of receipt counted as day 1"
    else:
        receipt = "day of receipt not counted"
    if work.unit is DayType.BUSINESS and not work.calendar.is_business_day(received_on):
        receipt += "; received on a non-business day, so day 1 is the next business day"
    unit_word = "business" if work.unit is DayType.BUSINESS else "calendar"
    raw, passed = work.add(start, n)
    skipped = f", skipping {_describe_holidays(passed, work.calendar)}" if passed else ""
    cite = f" under {rule.citation}" if rule.citation else ""
    work.step(
        f"{label}counted {n} {unit_word} days from {received_on.isoformat()} ({receipt})"
        f"{cite}{skipped}: day {n} is {_iso(raw)}.",
        raw,
    )
    # Calendar counts roll off weekends/holidays (e.g. CCP § 12a); business counts already
    # end on a business day.
    return raw, work.roll(raw, enabled=roll)


# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------


def _warn_extension(work: _Work, clock: _Clock) -> None:
    rule = work.rule
    unit_word = "business" if work.unit is DayType.BUSINESS else "calendar"
    if rule.extension_days is None:
        work.step(
            "Note: no statutory extension period is recorded for this rule; the extension is "
            "applied as the agency stated it."
        )
    elif clock.extension_used > rule.extension_days:
        work.step(
            f"Warning: extensions now total {clock.extension_used} {unit_word} days, more than "
            f"the {rule.extension_days} the statute allows"
            f"{' (' + rule.citation + ')' if rule.citation else ''}; applied anyway because "
            f"the agency took them."
        )


def _apply_toll(work: _Work, clock: _Clock, resumed: date, *, still_stopped: bool) -> None:
    started = clock.toll_since
    due_then = clock.due_when_tolled
    if started is None or due_then is None:  # set together on TOLL_START
        raise RuntimeError("toll state is inconsistent")
    clock.toll_since = None
    clock.due_when_tolled = None
    clock.pauses.append((started, resumed))
    if still_stopped:
        work.step(
            f"Clock stopped since {started.isoformat()}, waiting on the requester; shown as if "
            f"it restarts on {resumed.isoformat()}.",
            started,
        )
    if started >= due_then:
        work.step(
            f"Clock stopped on {started.isoformat()}, not before the due date "
            f"{due_then.isoformat()}; tolling does not move an expired deadline.",
            started,
        )
        return
    elapsed = work.units_between(started, resumed)
    unit_word = "business" if work.unit is DayType.BUSINESS else "calendar"
    if elapsed == 0:
        work.step(
            f"Clock stopped {started.isoformat()} to {resumed.isoformat()}: no {unit_word} days "
            f"elapsed, due date unchanged.",
            resumed,
        )
        return
    before = clock.due
    work.push(clock, elapsed)
    work.step(
        f"Clock stopped {started.isoformat()} to {resumed.isoformat()} (requester owed a fee or "
        f"clarification): {elapsed} {unit_word} days added; due date moves from "
        f"{before.isoformat()} to {_iso(clock.due)}.",
        clock.due,
    )


def _required_date(event: ClockEvent) -> date:
    if event.to_date is None:  # ClockEvent.__post_init__ already refuses this
        raise ValueError(f"{event.kind} needs to_date")
    return event.to_date


def _receipt_origin(rule: DeadlineRule, received_on: date) -> tuple[date, str]:
    """Where a second stage counted from receipt starts (not counted itself), in words."""
    start = received_on - _ONE_DAY if rule.counts_receipt_day else received_on
    return start, f"after receipt on {received_on.isoformat()}"


def _describe_pending_stage(work: _Work) -> None:
    """Before the acknowledgement: say what the second stage will be, without applying it."""
    rule = work.rule
    n, unit = rule.decision_days, rule.decision_day_type
    if n is None or unit is None:
        return
    words = f"{n} {_unit_word(unit)} days"
    if rule.decision_from is DecisionFrom.ACKNOWLEDGEMENT:
        work.step(
            f"Second stage, not started: once the agency acknowledges the request, the law "
            f"allows {words} from the acknowledgement date; until then the due date is the "
            f"acknowledgement deadline."
        )
        return
    start, origin = _receipt_origin(rule, work.received_on)
    raw, _ = work.add(start, n, unit, record=False)
    preview = raw
    if not work.calendar.is_business_day(raw) and rule.rolls_forward:
        preview, _ = work.next_business_day(raw)
    work.step(
        f"Second stage, not started: once the agency acknowledges the request, the due date "
        f"becomes {words} {origin}, {_iso(preview)}; until then it is the acknowledgement "
        f"deadline."
    )


def _apply_acknowledgement(work: _Work, clock: _Clock, on: date) -> None:
    rule = work.rule
    n, unit = rule.decision_days, rule.decision_day_type
    if n is None or unit is None:
        # The law's deadline runs from receipt whatever the agency says first: an
        # acknowledgement must never shorten or restart it.
        work.step(
            f"Acknowledged on {_iso(on)}; this law sets no later deadline counted from an "
            f"acknowledgement, so the due date stays {clock.due.isoformat()}.",
            clock.due,
        )
        return
    if clock.acknowledged_on is not None:
        work.step(
            f"Acknowledged again on {on.isoformat()}; the second stage still counts from the "
            f"first acknowledgement, {clock.acknowledged_on.isoformat()}.",
            clock.due,
        )
        return
    clock.acknowledged_on = on
    # Judged against the first-stage due date as it stands (pauses and extensions included);
    # while the clock is stopped that date is still moving, so nothing is called late.
    late = ""
    if on > clock.due and clock.toll_since is None:
        late = f", after the acknowledgement deadline {clock.due.isoformat()}"
    if rule.decision_from is DecisionFrom.ACKNOWLEDGEMENT:
        start, origin = on, "from the acknowledgement (day of acknowledgement not counted)"
    else:
        start, origin = _receipt_origin(rule, work.received_on)
    before = clock.due
    work.unit = unit  # extensions and pauses from now on count in the second stage's unit
    clock.extension_used = 0  # extension_days limits the second stage's extensions
    # The result lists the holidays behind the date it gives: once the second stage replaces
    # the first, the first stage's holidays no longer are.
    first_skipped, work.skipped = work.skipped, set()
    raw, passed = work.add(start, n)
    skipped = f", skipping {_describe_holidays(passed, work.calendar)}" if passed else ""
    cite = f" under {rule.citation}" if rule.citation else ""
    # "due" only when nothing moves the day; otherwise the roll-forward step follows.
    ends = "due" if work.calendar.is_business_day(raw) or not rule.rolls_forward else f"day {n} is"
    work.step(
        f"Acknowledged on {_iso(on)}{late}; the law then allows {n} {_unit_word(unit)} days "
        f"{origin}{cite}{skipped}: {ends} {_iso(raw)}.",
        raw,
    )
    second = _Clock(raw=raw, due=work.roll_clock(raw))
    if rule.decision_from is DecisionFrom.RECEIPT:
        # Counted from receipt, the second stage stood still during every earlier pause too.
        for started, resumed in clock.pauses:
            elapsed = work.units_between(started, resumed)
            if started >= second.due or elapsed == 0:
                continue
            was = second.due
            work.push(second, elapsed)
            work.step(
                f"Clock stopped {started.isoformat()} to {resumed.isoformat()}: {elapsed} "
                f"{_unit_word(unit)} days added to the second stage; {was.isoformat()} becomes "
                f"{_iso(second.due)}.",
                second.due,
            )
    if second.due >= before:
        clock.raw, clock.due = second.raw, second.due
    else:
        work.skipped = first_skipped
        clock.raw = max(clock.raw, second.raw)
        work.step(
            f"The due date stays {_iso(before)}, later than the second stage's "
            f"{second.due.isoformat()}: an acknowledgement never shortens a deadline.",
            before,
        )
    if clock.toll_since is not None:
        # Waiting on the requester when the acknowledgement came: a second stage counted from
        # the acknowledgement stands still from its own first day until the clock restarts.
        if rule.decision_from is DecisionFrom.ACKNOWLEDGEMENT:
            clock.toll_since = max(clock.toll_since, on)
        clock.due_when_tolled = clock.due


def _apply_event(work: _Work, clock: _Clock, event: ClockEvent) -> None:
    note = f" ({event.note})" if event.note else ""
    unit_word = "business" if work.unit is DayType.BUSINESS else "calendar"
    kind = event.kind
    if kind is ClockEventKind.EXTENSION_DAYS:
        days = event.days or 0  # positive: checked in ClockEvent.__post_init__
        before = clock.due
        work.push(clock, days)
        clock.extension_used += days
        work.step(
            f"On {event.on.isoformat()} the agency extended by {days} {unit_word} days"
            f"{note}: due date moves from {before.isoformat()} to {_iso(clock.due)}.",
            clock.due,
        )
        _warn_extension(work, clock)
    elif kind is ClockEventKind.EXTENSION_TO_DATE:
        target = _required_date(event)
        if target <= clock.due:
            # The named date may still lie after the unrolled last day: later extensions then
            # count from it, so an earlier, longer extension can never end up shorter.
            clock.raw = max(clock.raw, target)
            work.step(
                f"On {event.on.isoformat()} the agency named {target.isoformat()}{note}, which is "
                f"not later than the current due date {clock.due.isoformat()}; an extension "
                f"cannot shorten the deadline, so it stays.",
                clock.due,
            )
            return
        clock.extension_used += work.units_between(clock.due, target)
        before = clock.due
        clock.raw = clock.due = target
        work.step(
            f"On {event.on.isoformat()} the agency extended to {_iso(target)}{note} "
            f"(was {before.isoformat()}).",
            target,
        )
        _warn_extension(work, clock)
    elif kind is ClockEventKind.TOLL_START:
        if clock.toll_since is not None:
            raise ValueError(
                f"TOLL_START on {event.on} while the clock is already stopped since "
                f"{clock.toll_since}; record a TOLL_END first"
            )
        clock.toll_since = event.on
        clock.due_when_tolled = clock.due
    elif kind is ClockEventKind.TOLL_END:
        if clock.toll_since is None:
            raise ValueError(
                f"TOLL_END on {event.on} has no TOLL_START on or before it; a toll cannot end "
                f"before it starts"
            )
        _apply_toll(work, clock, event.on, still_stopped=False)
    elif kind is ClockEventKind.ACKNOWLEDGED:
        _apply_acknowledgement(work, clock, event.on)
    else:  # OVERRIDE_DATE
        target = _required_date(event)
        before = clock.due
        clock.raw = clock.due = target
        work.step(
            f"On {event.on.isoformat()} the due date was set to {_iso(target)}{note} "
            f"(negotiated or overridden; was {before.isoformat()}).",
            target,
        )


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------


def compute_due_date(
    rule: DeadlineRule,
    received_on: date,
    events: Sequence[ClockEvent] = (),
    *,
    calendar: HolidayCalendar | None = None,
    today: date | None = None,
) -> DueDate:
    """Compute the due date, acknowledgement date and explanation for one request."""
    _check_date("received_on", received_on)
    if today is not None:
        _check_date("today", today)
    cal = calendar if calendar is not None else _calendar_for(rule.jurisdiction)
    work = _Work(rule=rule, calendar=cal, unit=rule.counting_unit(), received_on=received_on)
    work.step(f"Request received {_iso(received_on)}.", received_on)

    ack_due: date | None = None
    if rule.ack_days is not None:
        _, ack_due = _count_period(
            work, received_on, rule.ack_days, label="Acknowledgement: ", roll=rule.rolls_forward
        )

    if rule.days is None:
        follow_raw = received_on + timedelta(days=rule.follow_up_days)
        why = f" ({rule.citation})" if rule.citation else ""
        work.step(
            f"No statutory deadline; follow-up reminder, not a legal deadline{why}: "
            f"{rule.follow_up_days} calendar days after receipt is {_iso(follow_raw)}.",
            follow_raw,
        )
        clock = _Clock(raw=follow_raw, due=work.roll_clock(follow_raw))
    else:
        label = "Acknowledgement: " if rule.has_second_stage else "Response: "
        raw, due = _count_period(work, received_on, rule.days, label=label, roll=rule.rolls_forward)
        clock = _Clock(raw=raw, due=due)
        if rule.has_second_stage:
            ack_due = due
            _describe_pending_stage(work)

    for event in events:
        if not isinstance(event, ClockEvent):
            raise TypeError(f"events must be ClockEvent instances, got {type(event).__name__}")
    # Same-day events keep the order the caller gave them (sorted() is stable).
    for event in sorted(events, key=lambda e: e.on):
        if event.on < received_on:
            raise ValueError(
                f"{event.kind} on {event.on} is dated before the request was received "
                f"({received_on})"
            )
        if (
            event.kind is ClockEventKind.OVERRIDE_DATE
            and event.to_date is not None
            and event.to_date < received_on
        ):
            raise ValueError(
                f"OVERRIDE_DATE to {event.to_date} is before the request was received "
                f"({received_on})"
            )
        _apply_event(work, clock, event)

    if clock.toll_since is not None:
        resumed = max(today if today is not None else received_on, clock.toll_since)
        _apply_toll(work, clock, resumed, still_stopped=True)

    kind = "Reminder" if rule.days is None else "Due"
    work.step(f"{kind}: {_iso(clock.due)}.", clock.due)
    return DueDate(
        due_on=clock.due,
        is_statutory=rule.days is not None,
        ack_due_on=ack_due,
        days=rule.days,
        day_type=rule.day_type,
        skipped=tuple(sorted(work.skipped)),
        steps=tuple(work.steps),
        acknowledged_on=clock.acknowledged_on,
    )

"""Property and unit tests for the deadline engine."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from foiatrack.domain.jurisdictions.deadlines import (
    ClockEvent,
    ClockEventKind,
    DayType,
    DeadlineRule,
    DecisionFrom,
    DueDate,
    HolidayCalendar,
    Step,
    add_business_days,
    compute_due_date,
)

K = ClockEventKind
B = DayType.BUSINESS
C = DayType.CALENDAR
N = DayType.NONE

JURISDICTIONS = (
    "US", "CA", "NY", "TX", "FL", "IL", "PA", "MI", "NJ", "GA",
    "VA", "WA", "CO", "OR", "MA", "AK", "KY", "DC", "AL",
)  # fmt: skip
_CALENDARS = {j: HolidayCalendar(j) for j in JURISDICTIONS}

# No example database: keeps test runs free of files on disk; deadline off because the first
# lookup of a year builds that year's holiday table.
PROPERTY = settings(max_examples=150, deadline=None, database=None)

dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


def cal(jurisdiction: str) -> HolidayCalendar:
    return _CALENDARS[jurisdiction]


def business_days_in(start: date, end: date, calendar: HolidayCalendar) -> int:
    """Independent count of business days in (start, end]."""
    return sum(
        calendar.is_business_day(start + timedelta(days=i))
        for i in range(1, (end - start).days + 1)
    )


def ev(kind: ClockEventKind, on: date, **kwargs: object) -> ClockEvent:
    return ClockEvent(kind, on, **kwargs)  # type: ignore[arg-type]


@st.composite
def rules(
    draw: st.DrawFn,
    day_types: tuple[DayType, ...] = (B, C),
    rolls_forward: bool | None = None,
) -> DeadlineRule:
    day_type = draw(st.sampled_from(day_types))
    statutory = day_type is not N
    return DeadlineRule(
        jurisdiction=draw(st.sampled_from(JURISDICTIONS)),
        days=draw(st.integers(1, 45)) if statutory else None,
        day_type=day_type,
        rolls_forward=draw(st.booleans()) if rolls_forward is None else rolls_forward,
        counts_receipt_day=draw(st.booleans()),
        extension_days=draw(st.one_of(st.none(), st.integers(0, 30))),
        ack_days=draw(st.one_of(st.none(), st.integers(1, 20))) if statutory else None,
        follow_up_days=draw(st.integers(1, 60)),
    )


@st.composite
def event_lists(draw: st.DrawFn, received_on: date, *, dated_targets: bool) -> list[ClockEvent]:
    """Valid events on or after receipt; optional date-setting kinds."""
    events: list[ClockEvent] = []

    def day() -> date:
        return received_on + timedelta(days=draw(st.integers(0, 90)))

    for _ in range(draw(st.integers(0, 3))):
        events.append(ev(K.EXTENSION_DAYS, day(), days=draw(st.integers(1, 20))))
    if draw(st.booleans()):
        start = day()
        if draw(st.booleans()):
            events.append(ev(K.TOLL_START, start))
            events.append(ev(K.TOLL_END, start + timedelta(days=draw(st.integers(0, 40)))))
        else:
            events.append(ev(K.TOLL_START, start))  # still waiting on the requester
    if dated_targets:
        for _ in range(draw(st.integers(0, 2))):
            kind = draw(st.sampled_from((K.EXTENSION_TO_DATE, K.OVERRIDE_DATE)))
            events.append(ev(kind, day(), to_date=day()))
    # Same-day tolls must stay START before END; every other order is fair game.
    tolls = [e for e in events if e.kind in (K.TOLL_START, K.TOLL_END)]
    others = draw(st.permutations([e for e in events if e not in tolls]))
    return [*others, *tolls]


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------


@PROPERTY
@given(rule=rules(day_types=(B, C, N)), received_on=dates, data=st.data())
def test_due_date_never_before_receipt(
    rule: DeadlineRule, received_on: date, data: st.DataObject
) -> None:
    events = data.draw(event_lists(received_on, dated_targets=True))
    today = data.draw(st.one_of(st.none(), dates))
    result = compute_due_date(rule, received_on, events, today=today)
    assert result.due_on >= received_on
    if result.ack_due_on is not None:
        assert result.ack_due_on >= received_on


@PROPERTY
@given(rule=rules(day_types=(B,)), received_on=dates, data=st.data())
def test_business_day_results_are_business_days(
    rule: DeadlineRule, received_on: date, data: st.DataObject
) -> None:
    events = data.draw(event_lists(received_on, dated_targets=False))
    result = compute_due_date(rule, received_on, events, today=received_on + timedelta(days=30))
    calendar = cal(rule.jurisdiction)
    assert calendar.is_business_day(result.due_on)
    if result.ack_due_on is not None:
        assert calendar.is_business_day(result.ack_due_on)


@PROPERTY
@given(rule=rules(day_types=(B,)), received_on=dates)
def test_business_count_has_exactly_n_business_days(rule: DeadlineRule, received_on: date) -> None:
    assert rule.days is not None
    result = compute_due_date(rule, received_on)
    start = received_on - timedelta(days=1) if rule.counts_receipt_day else received_on
    assert business_days_in(start, result.due_on, cal(rule.jurisdiction)) == rule.days


@PROPERTY
@given(rule=rules(day_types=(C,), rolls_forward=True), received_on=dates, data=st.data())
def test_rolling_calendar_results_are_first_business_day_on_or_after_the_count(
    rule: DeadlineRule, received_on: date, data: st.DataObject
) -> None:
    assert rule.days is not None
    calendar = cal(rule.jurisdiction)
    plain = compute_due_date(rule, received_on)
    counted = received_on + timedelta(days=rule.days - (1 if rule.counts_receipt_day else 0))
    assert calendar.is_business_day(plain.due_on)
    assert plain.due_on >= counted
    # Nothing between the counted day and the due date was a business day.
    assert business_days_in(counted - timedelta(days=1), plain.due_on, calendar) == 1

    events = data.draw(event_lists(received_on, dated_targets=False))
    with_events = compute_due_date(rule, received_on, events, today=received_on)
    assert calendar.is_business_day(with_events.due_on)


@PROPERTY
@given(rule=rules(day_types=(C,), rolls_forward=False), received_on=dates)
def test_non_rolling_calendar_count_is_exact(rule: DeadlineRule, received_on: date) -> None:
    assert rule.days is not None
    result = compute_due_date(rule, received_on)
    offset = rule.days - (1 if rule.counts_receipt_day else 0)
    assert result.due_on == received_on + timedelta(days=offset)


@PROPERTY
@given(rule=rules(day_types=(B,)), received_on=dates, data=st.data())
def test_toll_moves_business_deadline_by_exactly_the_tolled_business_days(
    rule: DeadlineRule, received_on: date, data: st.DataObject
) -> None:
    calendar = cal(rule.jurisdiction)
    base = compute_due_date(rule, received_on).due_on
    assume(base > received_on)  # a 1-day count that includes the receipt day ends on it
    start = received_on + timedelta(days=data.draw(st.integers(0, (base - received_on).days - 1)))
    end = start + timedelta(days=data.draw(st.integers(0, 60)))
    tolled_days = business_days_in(start, end, calendar)

    events = [ev(K.TOLL_START, start), ev(K.TOLL_END, end)]
    moved = compute_due_date(rule, received_on, events).due_on

    assert business_days_in(base, moved, calendar) == tolled_days
    assert calendar.is_business_day(moved)
    # An open toll judged "as of" the end date is the same span.
    assert compute_due_date(rule, received_on, events[:1], today=end).due_on == moved


@PROPERTY
@given(rule=rules(day_types=(B, C)), received_on=dates, data=st.data())
def test_toll_starting_on_or_after_the_deadline_changes_nothing(
    rule: DeadlineRule, received_on: date, data: st.DataObject
) -> None:
    base = compute_due_date(rule, received_on).due_on
    start = base + timedelta(days=data.draw(st.integers(0, 30)))
    end = start + timedelta(days=data.draw(st.integers(0, 30)))
    events = [ev(K.TOLL_START, start), ev(K.TOLL_END, end)]
    assert compute_due_date(rule, received_on, events).due_on == base


@PROPERTY
@given(
    rule=rules(day_types=(B, C, N)),
    received_on=dates,
    data=st.data(),
    extra=st.integers(1, 30),
    more=st.integers(0, 30),
)
def test_extensions_are_monotone(
    rule: DeadlineRule, received_on: date, data: st.DataObject, extra: int, more: int
) -> None:
    events = data.draw(event_lists(received_on, dated_targets=True))
    on = received_on + timedelta(days=data.draw(st.integers(0, 120)))
    today = received_on + timedelta(days=60)
    before = compute_due_date(rule, received_on, events, today=today).due_on
    shorter = compute_due_date(
        rule, received_on, [*events, ev(K.EXTENSION_DAYS, on, days=extra)], today=today
    ).due_on
    longer = compute_due_date(
        rule, received_on, [*events, ev(K.EXTENSION_DAYS, on, days=extra + more)], today=today
    ).due_on
    assert before <= shorter <= longer

    target = received_on + timedelta(days=data.draw(st.integers(0, 200)))
    to_date = compute_due_date(
        rule, received_on, [*events, ev(K.EXTENSION_TO_DATE, on, to_date=target)], today=today
    ).due_on
    assert to_date >= before


@PROPERTY
@given(rule=rules(day_types=(B, C, N)), received_on=dates, data=st.data())
def test_results_are_deterministic(
    rule: DeadlineRule, received_on: date, data: st.DataObject
) -> None:
    events = data.draw(event_lists(received_on, dated_targets=True))
    first = compute_due_date(rule, received_on, events, today=received_on)
    again = compute_due_date(rule, received_on, tuple(events), today=received_on)
    fresh = compute_due_date(
        rule, received_on, events, today=received_on, calendar=HolidayCalendar(rule.jurisdiction)
    )
    assert first == again == fresh
    assert list(first.skipped) == sorted(set(first.skipped))


@PROPERTY
@given(jurisdiction=st.sampled_from(JURISDICTIONS), start=dates, n=st.integers(0, 60))
def test_add_business_days_counts_and_reports_skips(jurisdiction: str, start: date, n: int) -> None:
    calendar = cal(jurisdiction)
    end, skipped = add_business_days(start, n, calendar)
    assert business_days_in(start, end, calendar) == n
    if n:
        assert calendar.is_business_day(end)
    else:
        assert end == start
    expected = [
        d
        for d in (start + timedelta(days=i) for i in range(1, (end - start).days + 1))
        if d.weekday() < 5 and calendar.is_holiday(d)
    ]
    assert skipped == expected


@PROPERTY
@given(rule=rules(day_types=(B, C)), received_on=dates)
def test_ack_never_after_due_when_shorter(rule: DeadlineRule, received_on: date) -> None:
    if rule.ack_days is None or rule.days is None or rule.ack_days > rule.days:
        return
    result = compute_due_date(rule, received_on)
    assert result.ack_due_on is not None
    assert result.ack_due_on <= result.due_on


# --------------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------------

US = DeadlineRule("US", 20, B, citation="5 U.S.C. § 552(a)(6)(A)(i)")
CA = DeadlineRule("CA", 10, C, extension_days=14, citation="Gov. Code § 7922.535; CCP § 12a")
FL = DeadlineRule("FL", None, N, citation="Fla. Stat. § 119.07(1)(c)")


def test_july_4_on_saturday_is_observed_friday() -> None:
    federal = HolidayCalendar("US")
    assert date(2026, 7, 4).weekday() == 5
    assert federal.is_holiday(date(2026, 7, 3))
    assert "Independence Day" in (federal.name(date(2026, 7, 3)) or "")
    assert not federal.is_business_day(date(2026, 7, 3))
    # 5 working days from Fri 2026-06-26: 6/29-7/2 = 1-4, skip Fri 7/3, Mon 7/6 = 5.
    rule = DeadlineRule("US", 5, B)
    result = compute_due_date(rule, date(2026, 6, 26))
    assert result.due_on == date(2026, 7, 6)
    assert result.skipped == (date(2026, 7, 3),)


def test_sunday_holiday_observed_monday_and_new_year_observed_in_previous_year() -> None:
    federal = HolidayCalendar("US")
    assert federal.is_holiday(date(2027, 7, 5))  # July 4, 2027 is a Sunday
    assert federal.is_holiday(date(2027, 12, 31))  # Jan 1, 2028 is a Saturday
    # 1 working day from Thu 2027-12-30 jumps Fri 12/31 (observed New Year) and the weekend.
    assert add_business_days(date(2027, 12, 30), 1, federal) == (
        date(2028, 1, 3),
        [date(2027, 12, 31)],
    )


def test_federal_executive_order_closures_still_count_as_working_days() -> None:
    # E.O. 14371 closed agencies on 24 and 26 Dec 2025, but FOIA excepts only "legal public
    # holidays" (5 U.S.C. § 552(a)(6)(A)(i), § 6103(a)); the GOVERNMENT category is not used.
    federal = HolidayCalendar("US")
    assert federal.is_business_day(date(2025, 12, 24))
    assert federal.is_business_day(date(2025, 12, 26))
    assert not federal.is_business_day(date(2025, 12, 25))


@pytest.mark.parametrize(
    ("jurisdiction", "day", "is_holiday"),
    [
        ("TX", date(2026, 4, 3), False),  # Good Friday: optional holiday, § 662.003(c)
        ("TX", date(2026, 3, 31), False),  # Cesar Chavez Day: optional in Texas
        ("TX", date(2027, 7, 5), False),  # July 4 on Sunday: no Monday substitute, § 552.0031
        ("TX", date(2026, 3, 2), True),  # Texas Independence Day, § 662.003(b)
        ("NY", date(2026, 7, 3), False),  # Saturday holiday not moved, Gen. Constr. Law § 24
        ("NY", date(2027, 7, 5), True),  # Sunday holiday moved to Monday, § 24
        ("NY", date(2028, 2, 15), False),  # Susan B. Anthony Day is not in § 24
        ("MA", date(2026, 7, 3), False),  # MA moves only Sunday holidays
        ("CA", date(2028, 2, 15), False),  # Susan B. Anthony Day is not a § 6700 holiday
        ("CA", date(2027, 2, 12), True),  # Lincoln Day, judicial holiday (CCP § 135)
        ("CA", date(2026, 9, 25), True),  # Native American Day, 4th Friday of September
        ("CA", date(2026, 3, 31), True),  # Cesar Chavez Day
        ("CA", date(2026, 10, 12), False),  # Columbus Day excluded by CCP § 135
        ("AK", date(2025, 10, 13), False),  # not in AS 44.12.010
        ("FL", date(2026, 6, 19), False),  # not a paid holiday, Fla. Stat. § 110.117
        ("DC", date(2026, 4, 16), True),  # DC Emancipation Day
        ("GA", date(2025, 11, 28), True),  # day after Thanksgiving
        ("US", date(2025, 11, 28), False),  # ...which is not a federal holiday
    ],
)
def test_holiday_corrections(jurisdiction: str, day: date, is_holiday: bool) -> None:
    calendar = HolidayCalendar(jurisdiction)
    assert calendar.is_holiday(day) is is_holiday
    assert (calendar.name(day) is not None) is is_holiday


def test_south_carolina_matches_the_state_holiday_schedule_for_2025() -> None:
    # The Department of Administration's 2025 schedule (admin.sc.gov, "Holiday Leave"), which
    # applies S.C. Code § 53-5-10: Confederate Memorial Day (10 May, a Saturday) on Friday 9 May,
    # the day after Thanksgiving, Christmas Eve and the day after Christmas; no Juneteenth.
    official = {
        date(2025, 1, 1),
        date(2025, 1, 20),
        date(2025, 2, 17),
        date(2025, 5, 9),
        date(2025, 5, 26),
        date(2025, 7, 4),
        date(2025, 9, 1),
        date(2025, 11, 11),
        date(2025, 11, 27),
        date(2025, 11, 28),
        date(2025, 12, 24),
        date(2025, 12, 25),
        date(2025, 12, 26),
    }
    calendar = HolidayCalendar("SC")
    year = [date(2025, 1, 1) + timedelta(days=n) for n in range(365)]
    closed = {d for d in year if calendar.is_holiday(d) and d.weekday() < 5}
    assert closed == official
    assert not calendar.is_holiday(date(2026, 4, 27))  # the package's fourth Monday of April
    assert calendar.is_holiday(date(2026, 5, 11))  # 10 May 2026 is a Sunday


def test_calendar_names_and_normalisation() -> None:
    texas = HolidayCalendar(" tx ")
    assert texas.jurisdiction == "TX"
    both = texas.name(date(2026, 1, 19)) or ""
    assert "Martin Luther King" in both
    assert "Confederate" in both
    assert texas.name(date(2026, 1, 20)) is None
    assert not texas.is_business_day(date(2026, 1, 17))  # Saturday


@pytest.mark.parametrize("code", ["XX", "", "FM", "USA", "California"])
def test_unknown_jurisdiction_is_rejected(code: str) -> None:
    with pytest.raises(ValueError, match="Unknown jurisdiction"):
        HolidayCalendar(code)


def test_unknown_jurisdiction_in_rule_is_rejected_when_computing() -> None:
    with pytest.raises(ValueError, match="Unknown jurisdiction 'ZZ'"):
        compute_due_date(DeadlineRule("ZZ", 5, B), date(2026, 3, 2))


# --------------------------------------------------------------------------------------------
# Counting
# --------------------------------------------------------------------------------------------


def test_year_end_federal_request() -> None:
    # Mon 2025-12-22: 12/23-24 = 1-2, skip Thu 12/25, Fri 12/26 = 3, 12/29-31 = 4-6, skip Thu 1/1,
    # Fri 1/2 = 7, 1/5-9 = 8-12, 1/12-16 = 13-17, skip Mon 1/19 MLK Day, 1/20-22 = 18-20.
    result = compute_due_date(US, date(2025, 12, 22))
    assert result.due_on == date(2026, 1, 22)
    assert result.skipped == (date(2025, 12, 25), date(2026, 1, 1), date(2026, 1, 19))
    assert result.is_statutory
    assert result.steps[0] == Step("Request received 2025-12-22 (Mon).", date(2025, 12, 22))
    assert "day of receipt not counted" in result.steps[1].text
    assert result.steps[-1].on == date(2026, 1, 22)


def test_year_end_calendar_request_rolls_past_new_year() -> None:
    # Mon 2025-12-22 + 10 = Thu 2026-01-01 (New Year's Day) -> Fri 2026-01-02.
    result = compute_due_date(CA, date(2025, 12, 22))
    assert result.due_on == date(2026, 1, 2)
    assert result.skipped == (date(2026, 1, 1),)
    assert any("moved to the next business day, 2026-01-02" in s.text for s in result.steps)


@pytest.mark.parametrize(
    ("received_on", "due_on"),
    [
        (date(2028, 2, 19), date(2028, 2, 29)),  # Sat + 10 = Tue Feb 29, 2028 (leap day)
        (date(2024, 2, 29), date(2024, 3, 11)),  # Feb 29 + 10 = Sun Mar 10 -> Mon Mar 11
        (date(2027, 2, 19), date(2027, 3, 1)),  # no Feb 29 in 2027: Fri + 10 = Mon Mar 1
    ],
)
def test_leap_years_in_calendar_counting(received_on: date, due_on: date) -> None:
    assert compute_due_date(CA, received_on).due_on == due_on


def test_leap_day_counts_as_a_business_day() -> None:
    # Fri 2028-02-25: Mon 2/28 = 1, Tue 2/29 = 2, 3/1-3 = 3-5.
    assert compute_due_date(DeadlineRule("US", 5, B), date(2028, 2, 25)).due_on == date(2028, 3, 3)


def test_counts_receipt_day() -> None:
    # Day of receipt is day 1: Mon 2026-03-02 + 9 = Wed 03-11; business: Mon-Fri = 1-5.
    calendar_rule = DeadlineRule("CA", 10, C, counts_receipt_day=True)
    business_rule = DeadlineRule("US", 5, B, counts_receipt_day=True)
    assert compute_due_date(calendar_rule, date(2026, 3, 2)).due_on == date(2026, 3, 11)
    result = compute_due_date(business_rule, date(2026, 3, 2))
    assert result.due_on == date(2026, 3, 6)
    assert "day of receipt counted as day 1" in result.steps[1].text


def test_request_received_on_a_weekend_starts_counting_next_business_day() -> None:
    result = compute_due_date(DeadlineRule("US", 1, B), date(2026, 3, 7))  # Saturday
    assert result.due_on == date(2026, 3, 9)
    assert "non-business day" in result.steps[1].text


def test_calendar_rule_that_does_not_roll_forward() -> None:
    rule = DeadlineRule("CA", 10, C, rolls_forward=False)
    result = compute_due_date(rule, date(2026, 3, 21))
    assert result.due_on == date(2026, 3, 31)  # Cesar Chavez Day, left as is
    assert result.skipped == ()
    assert any("does not roll forward" in s.text for s in result.steps)


def test_no_deadline_rule_gives_follow_up_reminder() -> None:
    # Tue 2025-10-28 + 30 = Thu 11/27 Thanksgiving, Fri 11/28 holiday -> Mon 2025-12-01.
    result = compute_due_date(FL, date(2025, 10, 28))
    assert result.due_on == date(2025, 12, 1)
    assert result.is_statutory is False
    assert result.days is None
    assert result.day_type is N
    assert result.ack_due_on is None
    assert result.skipped == (date(2025, 11, 27), date(2025, 11, 28))
    texts = " ".join(s.text for s in result.steps).lower()
    assert "no statutory deadline; follow-up reminder, not a legal deadline" in texts

    short = DeadlineRule("FL", None, N, follow_up_days=14)
    assert compute_due_date(short, date(2026, 3, 2)).due_on == date(2026, 3, 16)


def test_ack_deadline_business_and_calendar() -> None:
    # Response 20 working days, acknowledgement 3: Mon 2026-03-02 -> ack Thu 03-05, due Mon 03-30.
    both = DeadlineRule("US", 20, B, ack_days=3)
    result = compute_due_date(both, date(2026, 3, 2))
    assert (result.ack_due_on, result.due_on) == (date(2026, 3, 5), date(2026, 3, 30))
    assert result.steps[1].text.startswith("Acknowledgement: counted 3 business days")

    # Calendar acknowledgement: Mon 2025-11-17 + 10 = Thu 11/27 Thanksgiving -> Fri 11/28.
    alabama = DeadlineRule("AL", None, C, ack_days=10)
    result = compute_due_date(alabama, date(2025, 11, 17))
    assert result.ack_due_on == date(2025, 11, 28)
    assert result.is_statutory is False
    assert result.skipped == (date(2025, 11, 27),)


def test_skipped_lists_weekday_holidays_only_sorted_and_unique() -> None:
    # 20 working days from Mon 2026-06-15 pass Fri 6/19, Fri 7/3 (observed) and Sat 7/4; the
    # Saturday is a weekend day, not a skipped holiday.
    result = compute_due_date(US, date(2026, 6, 15))
    assert result.skipped == (date(2026, 6, 19), date(2026, 7, 3))
    # Acknowledgement and response both pass Juneteenth; it is listed once.
    rule = DeadlineRule("US", 20, B, ack_days=5)
    assert compute_due_date(rule, date(2026, 6, 15)).skipped == (
        date(2026, 6, 19),
        date(2026, 7, 3),
    )


# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------

MARCH_2 = date(2026, 3, 2)  # Mon; 20 working days -> Mon 2026-03-30 (no federal holiday)


def test_toll_business_days() -> None:
    # Stopped Tue 3/10, answered Fri 3/13: 3/11, 3/12, 3/13 = 3 working days tolled.
    # Mon 3/30 + 3 working days = Thu 2026-04-02.
    events = [ev(K.TOLL_START, date(2026, 3, 10)), ev(K.TOLL_END, date(2026, 3, 13))]
    result = compute_due_date(US, MARCH_2, events)
    assert result.due_on == date(2026, 4, 2)
    assert any("3 business days added" in s.text for s in result.steps)


def test_toll_calendar_days_counts_from_unrolled_end() -> None:
    # Sat 2026-03-21 + 10 = Tue 3/31 (holiday) -> Wed 4/1. A 3-day toll (3/24 -> 3/27) moves
    # the 10th day to Fri 4/3, a business day in California.
    events = [ev(K.TOLL_START, date(2026, 3, 24)), ev(K.TOLL_END, date(2026, 3, 27))]
    assert compute_due_date(CA, date(2026, 3, 21), events).due_on == date(2026, 4, 3)


def test_open_toll_uses_today() -> None:
    # Stopped Tue 3/10, still waiting on Tue 3/17: 3/11-13, 3/16-17 = 5 working days.
    events = [ev(K.TOLL_START, date(2026, 3, 10))]
    result = compute_due_date(US, MARCH_2, events, today=date(2026, 3, 17))
    assert result.due_on == date(2026, 4, 6)
    assert any(
        "Clock stopped since 2026-03-10, waiting on the requester" in s.text for s in result.steps
    )
    # Without `today` the toll is treated as ending when it started: nothing added yet.
    unknown = compute_due_date(US, MARCH_2, events)
    assert unknown.due_on == date(2026, 3, 30)
    assert any("waiting on the requester" in s.text for s in unknown.steps)


def test_toll_after_deadline_does_not_revive_it() -> None:
    events = [ev(K.TOLL_START, date(2026, 4, 1)), ev(K.TOLL_END, date(2026, 4, 20))]
    result = compute_due_date(US, MARCH_2, events)
    assert result.due_on == date(2026, 3, 30)
    assert any("does not move an expired deadline" in s.text for s in result.steps)


def test_extension_days_and_statutory_limit_warning() -> None:
    # CA: 10 days from Mon 3/2 = Thu 3/12; +14 days (the § 7922.535(b) maximum) = Thu 3/26.
    within = [ev(K.EXTENSION_DAYS, date(2026, 3, 10), days=14)]
    result = compute_due_date(CA, MARCH_2, within)
    assert result.due_on == date(2026, 3, 26)
    assert not any("Warning" in s.text for s in result.steps)

    # A further 5 days is applied (3/31 Cesar Chavez Day -> Wed 4/1) but flagged.
    beyond = [*within, ev(K.EXTENSION_DAYS, date(2026, 3, 20), days=5)]
    result = compute_due_date(CA, MARCH_2, beyond)
    assert result.due_on == date(2026, 4, 1)
    assert result.skipped == (date(2026, 3, 31),)
    assert any(
        "Warning: extensions now total 19 calendar days, more than the 14" in s.text
        for s in result.steps
    )


def test_extension_to_date_cannot_shorten() -> None:
    earlier = [ev(K.EXTENSION_TO_DATE, date(2026, 3, 5), to_date=date(2026, 3, 20))]
    result = compute_due_date(US, MARCH_2, earlier)
    assert result.due_on == date(2026, 3, 30)
    assert any("cannot shorten" in s.text for s in result.steps)

    later = [ev(K.EXTENSION_TO_DATE, date(2026, 3, 5), to_date=date(2026, 4, 15))]
    assert compute_due_date(US, MARCH_2, later).due_on == date(2026, 4, 15)


def test_extension_to_date_counts_toward_statutory_limit() -> None:
    # MI: 5 business days from Mon 3/2 = Mon 3/9; extended to Wed 3/25 = 12 business days > 10.
    rule = DeadlineRule("MI", 5, B, extension_days=10)
    events = [ev(K.EXTENSION_TO_DATE, date(2026, 3, 6), to_date=date(2026, 3, 25))]
    result = compute_due_date(rule, MARCH_2, events)
    assert result.due_on == date(2026, 3, 25)
    assert any("total 12 business days, more than the 10" in s.text for s in result.steps)


def test_override_can_be_earlier_and_later_events_apply_after_it() -> None:
    override = ev(K.OVERRIDE_DATE, date(2026, 3, 4), to_date=date(2026, 3, 20), note="agreed")
    result = compute_due_date(US, MARCH_2, [override])
    assert result.due_on == date(2026, 3, 20)
    assert any("agreed" in s.text for s in result.steps)
    # Fri 3/20 + 2 working days = Tue 3/24.
    extended = [override, ev(K.EXTENSION_DAYS, date(2026, 3, 18), days=2)]
    assert compute_due_date(US, MARCH_2, extended).due_on == date(2026, 3, 24)
    # An extension dated before the override is replaced by it.
    replaced = [ev(K.EXTENSION_DAYS, date(2026, 3, 3), days=10), override]
    assert compute_due_date(US, MARCH_2, replaced).due_on == date(2026, 3, 20)


def test_same_day_events_keep_given_order() -> None:
    day = date(2026, 3, 4)
    override = ev(K.OVERRIDE_DATE, day, to_date=date(2026, 3, 20))
    extension = ev(K.EXTENSION_DAYS, day, days=2)
    assert compute_due_date(US, MARCH_2, [override, extension]).due_on == date(2026, 3, 24)
    assert compute_due_date(US, MARCH_2, [extension, override]).due_on == date(2026, 3, 20)


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: DeadlineRule("US", 0, B), "days must be a whole number of days >= 1"),
        (lambda: DeadlineRule("US", -5, B), "days must be a whole number of days >= 1"),
        (lambda: DeadlineRule("US", 5, B, ack_days=0), "ack_days"),
        (lambda: DeadlineRule("US", 5, B, follow_up_days=0), "follow_up_days"),
        (lambda: DeadlineRule("US", 5, B, extension_days=-1), "extension_days"),
        (lambda: DeadlineRule("FL", 5, N), "days must be None"),
        (lambda: DeadlineRule("FL", None, N, ack_days=5), "ack_days needs a unit"),
        (lambda: DeadlineRule("US", 5, "weekly"), "day_type"),  # type: ignore[arg-type]
        (lambda: DeadlineRule(" ", 5, B), "jurisdiction"),
        (lambda: ClockEvent(K.EXTENSION_DAYS, MARCH_2, days=0), "days >= 1"),
        (lambda: ClockEvent(K.EXTENSION_DAYS, MARCH_2, days=-2), "days >= 1"),
        (lambda: ClockEvent(K.EXTENSION_DAYS, MARCH_2), "days >= 1"),
        (lambda: ClockEvent(K.EXTENSION_TO_DATE, MARCH_2), "needs to_date"),
        (lambda: ClockEvent(K.OVERRIDE_DATE, MARCH_2), "needs to_date"),
        (lambda: ClockEvent(K.TOLL_START, MARCH_2, days=3), "does not take days"),
        (lambda: ClockEvent(K.TOLL_END, MARCH_2, to_date=MARCH_2), "does not take to_date"),
    ],
)
def test_bad_rules_and_events_are_rejected(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_string_enums_are_accepted() -> None:
    rule = DeadlineRule("US", 5, "business")  # type: ignore[arg-type]
    assert rule.day_type is B
    assert ClockEvent("toll_start", MARCH_2).kind is K.TOLL_START  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("events", "message"),
    [
        (
            [ev(K.TOLL_START, date(2026, 3, 10)), ev(K.TOLL_END, date(2026, 3, 6))],
            "cannot end before it starts",
        ),
        ([ev(K.TOLL_END, date(2026, 3, 6))], "no TOLL_START"),
        (
            [ev(K.TOLL_START, date(2026, 3, 6)), ev(K.TOLL_START, date(2026, 3, 9))],
            "already stopped",
        ),
        ([ev(K.EXTENSION_DAYS, date(2026, 3, 1), days=3)], "before the request was received"),
        (
            [ev(K.OVERRIDE_DATE, date(2026, 3, 3), to_date=date(2026, 2, 27))],
            "before the request was received",
        ),
    ],
)
def test_bad_event_sequences_are_rejected(events: list[ClockEvent], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compute_due_date(US, MARCH_2, events)


def test_add_business_days_rejects_negative() -> None:
    with pytest.raises(ValueError, match="n >= 0"):
        add_business_days(MARCH_2, -1, HolidayCalendar("US"))


def test_datetimes_are_rejected() -> None:
    with pytest.raises(TypeError, match=r"datetime\.date"):
        compute_due_date(US, datetime(2026, 3, 2, 9, 30))


def test_non_event_items_are_rejected() -> None:
    with pytest.raises(TypeError, match="ClockEvent"):
        compute_due_date(US, MARCH_2, [("toll_start", MARCH_2)])  # type: ignore[list-item]


def test_result_is_frozen() -> None:
    result = compute_due_date(US, MARCH_2)
    assert isinstance(result, DueDate)
    with pytest.raises(AttributeError):
        result.due_on = MARCH_2  # type: ignore[misc]


def test_regression_named_date_inside_a_weekend_roll_keeps_extensions_monotone() -> None:
    # Found by hypothesis: a 9-day extension rolled Sat 2020-01-11 to Mon 01-13; a named date
    # of Sun 01-12 was ignored, and a later 2-day extension then counted from the Saturday,
    # giving an earlier date than the 1-day extension did.
    rule = DeadlineRule("US", None, DayType.NONE, rolls_forward=False, follow_up_days=1)
    received = date(2020, 1, 1)
    later = [
        ev(K.EXTENSION_TO_DATE, date(2020, 1, 2), to_date=date(2020, 1, 12)),
        ev(K.EXTENSION_DAYS, date(2020, 1, 3), days=2),
    ]
    short = compute_due_date(rule, received, [ev(K.EXTENSION_DAYS, received, days=1), *later])
    long = compute_due_date(rule, received, [ev(K.EXTENSION_DAYS, received, days=9), *later])
    assert short.due_on == date(2020, 1, 14)
    assert long.due_on >= short.due_on


# --------------------------------------------------------------------------------------------
# Two-stage laws: acknowledgement, then a second deadline
# --------------------------------------------------------------------------------------------

NY2 = DeadlineRule("NY", 5, B, decision_days=20, citation="N.Y. Pub. Off. Law § 89(3)(a)")
AL2 = DeadlineRule("AL", 10, C, extension_days=15, decision_days=15, decision_day_type=B)
OR2 = DeadlineRule("OR", 5, B, decision_days=15, decision_from=DecisionFrom.RECEIPT)
JAN_5 = date(2026, 1, 5)  # a Monday


def acked(on: date) -> ClockEvent:
    return ev(K.ACKNOWLEDGED, on)


@st.composite
def two_stage_rules(draw: st.DrawFn, decision_from: DecisionFrom | None = None) -> DeadlineRule:
    return DeadlineRule(
        jurisdiction=draw(st.sampled_from(JURISDICTIONS)),
        days=draw(st.integers(1, 20)),
        day_type=draw(st.sampled_from((B, C))),
        rolls_forward=draw(st.booleans()),
        counts_receipt_day=draw(st.booleans()),
        extension_days=draw(st.one_of(st.none(), st.integers(0, 30))),
        decision_days=draw(st.integers(1, 45)),
        decision_day_type=draw(st.sampled_from((B, C))),
        decision_from=decision_from or draw(st.sampled_from(tuple(DecisionFrom))),
    )


@PROPERTY
@given(
    rule=two_stage_rules(DecisionFrom.ACKNOWLEDGEMENT),
    received_on=dates,
    after=st.integers(0, 60),
    data=st.data(),
)
def test_decision_is_never_due_before_the_acknowledgement(
    rule: DeadlineRule, received_on: date, after: int, data: st.DataObject
) -> None:
    acknowledged = received_on + timedelta(days=after)
    events = [*data.draw(event_lists(received_on, dated_targets=False)), acked(acknowledged)]
    result = compute_due_date(rule, received_on, events, today=received_on + timedelta(days=90))
    # The day of the acknowledgement is not counted, so at least one day follows it.
    assert result.due_on > acknowledged
    assert result.acknowledged_on == acknowledged


@PROPERTY
@given(
    rule=st.one_of(rules(day_types=(B, C, N)), two_stage_rules()),
    received_on=dates,
    after=st.integers(0, 60),
)
def test_an_acknowledgement_never_shortens_the_due_date(
    rule: DeadlineRule, received_on: date, after: int
) -> None:
    without = compute_due_date(rule, received_on)
    with_ack = compute_due_date(rule, received_on, [acked(received_on + timedelta(days=after))])
    assert with_ack.due_on >= without.due_on
    if not rule.has_second_stage:
        assert with_ack.due_on == without.due_on
        assert with_ack.acknowledged_on is None


@PROPERTY
@given(rule=two_stage_rules(DecisionFrom.RECEIPT), received_on=dates, data=st.data())
def test_a_stage_counted_from_receipt_ignores_when_the_agency_acknowledged(
    rule: DeadlineRule, received_on: date, data: st.DataObject
) -> None:
    first = received_on + timedelta(days=data.draw(st.integers(0, 30)))
    second = received_on + timedelta(days=data.draw(st.integers(0, 30)))
    early = compute_due_date(rule, received_on, [acked(first)])
    late = compute_due_date(rule, received_on, [acked(second)])
    # Both are the second stage, unless the first deadline was already later (never shortened).
    assert early.due_on == late.due_on
    assert early.due_on >= compute_due_date(rule, received_on).due_on


@PROPERTY
@given(rule=two_stage_rules(), received_on=dates, after=st.integers(0, 60), data=st.data())
def test_two_stage_business_results_are_business_days(
    rule: DeadlineRule, received_on: date, after: int, data: st.DataObject
) -> None:
    assume(rule.day_type is B and rule.decision_day_type is B)
    events = [
        *data.draw(event_lists(received_on, dated_targets=False)),
        acked(received_on + timedelta(days=after)),
    ]
    result = compute_due_date(rule, received_on, events, today=received_on + timedelta(days=90))
    assert cal(rule.jurisdiction).is_business_day(result.due_on)


def test_before_the_acknowledgement_the_due_date_is_the_acknowledgement_deadline() -> None:
    # Mon 2026-01-05 + 5 business days = Mon 2026-01-12 (MLK Day, 1/19, is later).
    result = compute_due_date(NY2, JAN_5)
    assert (result.due_on, result.ack_due_on) == (date(2026, 1, 12), date(2026, 1, 12))
    assert result.acknowledged_on is None
    assert result.skipped == ()
    texts = [s.text for s in result.steps]
    assert texts[1].startswith("Acknowledgement: counted 5 business days from 2026-01-05")
    assert texts[2] == (
        "Second stage, not started: once the agency acknowledges the request, the law allows 20 "
        "business days from the acknowledgement date; until then the due date is the "
        "acknowledgement deadline."
    )


def test_the_acknowledgement_starts_the_second_stage_step_by_step() -> None:
    # Acknowledged Fri 2026-01-09: 1/12-16 = 1-5, skip Mon 1/19 MLK Day, 1/20-23 = 6-9,
    # 1/26-30 = 10-14, 2/2-6 = 15-19, Mon 2/9 = 20.
    result = compute_due_date(NY2, JAN_5, [acked(date(2026, 1, 9))])
    assert result.due_on == date(2026, 2, 9)
    assert result.ack_due_on == date(2026, 1, 12)
    assert result.acknowledged_on == date(2026, 1, 9)
    assert result.is_statutory
    assert result.skipped == (date(2026, 1, 19),)
    assert [s.text for s in result.steps][-2:] == [
        "Acknowledged on 2026-01-09 (Fri); the law then allows 20 business days from the "
        "acknowledgement (day of acknowledgement not counted) under N.Y. Pub. Off. Law "
        "§ 89(3)(a), skipping 2026-01-19 Martin Luther King Jr. Day: due 2026-02-09 (Mon).",
        "Due: 2026-02-09 (Mon).",
    ]


def test_a_late_acknowledgement_is_flagged_and_still_starts_the_second_stage() -> None:
    # Ack deadline Mon 1/12; acknowledged Wed 1/14: 1/15-16 = 1-2, skip 1/19, 1/20-23 = 3-6,
    # 1/26-30 = 7-11, 2/2-6 = 12-16, 2/9-11 = 17-19, skip Thu 2/12 Lincoln's Birthday,
    # Fri 2/13 = 20.
    result = compute_due_date(NY2, JAN_5, [acked(date(2026, 1, 14))])
    assert result.due_on == date(2026, 2, 13)
    assert "after the acknowledgement deadline 2026-01-12" in result.steps[-2].text


def test_extensions_after_the_acknowledgement_count_from_the_new_due_date_in_its_unit() -> None:
    # Alabama: 10 calendar days to acknowledge, then 15 business days; acknowledged Thu
    # 2025-11-20 -> Fri 2025-12-12 (see the table test). An extension of 15 business days
    # from there: 12/15-19 = 1-5, 12/22-24 = 6-8, skip Thu 12/25 Christmas, Fri 12/26 = 9,
    # 12/29-31 = 10-12, skip Thu 1/1 New Year's Day, Fri 1/2 = 13, 1/5-6 = 14-15
    # -> Tue 2026-01-06 (15 calendar days would have given Sat 12/27 -> Mon 12/29).
    events = [acked(date(2025, 11, 20)), ev(K.EXTENSION_DAYS, date(2025, 12, 1), days=15)]
    result = compute_due_date(AL2, date(2025, 11, 17), events)
    assert result.due_on == date(2026, 1, 6)
    assert "extended by 15 business days" in result.steps[-2].text
    assert not any("Warning" in s.text for s in result.steps)  # 15 is what the law allows
    more = compute_due_date(
        AL2, date(2025, 11, 17), [*events, ev(K.EXTENSION_DAYS, date(2025, 12, 2), days=1)]
    )
    assert more.due_on == date(2026, 1, 7)
    assert any("more than the 15 the statute allows" in s.text for s in more.steps)


def test_an_acknowledgement_keeps_a_later_date_already_set() -> None:
    events = [
        ev(K.OVERRIDE_DATE, date(2026, 1, 6), to_date=date(2026, 3, 31)),
        acked(date(2026, 1, 9)),
    ]
    result = compute_due_date(NY2, JAN_5, events)
    assert result.due_on == date(2026, 3, 31)
    assert "an acknowledgement never shortens a deadline" in result.steps[-2].text
    assert result.skipped == ()  # the second stage's MLK Day is not behind the date given


def test_an_acknowledgement_does_not_move_a_single_deadline_running_from_receipt() -> None:
    # California: 10 calendar days from receipt whatever the agency says first.
    early = compute_due_date(CA, date(2026, 3, 2), [acked(date(2026, 3, 3))])
    assert early.due_on == compute_due_date(CA, date(2026, 3, 2)).due_on == date(2026, 3, 12)
    assert early.acknowledged_on is None
    assert "sets no later deadline counted from an acknowledgement" in early.steps[-2].text
    # Federal FOIA: the 20-working-day determination is not met by an acknowledgement letter.
    federal = compute_due_date(US, date(2026, 6, 15), [acked(date(2026, 6, 16))])
    assert federal.due_on == date(2026, 7, 15)


def test_a_pause_open_when_the_agency_acknowledges_stops_the_second_stage_from_its_start() -> None:
    # NY, received Mon 2026-03-02; fee asked Tue 3/3, acknowledged Wed 3/4 while waiting,
    # paid Wed 3/11. The 20 business days run after the clock restarts: 3/12-13 = 1-2,
    # 3/16-20 = 3-7, 3/23-27 = 8-12, 3/30-4/3 = 13-17, 4/6-8 = 18-20 -> Wed 2026-04-08.
    events = [
        ev(K.TOLL_START, date(2026, 3, 3)),
        acked(date(2026, 3, 4)),
        ev(K.TOLL_END, date(2026, 3, 11)),
    ]
    assert compute_due_date(NY2, date(2026, 3, 2), events).due_on == date(2026, 4, 8)


def test_a_stage_counted_from_receipt_takes_earlier_pauses_into_account() -> None:
    # Oregon, received Thu 2026-02-12: second stage = 15 business days after receipt
    # = Fri 2026-03-06 (Presidents Day 2/16 skipped). A fee pause Fri 2/13 -> Wed 2/18 stopped
    # the clock for 2 business days (Tue 2/17, Wed 2/18), before the agency acknowledged on
    # Tue 2/24: 3/9-10 -> Tue 2026-03-10.
    plain = compute_due_date(OR2, date(2026, 2, 12), [acked(date(2026, 2, 13))])
    assert plain.due_on == date(2026, 3, 6)
    events = [
        ev(K.TOLL_START, date(2026, 2, 13)),
        ev(K.TOLL_END, date(2026, 2, 18)),
        acked(date(2026, 2, 24)),
    ]
    result = compute_due_date(OR2, date(2026, 2, 12), events)
    assert result.due_on == date(2026, 3, 10)
    assert any("added to the second stage" in s.text for s in result.steps)


def test_a_second_acknowledgement_changes_nothing() -> None:
    once = compute_due_date(NY2, JAN_5, [acked(date(2026, 1, 9))])
    twice = compute_due_date(NY2, JAN_5, [acked(date(2026, 1, 9)), acked(date(2026, 1, 20))])
    assert twice.due_on == once.due_on == date(2026, 2, 9)
    assert twice.acknowledged_on == date(2026, 1, 9)
    assert "still counts from the first acknowledgement" in twice.steps[-2].text


def test_counting_unit_switches_to_the_second_stage_once_acknowledged() -> None:
    assert AL2.counting_unit() is C
    assert AL2.counting_unit(acknowledged=True) is B
    assert CA.counting_unit(acknowledged=True) is C
    assert FL.counting_unit() is C
    assert NY2.has_second_stage and not CA.has_second_stage


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: DeadlineRule("NY", None, B, ack_days=5, decision_days=20), "needs days"),
        (lambda: DeadlineRule("NY", 5, B, ack_days=3, decision_days=20), "no ack_days"),
        (lambda: DeadlineRule("NY", 5, B, decision_days=0), "decision_days"),
        (lambda: DeadlineRule("NY", 5, B, decision_days=20, decision_day_type=N), "business or"),
        (lambda: DeadlineRule("NY", 5, B, decision_day_type=B), "without decision_days"),
        (lambda: DeadlineRule("NY", 5, B, decision_days=20, decision_from="x"), "decision_from"),
        (lambda: ClockEvent(K.ACKNOWLEDGED, JAN_5, days=3), "does not take days"),
    ],
)
def test_bad_two_stage_rules_are_rejected(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_two_stage_strings_from_storage_are_accepted() -> None:
    # As the database holds them: plain strings.
    stored: dict[str, object] = {"decision_day_type": "calendar", "decision_from": "receipt"}
    rule = DeadlineRule("SC", 10, B, decision_days=30, **stored)  # type: ignore[arg-type]
    assert (rule.decision_day_type, rule.decision_from) == (C, DecisionFrom.RECEIPT)
    assert DeadlineRule("NY", 5, B, decision_days=20).decision_day_type is B  # first's unit

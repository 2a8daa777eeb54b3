"""Hand-worked deadlines, one or more per jurisdiction, each window holding a holiday.

Every expected date below was counted by hand from the statute and the jurisdiction's holiday
law, then cross-checked against the ``holidays`` package output for the same dates. The
assertions are the literal hand-worked dates, never values computed by the code under test.

Conventions: the day of receipt is day 0; business days skip Sat/Sun and the listed holidays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import holidays
import pytest

from foiatrack.domain.jurisdictions.deadlines import (
    ClockEvent,
    ClockEventKind,
    DayType,
    DeadlineRule,
    DecisionFrom,
    compute_due_date,
)

B = DayType.BUSINESS
C = DayType.CALENDAR

US = DeadlineRule("US", 20, B, citation="5 U.S.C. § 552(a)(6)(A)(i)")
CA = DeadlineRule("CA", 10, C, extension_days=14, citation="Gov. Code § 7922.535; CCP § 12a")
# N.Y.: 5 business days to grant, deny or acknowledge; no fixed completion date.
NY = DeadlineRule("NY", None, B, ack_days=5, citation="N.Y. Pub. Off. Law § 89(3)(a)")
TX = DeadlineRule("TX", 10, B, citation="Tex. Gov't Code § 552.221(d)")
FL = DeadlineRule("FL", None, DayType.NONE, citation="Fla. Stat. § 119.07(1)(c) ('promptly')")
IL = DeadlineRule("IL", 5, B, extension_days=5, citation="5 ILCS 140/3(d), (e)")
# PA also allows a 30 *calendar*-day extension (§ 67.902(b)); that is not expressible in the
# rule's business-day unit, so an agency's extension is recorded as EXTENSION_TO_DATE instead.
PA = DeadlineRule("PA", 5, B, citation="65 P.S. § 67.901")
MI = DeadlineRule("MI", 5, B, extension_days=10, citation="MCL 15.235(2)")
NJ = DeadlineRule("NJ", 7, B, citation="N.J.S.A. 47:1A-5(i)")
GA = DeadlineRule("GA", 3, B, citation="O.C.G.A. § 50-18-71(b)(1)(A)")
VA = DeadlineRule("VA", 5, B, citation="Va. Code § 2.2-3704(B)")
WA = DeadlineRule("WA", 5, B, citation="RCW 42.56.520(1)")
CO = DeadlineRule("CO", 3, B, extension_days=7, citation="C.R.S. 24-72-203(3)(b)")
OR = DeadlineRule("OR", None, B, ack_days=5, citation="ORS 192.329(2)")
MA = DeadlineRule("MA", 10, B, citation="G.L. c. 66, § 10(b)")
AK = DeadlineRule("AK", 10, B, citation="2 AAC 96.325")
KY = DeadlineRule("KY", 5, B, citation="KRS 61.880(1)")
DC = DeadlineRule("DC", 15, B, citation="D.C. Code § 2-532(c)")
AL = DeadlineRule("AL", None, C, ack_days=10, citation="Ala. Code § 36-12-44 (2024)")

# Two-stage laws as the shipped data has them: the first deadline is the acknowledgement, the
# second runs once it is recorded (an ACKNOWLEDGED event).
NY_FOIL = DeadlineRule(
    "NY", 5, B, decision_days=20, citation="N.Y. Pub. Off. Law § 89(3)(a)"
)  # 20 business days from the date of the acknowledgement
AL_2024 = DeadlineRule(
    "AL", 10, C, decision_days=15, decision_day_type=B, citation="Ala. Code § 36-12-44"
)  # acknowledge in 10 days, answer in 15 business days after acknowledgment
OR_192 = DeadlineRule(
    "OR", 5, B, decision_days=15, decision_from=DecisionFrom.RECEIPT, citation="ORS 192.329(5)"
)  # 10 business days after the 5-business-day acknowledgement deadline: 15 from receipt
SC_30 = DeadlineRule(
    "SC", 10, B, decision_days=30, decision_day_type=C, citation="S.C. Code § 30-4-30"
)  # records within 30 calendar days of the determination, recorded as the acknowledgement


@dataclass(frozen=True)
class Case:
    """One hand-worked expectation."""

    id: str
    rule: DeadlineRule
    received_on: date
    due_on: date
    skipped: tuple[date, ...]
    ack_due_on: date | None = None
    events: tuple[ClockEvent, ...] = ()


def acked(on: date) -> tuple[ClockEvent, ...]:
    """The agency acknowledged the request on `on`."""
    return (ClockEvent(ClockEventKind.ACKNOWLEDGED, on),)


def ext(on: date, days: int) -> tuple[ClockEvent, ...]:
    """An agency extension of `days` days in the rule's unit, announced on `on`."""
    return (ClockEvent(ClockEventKind.EXTENSION_DAYS, on, days=days),)


CASES: tuple[Case, ...] = (
    # --- US federal: 20 working days ------------------------------------------------------
    # Mon 2026-06-15: 6/16-18 = 1-3, skip Fri 6/19 Juneteenth, 6/22-26 = 4-8, 6/29-7/2 = 9-12,
    # skip Fri 7/3 (July 4 is a Saturday: observed Friday, 5 U.S.C. § 6103(b)),
    # 7/6-10 = 13-17, 7/13-15 = 18-20 -> Wed 2026-07-15.
    Case(
        "US-juneteenth-july4",
        US,
        received_on=date(2026, 6, 15),
        due_on=date(2026, 7, 15),
        skipped=(date(2026, 6, 19), date(2026, 7, 3)),
    ),
    # Mon 2025-11-24: 11/25-26 = 1-2, skip Thu 11/27 Thanksgiving, Fri 11/28 is a federal
    # working day = 3, 12/1-5 = 4-8, 12/8-12 = 9-13, 12/15-19 = 14-18, 12/22-23 = 19-20
    # -> Tue 2025-12-23.
    Case(
        "US-thanksgiving",
        US,
        received_on=date(2025, 11, 24),
        due_on=date(2025, 12, 23),
        skipped=(date(2025, 11, 27),),
    ),
    # --- CA: 10 calendar days, rolled past judicial holidays (CCP §§ 12a, 135) ----------------
    # Sat 2026-03-21 + 10 = Tue 3/31 Cesar Chavez Day (Gov. Code § 6700) -> Wed 2026-04-01.
    Case(
        "CA-cesar-chavez",
        CA,
        received_on=date(2026, 3, 21),
        due_on=date(2026, 4, 1),
        skipped=(date(2026, 3, 31),),
    ),
    # Tue 2025-11-18 + 10 = Fri 11/28, day after Thanksgiving (a judicial holiday by CCP § 135)
    # -> Sat, Sun -> Mon 2025-12-01. Thanksgiving 11/27 is inside the window but calendar
    # counting does not skip it.
    Case(
        "CA-day-after-thanksgiving",
        CA,
        received_on=date(2025, 11, 18),
        due_on=date(2025, 12, 1),
        skipped=(date(2025, 11, 28),),
    ),
    # Tue 2027-02-02 + 10 = Fri 2/12 Lincoln Day (Gov. Code § 6700; judicial holiday, not in the
    # `holidays` package, added by the engine) -> Sat, Sun -> Mon 2/15 Presidents' Day
    # -> Tue 2027-02-16.
    Case(
        "CA-lincoln-day",
        CA,
        received_on=date(2027, 2, 2),
        due_on=date(2027, 2, 16),
        skipped=(date(2027, 2, 12), date(2027, 2, 15)),
    ),
    # --- NY: acknowledge within 5 business days (Gen. Constr. Law § 24 holidays) ---------------
    # Mon 2026-02-09: 2/10-11 = 1-2, skip Thu 2/12 Lincoln's Birthday, Fri 2/13 = 3,
    # skip Mon 2/16 Washington's Birthday, 2/17-18 = 4-5 -> ack Wed 2026-02-18.
    # Follow-up reminder: 2/9 + 30 = Wed 2026-03-11.
    Case(
        "NY-lincoln-washington",
        NY,
        received_on=date(2026, 2, 9),
        due_on=date(2026, 3, 11),
        skipped=(date(2026, 2, 12), date(2026, 2, 16)),
        ack_due_on=date(2026, 2, 18),
    ),
    # Mon 2026-06-29: 6/30, 7/1, 7/2 = 1-3, Fri 7/3 = 4 (July 4 is a Saturday and § 24 moves
    # only Sunday holidays; the package's Friday "observed" day is removed), Mon 7/6 = 5
    # -> ack Mon 2026-07-06. Follow-up: 6/29 + 30 = Wed 2026-07-29.
    Case(
        "NY-saturday-july4-not-moved",
        NY,
        received_on=date(2026, 6, 29),
        due_on=date(2026, 7, 29),
        skipped=(),
        ack_due_on=date(2026, 7, 6),
    ),
    # --- TX: 10 business days; § 552.0031 excludes § 662.003(a),(b) holidays -----------------
    # Mon 2025-11-24: 11/25-26 = 1-2, skip Thu 11/27 Thanksgiving and Fri 11/28 (state holiday,
    # § 662.003(b)), 12/1-5 = 3-7, 12/8-10 = 8-10 -> Wed 2025-12-10.
    Case(
        "TX-thanksgiving",
        TX,
        received_on=date(2025, 11, 24),
        due_on=date(2025, 12, 10),
        skipped=(date(2025, 11, 27), date(2025, 11, 28)),
    ),
    # Wed 2025-12-17: 12/18-19 = 1-2, 12/22-23 = 3-4, skip 12/24, 12/25, 12/26 (all
    # § 662.003), 12/29-31 = 5-7, skip Thu 1/1, Fri 1/2 = 8, 1/5-6 = 9-10 -> Tue 2026-01-06.
    Case(
        "TX-christmas",
        TX,
        received_on=date(2025, 12, 17),
        due_on=date(2026, 1, 6),
        skipped=(date(2025, 12, 24), date(2025, 12, 25), date(2025, 12, 26), date(2026, 1, 1)),
    ),
    # Mon 2026-03-30: Tue 3/31 Cesar Chavez Day and Fri 4/3 Good Friday are only *optional*
    # holidays (§ 662.003(c)), so they are business days: 3/31-4/3 = 1-4, 4/6-10 = 5-9,
    # 4/13 = 10 -> Mon 2026-04-13. (The `holidays` package lists both as public: corrected.)
    Case(
        "TX-optional-holidays-count",
        TX,
        received_on=date(2026, 3, 30),
        due_on=date(2026, 4, 13),
        skipped=(),
    ),
    # --- FL: no deadline ("promptly"); 30-day follow-up reminder only ------------------------
    # Tue 2025-10-28 + 30 = Thu 11/27 Thanksgiving -> Fri 11/28 (paid holiday, Fla. Stat.
    # § 110.117) -> Sat, Sun -> Mon 2025-12-01.
    Case(
        "FL-follow-up",
        FL,
        received_on=date(2025, 10, 28),
        due_on=date(2025, 12, 1),
        skipped=(date(2025, 11, 27), date(2025, 11, 28)),
    ),
    # --- IL: 5 business days + 5 -------------------------------------------------------------
    # Thu 2026-02-26: Fri 2/27 = 1, skip Mon 3/2 Casimir Pulaski Day (5 ILCS 490/25),
    # 3/3-6 = 2-5 -> Fri 2026-03-06.
    Case(
        "IL-pulaski",
        IL,
        received_on=date(2026, 2, 26),
        due_on=date(2026, 3, 6),
        skipped=(date(2026, 3, 2),),
    ),
    # Same request, extended 5 business days on 3/4: from 3/6, 3/9-13 = 1-5 -> Fri 2026-03-13.
    Case(
        "IL-pulaski-extended",
        IL,
        received_on=date(2026, 2, 26),
        due_on=date(2026, 3, 13),
        skipped=(date(2026, 3, 2),),
        events=ext(date(2026, 3, 4), 5),
    ),
    # --- PA: 5 business days -----------------------------------------------------------------
    # Tue 2025-11-25: Wed 11/26 = 1, skip Thu 11/27 Thanksgiving and Fri 11/28 (Commonwealth
    # offices close the day after Thanksgiving), 12/1-4 = 2-5 -> Thu 2025-12-04.
    Case(
        "PA-thanksgiving",
        PA,
        received_on=date(2025, 11, 25),
        due_on=date(2025, 12, 4),
        skipped=(date(2025, 11, 27), date(2025, 11, 28)),
    ),
    # --- MI: 5 business days + 10 ------------------------------------------------------------
    # Wed 2026-05-20: 5/21-22 = 1-2, skip Mon 5/25 Memorial Day, 5/26-28 = 3-5 -> Thu 2026-05-28.
    Case(
        "MI-memorial",
        MI,
        received_on=date(2026, 5, 20),
        due_on=date(2026, 5, 28),
        skipped=(date(2026, 5, 25),),
    ),
    # Extended 10 business days on 5/27: from 5/28, Fri 5/29 = 1, 6/1-5 = 2-6, 6/8-11 = 7-10
    # -> Thu 2026-06-11.
    Case(
        "MI-memorial-extended",
        MI,
        received_on=date(2026, 5, 20),
        due_on=date(2026, 6, 11),
        skipped=(date(2026, 5, 25),),
        events=ext(date(2026, 5, 27), 10),
    ),
    # --- NJ: 7 business days -----------------------------------------------------------------
    # Mon 2026-03-30: 3/31-4/2 = 1-3, skip Fri 4/3 Good Friday (NJ state holiday), 4/6-9 = 4-7
    # -> Thu 2026-04-09.
    Case(
        "NJ-good-friday",
        NJ,
        received_on=date(2026, 3, 30),
        due_on=date(2026, 4, 9),
        skipped=(date(2026, 4, 3),),
    ),
    # --- GA: 3 business days -----------------------------------------------------------------
    # Wed 2025-11-26: skip Thu 11/27 Thanksgiving and Fri 11/28 (state holiday), 12/1-3 = 1-3
    # -> Wed 2025-12-03.
    Case(
        "GA-thanksgiving",
        GA,
        received_on=date(2025, 11, 26),
        due_on=date(2025, 12, 3),
        skipped=(date(2025, 11, 27), date(2025, 11, 28)),
    ),
    # --- VA: 5 business days -----------------------------------------------------------------
    # Thu 2025-10-09: Fri 10/10 = 1, skip Mon 10/13 Indigenous Peoples' Day (Va. Code
    # § 2.2-3300), 10/14-17 = 2-5 -> Fri 2025-10-17.
    Case(
        "VA-indigenous-peoples",
        VA,
        received_on=date(2025, 10, 9),
        due_on=date(2025, 10, 17),
        skipped=(date(2025, 10, 13),),
    ),
    # --- WA: 5 business days -----------------------------------------------------------------
    # Mon 2025-11-24: 11/25-26 = 1-2, skip Thu 11/27 Thanksgiving and Fri 11/28 Native American
    # Heritage Day (RCW 1.16.050), 12/1-3 = 3-5 -> Wed 2025-12-03.
    Case(
        "WA-thanksgiving",
        WA,
        received_on=date(2025, 11, 24),
        due_on=date(2025, 12, 3),
        skipped=(date(2025, 11, 27), date(2025, 11, 28)),
    ),
    # --- CO: 3 working days + 7 --------------------------------------------------------------
    # Thu 2025-10-02: Fri 10/3 = 1, skip Mon 10/6 Frances Xavier Cabrini Day (C.R.S. 24-11-101),
    # 10/7-8 = 2-3 -> Wed 2025-10-08.
    Case(
        "CO-cabrini",
        CO,
        received_on=date(2025, 10, 2),
        due_on=date(2025, 10, 8),
        skipped=(date(2025, 10, 6),),
    ),
    # Extended 7 working days on 10/7: from 10/8, 10/9-10 = 1-2, Mon 10/13 (Columbus Day is no
    # longer a Colorado holiday since Cabrini Day replaced it in 2020) = 3, 10/14-17 = 4-7
    # -> Fri 2025-10-17.
    Case(
        "CO-cabrini-extended",
        CO,
        received_on=date(2025, 10, 2),
        due_on=date(2025, 10, 17),
        skipped=(date(2025, 10, 6),),
        events=ext(date(2025, 10, 7), 7),
    ),
    # --- OR: acknowledge within 5 business days ----------------------------------------------
    # Thu 2026-02-12: Fri 2/13 = 1, skip Mon 2/16 Presidents Day (ORS 187.010), 2/17-20 = 2-5
    # -> ack Fri 2026-02-20. Follow-up: 2/12 + 30 = Sat 3/14 -> Mon 2026-03-16.
    Case(
        "OR-presidents",
        OR,
        received_on=date(2026, 2, 12),
        due_on=date(2026, 3, 16),
        skipped=(date(2026, 2, 16),),
        ack_due_on=date(2026, 2, 20),
    ),
    # --- MA: 10 business days ----------------------------------------------------------------
    # Wed 2026-04-15: 4/16-17 = 1-2, skip Mon 4/20 Patriots' Day (G.L. c. 4, § 7, cl. 18),
    # 4/21-24 = 3-6, 4/27-30 = 7-10 -> Thu 2026-04-30.
    Case(
        "MA-patriots",
        MA,
        received_on=date(2026, 4, 15),
        due_on=date(2026, 4, 30),
        skipped=(date(2026, 4, 20),),
    ),
    # Mon 2026-06-29: July 4 is a Saturday and Massachusetts moves only Sunday holidays, so
    # Fri 7/3 is a business day: 6/30-7/3 = 1-4, 7/6-10 = 5-9, 7/13 = 10 -> Mon 2026-07-13.
    Case(
        "MA-saturday-july4-not-moved",
        MA,
        received_on=date(2026, 6, 29),
        due_on=date(2026, 7, 13),
        skipped=(),
    ),
    # --- AK: 10 working days -----------------------------------------------------------------
    # Wed 2026-03-25: 3/26-27 = 1-2, skip Mon 3/30 Seward's Day (AS 44.12.010(a)(4)),
    # 3/31-4/3 = 3-6 (Good Friday is not an Alaska holiday), 4/6-9 = 7-10 -> Thu 2026-04-09.
    Case(
        "AK-sewards-day",
        AK,
        received_on=date(2026, 3, 25),
        due_on=date(2026, 4, 9),
        skipped=(date(2026, 3, 30),),
    ),
    # --- KY: 5 business days -----------------------------------------------------------------
    # Thu 2026-05-21: Fri 5/22 = 1, skip Mon 5/25 Memorial Day (KRS 2.110), 5/26-29 = 2-5
    # -> Fri 2026-05-29.
    Case(
        "KY-memorial",
        KY,
        received_on=date(2026, 5, 21),
        due_on=date(2026, 5, 29),
        skipped=(date(2026, 5, 25),),
    ),
    # --- DC: 15 business days ----------------------------------------------------------------
    # Wed 2026-04-08: 4/9-10 = 1-2, 4/13-15 = 3-5, skip Thu 4/16 DC Emancipation Day
    # (D.C. Code § 1-612.02), Fri 4/17 = 6, 4/20-24 = 7-11 (Patriots' Day is not a DC
    # holiday), 4/27-30 = 12-15 -> Thu 2026-04-30.
    Case(
        "DC-emancipation",
        DC,
        received_on=date(2026, 4, 8),
        due_on=date(2026, 4, 30),
        skipped=(date(2026, 4, 16),),
    ),
    # --- AL: acknowledge within 10 calendar days ---------------------------------------------
    # Mon 2025-11-17 + 10 = Thu 11/27 Thanksgiving -> Fri 11/28, which is not an Alabama state
    # holiday (Ala. Code § 1-3-8) -> ack Fri 2025-11-28 (Ala. Code § 1-1-4 excludes a last day
    # that is a holiday). Follow-up: 11/17 + 30 = Wed 2025-12-17.
    Case(
        "AL-thanksgiving",
        AL,
        received_on=date(2025, 11, 17),
        due_on=date(2025, 12, 17),
        skipped=(date(2025, 11, 27),),
        ack_due_on=date(2025, 11, 28),
    ),
    # === Two-stage laws: acknowledgement, then a second deadline ===========================
    # --- NY: 5 business days to acknowledge, then 20 business days from the acknowledgement --
    # Mon 2026-02-09: ack by Wed 2026-02-18 (as above: Lincoln's Birthday 2/12 and
    # Washington's Birthday 2/16 skipped). Acknowledged early, Tue 2/17: 2/18-20 = 1-3,
    # 2/23-27 = 4-8, 3/2-6 = 9-13, 3/9-13 = 14-18, 3/16-17 = 19-20 -> Tue 2026-03-17. No
    # holiday lies in the second stage, so none is listed as skipped.
    Case(
        "NY-two-stage-after-lincoln-washington",
        NY_FOIL,
        received_on=date(2026, 2, 9),
        due_on=date(2026, 3, 17),
        skipped=(),
        ack_due_on=date(2026, 2, 18),
        events=acked(date(2026, 2, 17)),
    ),
    # Mon 2026-05-11: 5/12-15 = 1-4, 5/18 = 5 -> ack by Mon 2026-05-18. Acknowledged late,
    # Wed 5/20; the 20 days still run from it: 5/21-22 = 1-2, skip Mon 5/25 Memorial Day,
    # 5/26-29 = 3-6, 6/1-5 = 7-11, 6/8-12 = 12-16, 6/15-18 = 17-20 -> Thu 2026-06-18
    # (Juneteenth, Fri 6/19, falls just after).
    Case(
        "NY-late-acknowledgement-memorial",
        NY_FOIL,
        received_on=date(2026, 5, 11),
        due_on=date(2026, 6, 18),
        skipped=(date(2026, 5, 25),),
        ack_due_on=date(2026, 5, 18),
        events=acked(date(2026, 5, 20)),
    ),
    # Fri 2026-01-16, acknowledged the same day. Ack by: skip Mon 1/19 MLK Day, 1/20-23 = 1-4,
    # 1/26 = 5 -> Mon 2026-01-26. Second stage from Fri 1/16: skip 1/19, 1/20-23 = 1-4,
    # 1/26-30 = 5-9, 2/2-6 = 10-14, 2/9-11 = 15-17, skip Thu 2/12 Lincoln's Birthday,
    # Fri 2/13 = 18, skip Mon 2/16 Washington's Birthday, 2/17-18 = 19-20 -> Wed 2026-02-18.
    Case(
        "NY-same-day-acknowledgement-three-holidays",
        NY_FOIL,
        received_on=date(2026, 1, 16),
        due_on=date(2026, 2, 18),
        skipped=(date(2026, 1, 19), date(2026, 2, 12), date(2026, 2, 16)),
        ack_due_on=date(2026, 1, 26),
        events=acked(date(2026, 1, 16)),
    ),
    # --- AL: 10 calendar days to acknowledge, then 15 business days after acknowledgment ---
    # Mon 2025-11-17: ack by Fri 2025-11-28 (as above). Acknowledged Thu 11/20: Fri 11/21 = 1,
    # 11/24-26 = 2-4, skip Thu 11/27 Thanksgiving, Fri 11/28 = 5 (not an Alabama holiday,
    # Ala. Code § 1-3-8), 12/1-5 = 6-10, 12/8-12 = 11-15 -> Fri 2025-12-12.
    Case(
        "AL-two-stage-thanksgiving",
        AL_2024,
        received_on=date(2025, 11, 17),
        due_on=date(2025, 12, 12),
        skipped=(date(2025, 11, 27),),
        ack_due_on=date(2025, 11, 28),
        events=acked(date(2025, 11, 20)),
    ),
    # --- OR: acknowledge in 5 business days; 10 business days after that deadline ----------
    # Thu 2026-02-12: ack by Fri 2026-02-20 (as above, Presidents Day 2/16 skipped). Second
    # stage from receipt: 2/13 = 1, skip 2/16, 2/17-20 = 2-5, 2/23-27 = 6-10, 3/2-6 = 11-15
    # -> Fri 2026-03-06, i.e. 10 business days after Fri 2/20, whatever day the agency
    # acknowledged (here Wed 2/18).
    Case(
        "OR-two-stage-presidents",
        OR_192,
        received_on=date(2026, 2, 12),
        due_on=date(2026, 3, 6),
        skipped=(date(2026, 2, 16),),
        ack_due_on=date(2026, 2, 20),
        events=acked(date(2026, 2, 18)),
    ),
    # --- SC: 10 business days to decide, records within 30 calendar days of the decision ----
    # Mon 2026-08-03: 8/4-7 = 1-4, 8/10-14 = 5-9, 8/17 = 10 -> ack by Mon 2026-08-17.
    # Decision recorded Thu 8/6: + 30 = Sat 9/5 -> Sun 9/6 -> Mon 9/7 Labor Day
    # (S.C. Code § 53-5-10) -> Tue 2026-09-08.
    Case(
        "SC-two-stage-labor-day",
        SC_30,
        received_on=date(2026, 8, 3),
        due_on=date(2026, 9, 8),
        skipped=(date(2026, 9, 7),),
        ack_due_on=date(2026, 8, 17),
        events=acked(date(2026, 8, 6)),
    ),
)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_hand_worked_deadline(case: Case) -> None:
    result = compute_due_date(case.rule, case.received_on, case.events)
    assert result.due_on == case.due_on
    assert result.ack_due_on == case.ack_due_on
    assert result.skipped == case.skipped
    assert result.is_statutory is (case.rule.days is not None)
    assert result.days == case.rule.days
    assert result.day_type is case.rule.day_type


def test_table_covers_at_least_fifteen_jurisdictions() -> None:
    assert len({c.rule.jurisdiction for c in CASES}) >= 15


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_window_contains_a_package_holiday(case: Case) -> None:
    # Guards the table itself: each window must hold at least one day the `holidays` package
    # lists (even where the engine deliberately does not treat it as closing offices).
    subdiv = None if case.rule.jurisdiction == "US" else case.rule.jurisdiction
    last = max(d for d in (case.due_on, case.ack_due_on) if d is not None)
    package = holidays.country_holidays(
        "US", subdiv=subdiv, years=range(case.received_on.year, last.year + 1)
    )
    window = (
        case.received_on + timedelta(days=i) for i in range(1, (last - case.received_on).days + 1)
    )
    assert any(day in package for day in window)

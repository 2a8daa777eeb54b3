"""classify: realistic agency wording, what each rule extracts, and what must not fire."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foiatrack.domain.mail.classify import (
    classify,
    find_date,
    find_days,
    find_exemptions,
    reply_text,
)
from foiatrack.domain.mail.html import html_to_text
from foiatrack.domain.mail.parsing import parse_message
from tests.mail_samples import sample


def findings(body: str, subject: str = "RE: Public records request", **kwargs: Any) -> dict:
    kwargs.setdefault("attachment_names", [])
    kwargs.setdefault("has_records_attachments", False)
    found: dict[str, list] = {}
    for finding in classify(subject, body, **kwargs):
        assert finding.explanation.strip(), finding
        found.setdefault(finding.kind, []).append(finding)
    return found


def kinds(body: str, subject: str = "RE: Public records request") -> set[str]:
    return set(findings(body, subject))


# (kind, body, expected data); each kind has at least three real-looking examples.
POSITIVE = [
    (
        "acknowledgement",
        "This email acknowledges receipt of your public records request dated March 2, 2026.",
        {},
    ),
    (
        "acknowledgement",
        "We have received your Freedom of Information Act request and it is being processed.",
        {},
    ),
    (
        "acknowledgement",
        "Your request has been received and assigned reference number: 2026-0417.",
        {"reference": "2026-0417"},
    ),
    (
        "acknowledgement",
        "Thank you for your open records request. The Department will respond as required by law.",
        {},
    ),
    (
        "extension",
        "Due to the volume of responsive records, we are extending the response deadline to "
        "March 15, 2026.",
        {"until": "2026-03-15"},
    ),
    (
        "extension",
        "Pursuant to Gov. Code § 7922.535, the City requires an additional 14 calendar days to "
        "respond to your request.",
        {"days": 14, "day_type": "calendar"},
    ),
    (
        "extension",
        "We need additional time to review the records. We anticipate providing a response by "
        "4/3/2026.",
        {"until": "2026-04-03"},
    ),
    (
        "extension",
        "Under 5 ILCS 140/3(e) the Department is extending its time to respond by 5 business days.",
        {"days": 5, "day_type": "business"},
    ),
    (
        "extension",
        "Your request will require an extension; we will respond within ten (10) working days.",
        {"days": 10, "day_type": "business"},
    ),
    (
        "fee",
        "The estimated cost to fulfill your request is $125.50. Please remit payment before we "
        "begin processing.",
        {"amount_cents": 12550},
    ),
    (
        "fee",
        "Copies are $0.15 per page. The total due for 300 pages is $45.00.",
        {"amount_cents": 4500},
    ),
    (
        "fee",
        "A deposit of 40 dollars is required before the search can begin.",
        {"amount_cents": 4000},
    ),
    (
        "fee",
        "Please find attached an invoice in the amount of $1,234.56 for staff time.",
        {"amount_cents": 123456},
    ),
    (
        "clarification",
        "Your request as written is overly broad. Could you please narrow the scope to a specific "
        "date range?",
        {},
    ),
    (
        "clarification",
        "In order to process your request, please clarify which incident you are referring to.",
        {},
    ),
    (
        "clarification",
        "Please provide more specific information, such as names or case numbers, so we can "
        "search.",
        {},
    ),
    (
        "download_link",
        "Your records are now available. Download your records here: "
        "https://troymi.mycusthelp.example.com/WEBAPP/_rs/RequestLogin.aspx?rid=4521",
        {"url": "https://troymi.mycusthelp.example.com/WEBAPP/_rs/RequestLogin.aspx?rid=4521"},
    ),
    (
        "download_link",
        "The responsive documents have been uploaded. Click here to download them: "
        "https://city.nextrequest.example.com/documents/9913.",
        {"url": "https://city.nextrequest.example.com/documents/9913"},
    ),
    (
        "download_link",
        "The records have been released and can be accessed through the portal "
        "(https://www.example.com/about) at https://app.box.com/s/abc123",
        {"url": "https://app.box.com/s/abc123"},
    ),
    (
        "denial",
        "Your request is denied. The records are exempt from disclosure under § 119.071(2)(c), "
        "Fla. Stat.",
        {"exemptions": ["§ 119.071(2)(c)"]},
    ),
    (
        "denial",
        "The Department must respectfully deny your request pursuant to 5 ILCS 140/7(1)(d) and "
        "5 ILCS 140/7(1)(c).",
        {"exemptions": ["5 ILCS 140/7(1)(d)", "5 ILCS 140/7(1)(c)"]},
    ),
    (
        "denial",
        "The body camera video is withheld pursuant to Gov. Code § 7923.600 and (b)(7)(C).",
        {"exemptions": ["Gov. Code § 7923.600", "(b)(7)(C)"]},
    ),
    (
        "denial",
        "The draft agreement is exempt under the deliberative process privilege.",
        {"exemptions": ["deliberative process privilege"]},
    ),
    (
        "denial",
        "This letter constitutes a partial denial. Section 552.108 of the Government Code "
        "applies to the dispatch records.",
        {"exemptions": ["Section 552.108 of the Government Code"]},
    ),
    (
        "no_records",
        "After a diligent search, we did not locate any records responsive to your request.",
        {},
    ),
    ("no_records", "There are no responsive records.", {}),
    (
        "no_records",
        "The Police Department does not maintain any records of agreements with Ring LLC.",
        {},
    ),
    ("no_records", "Our search yielded no documents matching your description.", {}),
    (
        "auto_reply",
        "I am out of the office until March 9, 2026 with limited access to email.",
        {},
    ),
    ("auto_reply", "I'm currently on vacation and will respond upon my return.", {}),
    ("auto_reply", "Thank you for your message. I will be away from the office this week.", {}),
]


@pytest.mark.parametrize(("kind", "body", "data"), POSITIVE)
def test_rule_fires_with_its_data(kind: str, body: str, data: dict) -> None:
    found = findings(body)
    assert kind in found, found
    finding = found[kind][0]
    for key, value in data.items():
        assert finding.data.get(key) == value, finding
    assert "“" in finding.explanation  # quotes the words that matched


@pytest.mark.parametrize(
    ("subject", "reference"),
    [
        ("RE: Public Records Request #P012345-010126", "P012345-010126"),
        ("Public Records Request :: W000123-030326", "W000123-030326"),
        ("[Records Request 26-117] Records released", "26-117"),
        ("Your FOIA request, reference number: 2026-0417", "2026-0417"),
        ("Case No. PRR-2026-88 acknowledgement", "PRR-2026-88"),
    ],
)
def test_reference_numbers(subject: str, reference: str) -> None:
    found = findings("Thank you.", subject)
    assert [f.data["reference"] for f in found["reference"]] == [reference]


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("acknowledgement", "We have not received your request; please resend it."),
        ("acknowledgement", "Thank you for your patience."),
        ("acknowledgement", "We received your payment and will mail the records."),
        ("extension", "For questions call Records at (248) 555-0100 extension 22."),
        ("extension", "If we need an extension, we will let you know before the deadline."),
        ("fee", "There is no fee for these records."),
        ("fee", "Your request for a fee waiver has been granted; the $45.00 charge is waived."),
        ("fee", "We received your payment of $25.00. Thank you."),
        ("fee", "The agreement is worth $1,000,000 to the city."),
        ("clarification", "Thank you for the clarification; we are now searching."),
        ("clarification", "If you have any questions, please contact our office."),
        ("download_link", "Once your records are ready, you will be able to download them."),
        (
            "download_link",
            "Visit https://city.govqa.example.us to track the status of your request.",
        ),
        ("denial", "If any portion of your request is denied, we will cite the exemption."),
        ("denial", "You have the right to appeal any denial to the Attorney General."),
        ("denial", "The records are not exempt and are attached."),
        ("no_records", "We are searching for responsive records."),
        ("no_records", "If no responsive records are found, we will notify you."),
        ("no_records", "We have not yet located all of the responsive records."),
        ("auto_reply", "Our office is open Monday to Friday, 8 am to 5 pm."),
        ("auto_reply", "The officer was out of the office on the day of the incident."),
    ],
)
def test_rule_does_not_fire(kind: str, body: str) -> None:
    assert kind not in kinds(body)


def test_records_attached_only_when_the_caller_says_so() -> None:
    body = "Attached are the records responsive to your request."
    assert "records_attached" not in kinds(body)
    found = findings(body, attachment_names=["MOU.pdf"], has_records_attachments=True)
    (finding,) = found["records_attached"]
    assert finding.data == {"attachments": ["MOU.pdf"]}
    assert "MOU.pdf" in finding.explanation and "“Attached are the records" in finding.explanation
    bare = findings("", attachment_names=["a.pdf", "b.pdf"], has_records_attachments=True)
    assert bare["records_attached"][0].data == {"attachments": ["a.pdf", "b.pdf"]}


def test_auto_reply_subjects() -> None:
    for subject in ("Automatic reply: Records request", "Out of Office: FOIA", "Auto-Reply: x"):
        assert "auto_reply" in kinds("Thanks.", subject)
    assert "auto_reply" not in kinds("Thanks.", "Office records request")


def test_quoted_history_is_ignored() -> None:
    body = (
        "We have received your request.\n\n"
        "-----Original Message-----\n"
        "From: Newsroom\nSent: Monday\n"
        "I request a fee waiver. If you deny any part, cite the exemption, e.g. "
        "Gov. Code § 7922.000. Please provide the records by March 1, 2026."
    )
    assert kinds(body) == {"acknowledgement"}
    gmail = (
        "No responsive records exist.\n\n"
        "On Mon, Mar 2, 2026 at 9:00 AM Newsroom <x@y> wrote:\n> is denied"
    )
    assert kinds(gmail) == {"no_records"}
    assert reply_text("Reply\n> quoted line\nmore") == "Reply\nmore"


def test_sample_messages() -> None:
    govqa = parse_message(sample("govqa_portal.eml"))
    found = findings(govqa.body_text, govqa.subject)
    assert (
        found["download_link"][0]
        .data["url"]
        .startswith("https://troymi.mycusthelp.example.com/WEBAPP/_rs/")
    )
    assert [f.data["reference"] for f in found["reference"]] == ["W000123-030326"]
    assert set(found) == {"download_link", "reference"}
    html_only = findings(html_to_text(govqa.body_html), govqa.subject)
    assert html_only["download_link"][0].data["url"].endswith("rid=4521")
    auto = parse_message(sample("auto_reply.eml"))
    assert set(findings(auto.body_text, auto.subject)) == {"auto_reply"}


def test_dates_and_durations() -> None:
    assert find_date("by March 15, 2026.")[0].isoformat() == "2026-03-15"  # type: ignore[index]
    assert find_date("on or before 15 March 2026")[0].isoformat() == "2026-03-15"  # type: ignore[index]
    assert find_date("due 3/15/26")[0].isoformat() == "2026-03-15"  # type: ignore[index]
    assert find_date("2026-03-15")[0].isoformat() == "2026-03-15"  # type: ignore[index]
    assert find_date("Feb. 30, 2026 or 13/45/2026") is None
    assert find_days("within 10 business days") == (10, "business", "10 business days")
    assert find_days("an additional thirty days") == (30, "", "thirty days")
    assert find_days("no numbers here") is None


def test_exemption_citations() -> None:
    text = (
        "Withheld under RCW 42.56.240(1), MCL 15.243(1)(b), 5 U.S.C. § 552(b)(6), "
        "Exemption 7(C), and section 119.071(2)(c), Florida Statutes."
    )
    assert find_exemptions(text) == [
        "RCW 42.56.240(1)",
        "MCL 15.243(1)(b)",
        "5 U.S.C. § 552(b)(6)",
        "Exemption 7(C)",
        "section 119.071(2)(c), Florida Statutes",
    ]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500), st.text(max_size=80))
def test_never_raises(body: str, subject: str) -> None:
    for finding in classify(subject, body, attachment_names=[], has_records_attachments=False):
        assert finding.kind and finding.explanation

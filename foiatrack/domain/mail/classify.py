"""What an agency's reply seems to say, by transparent rules a person can check.

`classify` returns findings (suggestions for an editor to confirm, never automatic changes).
Each finding's explanation quotes the words that fired it. The rules are word lists and
regular expressions, applied to the subject and to the reply itself: quoted history (lines
starting with ">", and everything after "-----Original Message-----", "On ... wrote:" or an
Outlook "From: ... Sent:" block) is cut first, because it holds our own request letter, full
of the words the rules look for ("fee waiver", "exempt", "please provide").

Kinds and their data (consumed by `foiatrack.domain.mail.suggestions`):

- acknowledgement: "received your request", "acknowledge receipt", "your request has been
  received"; data {"reference"} when one is found.
- extension: "extend", "extension", "additional time", "an additional 10 business days",
  "anticipate ... by"; data {"until": ISO date} or {"days": n, "day_type": "business"}.
- fee: a money amount ("$125.50", "40 dollars") near fee words (fee, cost, deposit,
  invoice...), not "no fee"/"waived"/"received your payment"; data {"amount_cents"}.
- reference: "Request #P012345-010126", "reference number: 2026-0417", GovQA
  "W000123-030326", NextRequest "[Records Request 26-117]"; data {"reference"}, one finding
  per number.
- clarification: "clarify", "too broad", "please provide ... more specific", "narrow the
  scope"; data {"question": the sentence}.
- records_attached: the caller says records are attached; data {"attachments": names}.
- download_link: "download your records", "records are now available", "click here to
  view"; data {"url"}, a portal or file-sharing link preferred.
- denial: "is denied", "exempt from disclosure", "withheld pursuant to"; data
  {"exemptions": the citations found: "§ 119.071(2)(c)", "5 ILCS 140/7(1)(d)", "(b)(6)"...}.
- no_records: "no responsive records", "did not locate any records", "does not maintain
  any records"; data {}.
- auto_reply: "Out of office"/"Automatic reply" subjects, "I am out of the office"; data {}.

A match inside a conditional ("If no responsive records are found...", "Once your records
are ready...", "If we need an extension...") does not count, nor a phone "extension 22".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

#: how far (characters) around a trigger a date, amount or link may be to belong to it
WINDOW = 250


@dataclass(frozen=True)
class Finding:
    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    #: the rule and the words it matched, shown to the editor
    explanation: str = ""


def _rx(*patterns: str) -> list[re.Pattern[str]]:
    return [re.compile(pattern, re.IGNORECASE) for pattern in patterns]


# --- quoted history ------------------------------------------------------------------------------

_HISTORY = re.compile(
    r"^(?:-{2,}\s*original message\s*-{2,}"
    r"|_{10,}\s*$"
    r"|on\b[^\n]{0,200}(?:\n[^\n]{0,200})?\bwrote:\s*$"
    r"|from:\s[^\n]+\n(?:[^\n]*\n){0,3}?(?:sent|date):\s)",
    re.IGNORECASE | re.MULTILINE,
)


def reply_text(body: str) -> str:
    """The reply without the quoted history below it."""
    match = _HISTORY.search(body)
    if match:
        body = body[: match.start()]
    return "\n".join(line for line in body.splitlines() if not line.lstrip().startswith(">"))


# --- conditions ----------------------------------------------------------------------------------

_CONDITIONAL = re.compile(
    r"\b(?:if|unless|whether|should|once|when|whenever|until|in the event|in case|may need to|"
    r"might)\b",
    re.IGNORECASE,
)
_NEGATED = re.compile(r"\b(?:not|never|no longer)\b|n't\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?;:]\s|\n")


def _clause_before(text: str, start: int) -> str:
    """The words between the start of the sentence and a match (at most 80 characters)."""
    before = text[max(0, start - 80) : start]
    ends = list(_SENTENCE_END.finditer(before))
    return before[ends[-1].end() :] if ends else before


def _conditional(text: str, start: int) -> bool:
    return bool(_CONDITIONAL.search(_clause_before(text, start)))


def _negated(text: str, start: int) -> bool:
    return bool(_NEGATED.search(text[max(0, start - 20) : start]))


def _quote(text: str) -> str:
    words = " ".join(text.split())
    return f"“{words[:120]}{'…' if len(words) > 120 else ''}”"


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around text[start:end] (sentences end at ". ", "? ", "! " or a newline)."""
    left = max(text.rfind(mark, 0, start) for mark in (". ", "? ", "! ", "\n"))
    ends = [i for i in (text.find(mark, end) for mark in (". ", "? ", "! ", "\n")) if i != -1]
    right = min(ends) + 1 if ends else len(text)
    return " ".join(text[left + 1 : right].split())[:300]


def _first(
    patterns: Iterable[re.Pattern[str]],
    text: str,
    *,
    conditional_ok: bool = False,
    negation_ok: bool = False,
) -> re.Match[str] | None:
    """The earliest match of any pattern that is not in a conditional or negated clause."""
    found: list[re.Match[str]] = []
    for pattern in patterns:
        for match in pattern.finditer(text):
            if not conditional_ok and _conditional(text, match.start()):
                continue
            if not negation_ok and _negated(text, match.start()):
                continue
            found.append(match)
            break
    return min(found, key=lambda m: m.start()) if found else None


# --- dates, durations, amounts -------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATES = (
    (re.compile(rf"\b{_MONTH}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I), "mdy"),
    (
        re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?,?\s+(\d{{4}})\b", re.I),
        "dmy",
    ),
    (re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\b"), "us"),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), "iso"),
)
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty-five": 45,
    "sixty": 60,
    "ninety": 90,
}
_DAYS = re.compile(
    r"\b(\d{1,3}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
    r"(?:\s*\(\d{1,3}\))?\s+(?:additional\s+|more\s+|further\s+)?"
    r"(business|working|calendar)?\s*days?\b",
    re.IGNORECASE,
)


def find_date(text: str) -> tuple[dt.date, str] | None:
    """The first real date written in `text` ("March 15, 2026", "3/15/2026", "2026-03-15")."""
    found: list[tuple[int, dt.date, str]] = []
    for pattern, order in _DATES:
        for match in pattern.finditer(text):
            groups = match.groups()
            try:
                if order == "mdy":
                    day = dt.date(int(groups[2]), _MONTHS[groups[0].lower()], int(groups[1]))
                elif order == "dmy":
                    day = dt.date(int(groups[2]), _MONTHS[groups[1].lower()], int(groups[0]))
                elif order == "us":
                    year = int(groups[2]) + (2000 if len(groups[2]) == 2 else 0)
                    day = dt.date(year, int(groups[0]), int(groups[1]))
                else:
                    day = dt.date(int(groups[0]), int(groups[1]), int(groups[2]))
            except (ValueError, KeyError):
                continue
            found.append((match.start(), day, match.group(0)))
            break
    if not found:
        return None
    _, day, words = min(found)
    return day, words


def find_days(text: str) -> tuple[int, str, str] | None:
    """(n, day_type, words) for "within 10 business days"; day_type "" when not stated."""
    match = _DAYS.search(text)
    if not match:
        return None
    raw = match.group(1).lower()
    count = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
    if not 0 < count <= 365:
        return None
    day_type = (match.group(2) or "").lower().replace("working", "business")
    return count, day_type, match.group(0)


_MONEY = re.compile(
    r"(?:\$|USD\s?)\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?(?!\d)"
    r"|\b(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{2}))?\s+(?:US\s+)?dollars\b",
    re.IGNORECASE,
)


def _cents(match: re.Match[str]) -> int:
    whole = match.group(1) or match.group(3) or "0"
    fraction = match.group(2) or match.group(4) or "0"
    return int(whole.replace(",", "")) * 100 + int(fraction.ljust(2, "0")[:2])


# --- the rules -----------------------------------------------------------------------------------

_ACKNOWLEDGEMENT = _rx(
    r"\breceived your\b(?:[\w\s,-]{0,60}?)\brequest\b",
    r"\backnowledg(?:e|es|ed|ing)\s+(?:the\s+)?receipt\b",
    r"\bthis (?:e-?mail|letter|message|notice) (?:is to |will )?(?:acknowledge|confirm)s?\b",
    r"\byour (?:[\w-]+ ){0,4}request (?:has been|was|is) (?:received|submitted|logged|"
    r"assigned|entered)\b",
    r"\bconfirm(?:s|ing)? receipt\b",
    r"\bthank you for (?:your|submitting (?:a|your)) (?:[\w-]+ ){0,4}request\b",
)
_EXTENSION = _rx(
    r"\b(?:extend(?:s|ed|ing)?|extension)\b(?!\s*(?:#|no\.?|number)?\s*\d)",
    r"\badditional (?:\d{1,3}|[a-z-]+)(?:\s*\(\d+\))? (?:business |working |calendar )?days\b",
    r"\b(?:additional|more|further) time\b",
    r"\b(?:anticipate|expect|estimate)[sd]?\b[^.]{0,80}?\b(?:by|on or before|no later than)\b",
    r"\b(?:estimated|anticipated|expected|new) (?:completion|response|due|production|delivery) "
    r"date\b",
)
_FEE_WORDS = re.compile(
    r"\b(?:fees?|costs?|charges?|deposit|payment|pay|remit|invoice|estimate|estimated|"
    r"prepay(?:ment)?|amount due|balance due|total due|copying|per page)\b",
    re.IGNORECASE,
)
_NO_FEE = re.compile(
    r"\b(?:no (?:fee|charge|cost)s?|free of charge|at no (?:cost|charge)|waived?|waiver "
    r"(?:is |has been )?granted|(?:received|receipt of) (?:your )?payment|paid|refund(?:ed)?)\b",
    re.IGNORECASE,
)
_REFERENCES = (
    re.compile(
        r"\b(?:request|case|file|tracking|reference|ref|confirmation|ticket|foia|pra|"
        r"records request)\s*(?:number|no\.|no|num\.?|#|id)\s*(?:is\s*)?[:#]?\s*"
        r"([A-Z0-9][A-Z0-9._/-]{2,30})",
        re.IGNORECASE,
    ),
    # GovQA: a letter, six digits, a dash and the filing date (MMDDYY)
    re.compile(r"\b([A-Z]\d{6}-\d{6})\b"),
    # NextRequest and similar portals: "[Records Request 26-117]"
    re.compile(
        r"\b(?:public )?(?:records|PRR|PRA|FOIA|ORR) request\s+#?\s*(\d{2,4}-\d{1,6})\b",
        re.IGNORECASE,
    ),
)
_CLARIFICATION = _rx(
    r"\b(?:clarify|clarification|clarifying)\b",
    r"\b(?:too|overly|unduly) (?:broad|vague|burdensome)\b",
    r"\bnot (?:specific|clear) enough\b",
    r"\b(?:please|kindly|could you|can you) (?:\w+ ){0,2}(?:provide|specify|narrow|identify|"
    r"indicate|describe|let us know)\b[^.?]{0,100}?\b(?:more specific|specific|date range|"
    r"time ?frame|which|what|names?|locations?|incident|case number|additional (?:information|"
    r"details)|more (?:information|details))\b",
    r"\bnarrow (?:the scope|(?:the |your )?request|down)\b",
    r"\bunable to (?:identify|determine) (?:the|what|which) records\b",
)
_NOT_CLARIFICATION = re.compile(r"thank(?:s| you) for (?:the|your) clarification", re.IGNORECASE)
_ATTACHED = _rx(
    r"\b(?:attached|enclosed)\b[^.]{0,80}",
    r"\bplease find\b[^.]{0,80}",
)
_DOWNLOAD = _rx(
    r"\b(?:download|retrieve|access|view) (?:your|the) (?:responsive |requested )?(?:records|"
    r"documents|files|response|release)\b",
    r"\b(?:records|documents|files|response|release)(?: [\w-]+){0,3} (?:are|is|have been|has "
    r"been) (?:now )?(?:available|ready|released|posted|uploaded|published)\b",
    r"\bclick (?:here|the link|on the link|below)\b[^.]{0,60}?\b(?:download|view|access|records|"
    r"documents)\b",
    r"\b(?:has|have) been released\b",
)
_URL = re.compile(r"https?://[^\s<>\"'\]]+", re.IGNORECASE)
_PORTAL_URL = re.compile(
    r"govqa|mycusthelp|nextrequest|justfoia|foiaonline|box\.com|dropbox|sharefile|onedrive|"
    r"sharepoint|drive\.google|wetransfer|egnyte|records|foia|download|portal",
    re.IGNORECASE,
)
_DENIAL = _rx(
    r"\b(?:is|are|has been|have been|was|were|hereby|must be|respectfully|must respectfully be)"
    r" (?:\w+ )?denied\b",
    r"\b(?:we|I|our office|the (?:department|city|county|agency|office)) (?:\w+ ){0,2}"
    r"(?:deny|denies|are denying|is denying)\b",
    r"\b(?:partial )?denial of (?:your|the) (?:\w+ ){0,3}request\b",
    r"\bthis (?:letter|e-?mail|response) (?:constitutes|serves as|is) (?:a|the) (?:partial )?"
    r"denial\b",
    r"\b(?:withheld|withholding|redacted)\b[^.]{0,80}?\b(?:pursuant|under|exempt|exemption|§|"
    r"section)",
    r"\bexempt(?:ed)? (?:from (?:public )?disclosure|under|pursuant)\b",
    r"\bnot subject to (?:public )?disclosure\b",
    r"\b(?:declines?|declined) to (?:release|produce|provide|disclose)\b",
    r"\b(?:will|can|may) not be (?:released|disclosed|produced)\b",
)
_NO_RECORDS = _rx(
    r"\bno (?:responsive|such|relevant|requested) (?:records|documents)\b",
    r"\bno (?:records|documents)(?: were| was| have been| could be)? (?:found|located|"
    r"identified|responsive)\b",
    r"\b(?:did|could|was|were|have|has) not (?:locate|find|identify|located|found|identified) any "
    r"(?:[\w-]+ )?(?:records|documents)\b",
    r"\bunable to (?:locate|find|identify) any (?:[\w-]+ )?(?:records|documents)\b",
    r"\b(?:does|do|did) not (?:have|maintain|possess|keep|retain) (?:any )?(?:[\w-]+ ){0,2}"
    r"(?:records|documents)\b",
    r"\bno (?:[\w-]+ )?records exist\b",
    r"\bsearch (?:[\w-]+ ){0,3}(?:yielded|returned|produced|revealed|found) no\b",
)
_AUTO_SUBJECT = re.compile(
    r"\b(?:out of (?:the )?office|automatic reply|auto[- ]?reply|autoreply|auto[- ]?response)\b",
    re.IGNORECASE,
)
_AUTO_BODY = _rx(
    r"\b(?:I am|I'm|I will be|I'll be) (?:currently )?(?:out of (?:the )?office|away from (?:the |"
    r"my )?(?:office|desk)|on (?:vacation|leave|annual leave|holiday|medical leave)|out until|"
    r"away until)\b",
    r"\blimited access to (?:my )?e-?mail\b",
    r"\b(?:respond|reply) (?:to your (?:e-?mail|message) )?(?:up)?on my return\b",
    r"\bthis is an automatic (?:reply|response)\b",
)

# --- exemptions ----------------------------------------------------------------------------------

_CODE_PREFIX_STOP = {"the", "this", "per", "pursuant", "under", "see", "and", "or", "in", "of"}
_CITATIONS = (
    # "Gov. Code § 7923.600", "Fla. Stat. § 119.071(2)(c)", "5 U.S.C. § 552(b)(6)"
    re.compile(
        r"((?:\b\d{1,3}\s+)?(?:\b[A-Z][A-Za-z]*\.?(?:[A-Z]\.)*\s+){0,3})"
        r"(§§?\s*\d[\w.:-]*(?:\([\w.]{1,6}\))*)"
    ),
    # "5 ILCS 140/7(1)(d)"
    re.compile(r"(\b\d{1,3}\s+ILCS\s+\d+/\d+(?:\.\d+)?(?:\([\w.]{1,6}\))*)"),
    # "RCW 42.56.240(1)", "MCL 15.243(1)(b)", "ORS 192.355(2)"
    re.compile(
        r"(\b(?:RCW|ORS|MCL|MCLA|NRS|KRS|RSA|A\.R\.S\.|ARS|C\.R\.S\.|G\.S\.|N\.J\.S\.A\.|"
        r"F\.S\.|Wis\. Stat\.|Minn\. Stat\.|Fla\. Stat\.|Tex\. Gov't Code)\s*§?\s*\d[\w.:-]*"
        r"(?:\([\w.]{1,6}\))*)"
    ),
    # "Section 552.108 of the Government Code", "section 119.071(2)(c), Florida Statutes"
    re.compile(
        r"(\b[Ss]ec(?:tion|\.)\s+\d+(?:\.\d+)+[a-z]?(?:\([\w.]{1,6}\))*"
        r"(?:\s+of the\s+(?:[A-Z][a-z]+\s){0,3}(?:Code|Act|Statutes?)|,\s+(?:[A-Z][a-z]+\s)?"
        r"Statutes)?)"
    ),
    # federal FOIA: "(b)(7)(C)", "Exemption 6"
    re.compile(r"(\(b\)\s?\(\d\)(?:\s?\([A-F]\))?)"),
    re.compile(r"(\bExemption\s+\d(?:\([A-F]\))?)"),
)
_EXEMPT_UNDER = re.compile(
    r"\bexempt(?:ion)?s? (?:from (?:public )?disclosure )?(?:under|pursuant to)\s+(?:the\s+)?"
    r"([^.;:\n]{3,80})",
    re.IGNORECASE,
)


def find_exemptions(text: str) -> list[str]:
    """Statute-looking citations and "exempt under ..." phrases, in order, without repeats."""
    found: list[tuple[int, str]] = []
    for pattern in _CITATIONS:
        for match in pattern.finditer(text):
            if pattern is _CITATIONS[0]:
                prefix_words = match.group(1).split()
                while prefix_words and prefix_words[0].lower().strip(".") in _CODE_PREFIX_STOP:
                    prefix_words.pop(0)
                citation = " ".join([*prefix_words, match.group(2)])
            else:
                citation = match.group(1)
            citation = " ".join(citation.split()).rstrip(".,;:-")
            found.append((match.start(), citation))
    for match in _EXEMPT_UNDER.finditer(text):
        phrase = match.group(1).strip()
        if not any(start >= match.start(1) and start < match.end(1) for start, _ in found):
            found.append((match.start(1), " ".join(phrase.split()).rstrip(".,;:-")))
    citations: list[str] = []
    for _, citation in sorted(found):
        if not any(citation in kept or kept in citation for kept in citations):
            citations.append(citation)
    return citations


def find_references(text: str) -> list[tuple[str, str]]:
    """(reference, matched words) for each agency or portal number, first seen first."""
    found: list[tuple[int, str, str]] = []
    for pattern in _REFERENCES:
        for match in pattern.finditer(text):
            reference = match.group(1).rstrip(".,;:)/-_")
            if not any(char.isdigit() for char in reference):
                continue
            if re.fullmatch(r"FT-\d+", reference, re.IGNORECASE):
                continue  # our own subject tag
            if find_date(reference) is not None:
                continue
            found.append((match.start(1), reference, match.group(0)))
    references: list[tuple[str, str]] = []
    seen: set[str] = set()
    for _, reference, words in sorted(found):
        key = reference.upper()
        if key in seen or any(key in other or other in key for other in seen):
            continue
        seen.add(key)
        references.append((reference, words))
    return references


# --- classify ------------------------------------------------------------------------------------


def _extension(text: str) -> Finding | None:
    match = _first(_EXTENSION, text)
    if match is None:
        return None
    window = text[max(0, match.start() - 100) : match.end() + WINDOW]
    data: dict[str, Any] = {}
    detail = ""
    date = find_date(window)
    if date is not None:
        data["until"] = date[0].isoformat()
        detail = f"; new date {_quote(date[1])}"
    else:
        days = find_days(window)
        if days is not None:
            data["days"] = days[0]
            if days[1]:
                data["day_type"] = days[1]
            detail = f"; {_quote(days[2])}"
    return Finding("extension", data, f"Extension wording {_quote(match.group(0))}{detail}.")


def _fee(text: str) -> Finding | None:
    best: tuple[int, re.Match[str], str] | None = None
    for match in _MONEY.finditer(text):
        cents = _cents(match)
        if cents <= 0:
            continue
        window = text[max(0, match.start() - 150) : match.end() + 80]
        words = _FEE_WORDS.search(window)
        if words is None or _conditional(text, match.start()):
            continue
        clause = _sentence(text, match.start(), match.end())
        if _NO_FEE.search(clause):
            continue
        total = re.search(r"\btotal\b", text[max(0, match.start() - 40) : match.start()], re.I)
        if best is None or (total and "total" not in best[2].lower()):
            best = (cents, match, clause if total is None else "total " + clause)
            if total:
                break
    if best is None:
        return None
    cents, match, _ = best
    return Finding(
        "fee",
        {"amount_cents": cents},
        f"Fee wording with an amount: {_quote(_sentence(text, match.start(), match.end()))}.",
    )


def _denial(text: str) -> Finding | None:
    match = _first(_DENIAL, text)
    if match is None:
        return None
    exemptions = find_exemptions(text)
    cited = f" Exemptions cited: {', '.join(exemptions)}." if exemptions else ""
    return Finding(
        "denial",
        {"exemptions": exemptions},
        f"Denial wording {_quote(match.group(0))}.{cited}",
    )


def _trim_url(url: str) -> str:
    """Drop sentence punctuation, and a ")" that closes the text's parenthesis, not the URL's
    (GovQA addresses hold parentheses: /WEBAPP/_rs/(S(x1y2z3))/...)."""
    url = url.rstrip(".,;:!?")
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1].rstrip(".,;:!?")
    return url


def _download(text: str) -> Finding | None:
    match = _first(_DOWNLOAD, text)
    if match is None:
        return None
    window = text[max(0, match.start() - WINDOW) : match.end() + WINDOW]
    urls = [_trim_url(url) for url in _URL.findall(window)] or [
        _trim_url(url) for url in _URL.findall(text)
    ]
    preferred = [url for url in urls if _PORTAL_URL.search(url)]
    url = (preferred or urls or [""])[0]
    link = f" Link: {url}" if url else " No link found in the text."
    return Finding(
        "download_link",
        {"url": url} if url else {},
        f"Download wording {_quote(match.group(0))}.{link}",
    )


def _iter_findings(
    subject: str, text: str, attachment_names: list[str], has_records: bool
) -> Iterator[Finding]:
    both = f"{subject}\n{text}"
    references = find_references(both)

    match = _first(_ACKNOWLEDGEMENT, text)
    if match is not None:
        data = {"reference": references[0][0]} if references else {}
        yield Finding("acknowledgement", data, f"Acknowledgement wording {_quote(match.group(0))}.")
    if (finding := _extension(text)) is not None:
        yield finding
    if (finding := _fee(text)) is not None:
        yield finding
    for reference, words in references:
        yield Finding("reference", {"reference": reference}, f"Reference number {_quote(words)}.")
    match = _first(_CLARIFICATION, text)
    if match is not None and not _NOT_CLARIFICATION.search(text):
        yield Finding(
            "clarification",
            {"question": _sentence(text, match.start(), match.end())},
            f"Clarification wording {_quote(match.group(0))}.",
        )
    if has_records:
        match = _first(_ATTACHED, text, negation_ok=True)
        names = ", ".join(attachment_names[:5]) + ("…" if len(attachment_names) > 5 else "")
        said = f" The message says {_quote(match.group(0))}." if match else ""
        yield Finding(
            "records_attached",
            {"attachments": list(attachment_names[:50])},
            f"Files attached: {names or 'unnamed files'}.{said}",
        )
    if (finding := _download(text)) is not None:
        yield finding
    if (finding := _denial(text)) is not None:
        yield finding
    match = _first(_NO_RECORDS, text, negation_ok=True)
    if match is not None:
        yield Finding("no_records", {}, f"No-records wording {_quote(match.group(0))}.")
    subject_match = _AUTO_SUBJECT.search(subject)
    match = _first(_AUTO_BODY, text, conditional_ok=True, negation_ok=True)
    if subject_match or match:
        words = (subject_match or match).group(0)  # type: ignore[union-attr]
        where = "subject" if subject_match else "text"
        yield Finding("auto_reply", {}, f"Automatic-reply {where} {_quote(words)}.")


def classify(
    subject: str,
    body: str,
    *,
    attachment_names: list[str],
    has_records_attachments: bool,
) -> list[Finding]:
    """What a reply seems to say: one Finding per kind (one per reference number)."""
    text = reply_text(body or "")
    # Matching works on one line of text: agency mail wraps sentences anywhere.
    flat = "\n".join(" ".join(paragraph.split()) for paragraph in re.split(r"\n\s*\n", text))
    flat = re.sub(r"(?<![.!?:;])\n(?=[a-z0-9$§(])", " ", flat)
    return list(
        _iter_findings(
            " ".join((subject or "").split()),
            flat,
            list(attachment_names),
            has_records_attachments,
        )
    )

"""Writing calendar events as an iCalendar (RFC 5545) feed with the `icalendar` package.

A pure serialiser with no I/O, so there is no port for it: the web layer calls it directly.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from icalendar import Calendar, Event, vText

from foiatrack.domain.requests.calendar import CalendarEvent

PRODID = "-//foiatrack//Due dates//EN"
#: how often calendar apps are asked to fetch the feed again (some, like Google, poll less often)
REFRESH = dt.timedelta(hours=1)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def build_calendar(
    events: Iterable[CalendarEvent],
    *,
    title: str,
    now: dt.datetime,
    description: str = "",
    refresh: dt.timedelta = REFRESH,
) -> bytes:
    """The iCalendar text of a subscribable feed with one all-day event per CalendarEvent."""
    stamp = now.astimezone(dt.UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # icalendar escapes X- properties only when given as vText.
    calendar.add("x-wr-calname", vText(_line(title)))
    if description:
        calendar.add("x-wr-caldesc", vText(_text(description)))
    calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    # Outlook reads only this older property; icalendar would write a timedelta as "1:00:00".
    calendar.add("x-published-ttl", _duration(refresh))
    for item in events:
        calendar.add_component(_event(item, stamp))
    return calendar.to_ical()


def _event(item: CalendarEvent, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", stamp)
    # A date, not a datetime, makes an all-day event that no time zone can move to another day.
    event.add("dtstart", item.on)
    event.add("dtend", item.on + dt.timedelta(days=1))
    event.add("summary", _line(item.summary))
    event.add("description", _text(item.description))
    event.add("url", item.url)
    # A deadline is not a meeting: it should not mark anyone busy.
    event.add("transp", "TRANSPARENT")
    if item.last_modified is not None:
        event.add("last-modified", item.last_modified.astimezone(dt.UTC))
    return event


def _text(value: str) -> str:
    """Text with newlines kept as newlines and every other control character dropped."""
    # Agency names come from imports; a stray carriage return must not start a new content line.
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _line(value: str) -> str:
    return " ".join(_text(value).split("\n"))


def _duration(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = f"{hours}H" if hours else ""
    parts += f"{minutes}M" if minutes else ""
    parts += f"{seconds}S" if seconds or not parts else ""
    return f"PT{parts}"

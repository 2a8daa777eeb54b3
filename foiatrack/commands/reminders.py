"""`flask --app foiatrack remind`: the daily digest of overdue and soon-due requests."""

from __future__ import annotations

import datetime as dt
import sys
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import NoReturn

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from foiatrack.adapters.smtp import mail_domain, mail_from_config, smtp_sender_from_config
from foiatrack.domain.accounts.models import Role, User
from foiatrack.domain.errors import MailDeliveryError, ValidationFailed
from foiatrack.domain.ports import MailSender
from foiatrack.domain.requests.reminders import (
    MAX_DUE_WITHIN_DAYS,
    Digest,
    build_digests,
    digest_subject,
    render_digest,
)
from foiatrack.extensions import db

SEPARATOR = "=" * 72


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _counts(digests: list[Digest], days: int) -> str:
    overdue = sum(len(d.overdue) for d in digests)
    soon = sum(len(d.due_soon) for d in digests)
    return f"{overdue} overdue, {soon} due within {_days(days)}"


def _recipients(digest: Digest) -> list[User]:
    if digest.recipient is not None:
        return [digest.recipient]
    return list(
        db.session.scalars(
            select(User).where(User.role == Role.ADMIN, User.is_active).order_by(User.email)
        )
    )


def _message(digest: Digest, user: User, *, mail_from: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = formataddr((user.name, user.email))
    message["Subject"] = digest_subject(digest)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid("foiatrack.remind", domain=mail_domain(mail_from))
    # RFC 3834: tells vacation responders and ticket systems not to answer a robot.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


def _print_all(
    digests: list[Digest], *, base_url: str, today: dt.date, days: int, why: str
) -> None:
    for digest in digests:
        to = (
            "admins (unassigned requests)"
            if digest.recipient is None
            else formataddr((digest.recipient.name, digest.recipient.email))
        )
        click.echo(SEPARATOR)
        click.echo(f"To: {to}")
        click.echo(f"Subject: {digest_subject(digest)}")
        click.echo()
        click.echo(render_digest(digest, base_url=base_url, today=today), nl=False)
    click.echo(SEPARATOR)
    click.echo(f"{len(digests)} digest(s) printed ({why}): {_counts(digests, days)}.")


def _mail_all(
    digests: list[Digest], sender: MailSender, *, mail_from: str, base_url: str, today: dt.date
) -> int:
    """Send each digest; returns how many deliveries failed."""
    sent = failed = 0
    for digest in digests:
        body = render_digest(digest, base_url=base_url, today=today)
        recipients = _recipients(digest)
        if not recipients:
            click.echo("Not mailed: unassigned requests, and there is no active admin.", err=True)
            failed += 1
        for user in recipients:
            try:
                sender.send(_message(digest, user, mail_from=mail_from, body=body))
            except MailDeliveryError as exc:
                click.echo(f"Could not mail {user.email}: {exc}", err=True)
                failed += 1
                continue
            sent += 1
            what = " (unassigned requests)" if digest.is_unassigned else ""
            click.echo(
                f"Mailed {user.email}{what}: {len(digest.overdue)} overdue, "
                f"{len(digest.due_soon)} due soon."
            )
    click.echo(f"{sent} mailed, {failed} failed.")
    return failed


@click.command("remind")
@with_appcontext
@click.option(
    "--days",
    type=click.IntRange(0, MAX_DUE_WITHIN_DAYS),
    default=7,
    show_default=True,
    help="Also list what falls due within this many days.",
)
@click.option(
    "--print",
    "print_only",
    is_flag=True,
    help="Print the digests instead of mailing them, even when SMTP is configured.",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Compute as of this day (YYYY-MM-DD) instead of today.",
)
def remind_command(days: int, print_only: bool, today: dt.datetime | None) -> None:
    """Print, or e-mail to each assignee, what is overdue and due soon."""
    config = current_app.config
    try:
        sender = None if print_only else smtp_sender_from_config(config)
        mail_from = mail_from_config(config) if sender is not None else ""
    except ValidationFailed as exc:
        _fail(str(exc))
    day = today.date() if today else dt.date.today()
    digests = build_digests(db.session, today=day, due_within_days=days)
    if not digests:
        click.echo(f"Nothing overdue or due within {_days(days)}.")
        return
    base_url = str(config.get("BASE_URL") or "")
    if sender is None:
        why = "--print" if print_only else "SMTP_HOST is unset, nothing was mailed"
        _print_all(digests, base_url=base_url, today=day, days=days, why=why)
        return
    if _mail_all(digests, sender, mail_from=mail_from, base_url=base_url, today=day):
        sys.exit(1)

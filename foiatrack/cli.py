"""Command-line interface: `flask --app foiatrack COMMAND`. Each command calls domain services."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from foiatrack import PROJECT_ROOT
from foiatrack.commands.archive import evidence_command, regroup_command
from foiatrack.commands.deadlines import due_date_command, requests_command
from foiatrack.commands.documents import upload_command
from foiatrack.commands.letters import draft_command, render_command, send_command
from foiatrack.commands.mail import fetch_mail_command
from foiatrack.commands.reminders import remind_command
from foiatrack.commands.search import reindex_command, search_command
from foiatrack.domain.accounts import services as accounts
from foiatrack.domain.accounts.models import Role, User
from foiatrack.domain.agencies import importing
from foiatrack.domain.agencies.services import AgencyFilter, list_agencies
from foiatrack.domain.errors import DomainError, ValidationFailed
from foiatrack.domain.reference import load_demo_campaign, load_reference_data
from foiatrack.extensions import db

ADMIN_PASSWORD_FILE = "initial-admin-password.txt"  # noqa: S105 - a file name


def _fail(error: DomainError) -> None:
    db.session.rollback()
    click.echo(f"Error: {error}", err=True)
    for problem in getattr(error, "problems", []):
        click.echo(f"  {problem}", err=True)
    sys.exit(1)


@click.command("init-db")
@with_appcontext
@click.option("--demo/--no-demo", default=False, help="Also load the demo campaign.")
def init_db_command(demo: bool) -> None:
    """Create or upgrade the schema and load the reference data (safe to run again)."""
    upgrade(directory=str(PROJECT_ROOT / "migrations"))
    result = load_reference_data(db.session)
    campaign = load_demo_campaign(db.session) if demo else None
    db.session.commit()
    click.echo(
        f"Schema is up to date. Jurisdictions: {result.jurisdictions_created} added, "
        f"{result.jurisdictions_updated} updated. Ring partner agencies: "
        f"{result.agencies.summary}. Letter templates: {result.templates[0]} added, "
        f"{result.templates[1]} updated."
    )
    if campaign is not None:
        click.echo(f"Demo campaign loaded: {campaign.name} ({len(campaign.requests)} requests).")


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.VIEWER.value,
    show_default=True,
)
@click.option("--name", default="", help="Display name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email: str, role: str, name: str, password_stdin: bool) -> None:
    """Add a user with a role (admin, editor or viewer)."""
    password = _read_password(password_stdin)
    try:
        user = accounts.create_user(db.session, email, password, role=Role(role), name=name)
    except ValidationFailed as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role}).")


@click.command("bootstrap-admin")
@with_appcontext
@click.option(
    "--email",
    default=lambda: os.environ.get("FOIATRACK_ADMIN_EMAIL", "admin@example.org"),
    show_default="admin@example.org or $FOIATRACK_ADMIN_EMAIL",
)
def bootstrap_admin_command(email: str) -> None:
    """Create the first admin if there is none; print its password once, save it in instance/."""
    password_file = Path(current_app.instance_path) / ADMIN_PASSWORD_FILE
    if db.session.scalar(select(User.id).where(User.role == Role.ADMIN).limit(1)) is not None:
        click.echo(
            f"An admin exists already. The first admin's password (unless changed since) "
            f"is in {password_file}."
        )
        return
    password = accounts.generate_password()
    user = accounts.create_user(db.session, email, password, role=Role.ADMIN, name="Admin")
    fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"{user.email}\n{password}\n")
    db.session.commit()
    click.echo(
        f"Created the first admin.\n  e-mail:   {user.email}\n  password: {password}\n"
        f"(saved in {password_file}; change it under 'Your account' after logging in)"
    )


@click.command("import-agencies")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; import nothing.")
def import_agencies_command(file: Path, dry_run: bool) -> None:
    """Import agencies from a CSV file (foiatrack's columns or the FBI CDE agency list)."""
    try:
        report = importing.import_agencies(db.session, file.read_bytes(), dry_run=dry_run)
    except ValidationFailed as exc:
        _fail(exc)
    for outcome in report.outcomes:
        reason = f" ({outcome.reason})" if outcome.reason else ""
        click.echo(
            f"line {outcome.line}: {outcome.action.value} {outcome.name} [{outcome.state}]{reason}"
        )
    if dry_run:
        db.session.rollback()
        click.echo(f"Dry run ({report.format.value}): {report.summary}. Nothing was imported.")
    else:
        db.session.commit()
        click.echo(f"Imported ({report.format.value}): {report.summary}.")


@click.command("agencies")
@with_appcontext
@click.option("--state", help="Two-letter state code, DC or US.")
@click.option("--ring-partners", is_flag=True, help="Only agencies with a Ring partnership.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def agencies_command(state: str | None, ring_partners: bool, as_json: bool) -> None:
    """List agencies."""
    agencies = list_agencies(
        db.session, AgencyFilter(state=state, ring_partners_only=ring_partners)
    )
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": a.id,
                        "name": a.name,
                        "state": a.state,
                        "city": a.city,
                        "county": a.county,
                        "email": a.email,
                        "portal_url": a.portal_url,
                        "ring_partner": a.is_ring_partner,
                        "ring_partner_since": a.ring_partner_since.isoformat()
                        if a.ring_partner_since
                        else None,
                        "ori": a.ori,
                        "kind": a.kind,
                    }
                    for a in agencies
                ],
                indent=2,
            )
        )
        return
    for a in agencies:
        ring = " [Ring partner]" if a.is_ring_partner else ""
        place = f", {a.city}" if a.city else ""
        click.echo(f"{a.id:>6}  {a.state}  {a.name}{place}{ring}")
    click.echo(f"{len(agencies)} agencies")


def register_cli(app: Flask) -> None:
    for command in (
        init_db_command,
        create_user_command,
        bootstrap_admin_command,
        import_agencies_command,
        agencies_command,
        due_date_command,
        requests_command,
        remind_command,
        draft_command,
        render_command,
        send_command,
        upload_command,
        search_command,
        reindex_command,
        regroup_command,
        evidence_command,
        fetch_mail_command,
    ):
        app.cli.add_command(command)

"""Documents on the command line: upload files onto a request."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from foiatrack.adapters import blob_store
from foiatrack.domain.documents.services import upload_document
from foiatrack.domain.errors import DomainError
from foiatrack.domain.requests.services import get_request
from foiatrack.extensions import db
from foiatrack.tasks import extract_document


@click.command("upload")
@click.argument("request_id", type=int)
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@with_appcontext
def upload_command(request_id: int, files: tuple[Path, ...]) -> None:
    """Add files to a request; the same content twice is linked, not stored twice."""
    from foiatrack.adapters.text_extraction import sniff_media_type

    session = db.session
    try:
        request = get_request(session, request_id)
    except DomainError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    config = current_app.config
    failed = 0
    for path in files:
        try:
            result = upload_document(
                session,
                request,
                filename=path.name,
                data=path.read_bytes(),
                store=blob_store(config).put,
                sniff=sniff_media_type,
                actor=None,
                today=dt.date.today(),
                max_size=config["MAX_UPLOAD_SIZE"],
            )
        except DomainError as error:
            session.rollback()
            failed += 1
            click.echo(f"{path.name}: refused: {error}", err=True)
            continue
        session.commit()
        document = result.document
        if result.is_new:
            status = extract_document(session, document.id, config)
            click.echo(
                f"{path.name}: document {document.id} ({document.media_type}, text {status})"
            )
        else:
            click.echo(
                f"{path.name}: already on request {request_id} as document "
                f"{document.id} (same content)"
            )
    sys.exit(1 if failed else 0)

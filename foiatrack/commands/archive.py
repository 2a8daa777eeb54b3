"""The archive on the command line: find near-duplicate groups, write an evidence bundle."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from foiatrack.adapters import blob_store
from foiatrack.domain.documents import exports, similarity
from foiatrack.domain.errors import DomainError
from foiatrack.extensions import db


@click.command("regroup")
@click.option(
    "--recompute", is_flag=True, help="Shingle every document again, not only changed ones."
)
@click.option(
    "--threshold",
    type=click.FloatRange(0.5, 1.0),
    default=similarity.THRESHOLD,
    show_default=True,
    help="Estimated share of 5-word runs two documents must have in common.",
)
@click.option("--show", type=int, default=20, show_default=True, help="Groups to list.")
@with_appcontext
def regroup_command(recompute: bool, threshold: float, show: int) -> None:
    """Group near-duplicate documents across agencies (MinHash + LSH); keeps group numbers."""
    session = db.session
    bar: Any = None

    def progress(done: int, total: int | None = None, message: str = "") -> None:
        nonlocal bar
        # Signatures computed so far survive an interruption.
        session.commit()
        if total and bar is None and total > 0:
            bar = click.progressbar(length=total, label="Signatures", file=sys.stderr)
            bar.__enter__()
        if bar is not None and total:
            bar.update(done - bar.pos)

    try:
        report = similarity.regroup(
            session, threshold=threshold, recompute=recompute, progress=progress
        )
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    session.commit()
    click.echo(report.summary())
    for summary in similarity.list_groups(session, limit=show):
        label = summary.group.label or "(no title)"
        click.echo(
            f"  group {summary.group.id}: {summary.documents} documents from "
            f"{summary.agencies} agencies  {label}"
        )


@click.command("evidence")
@click.argument("request_id", type=int)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    required=True,
    help="ZIP file to write (or a folder to write request-<id>-evidence.zip into).",
)
@with_appcontext
def evidence_command(request_id: int, output: Path) -> None:
    """Write a request's evidence bundle: letters, original e-mails, attachments, timeline,
    SHA256SUMS."""
    if output.is_dir():
        output = output / f"request-{request_id}-evidence.zip"
    partial = output.with_name(output.name + ".partial")
    try:
        with (
            open(partial, "wb") as out,
            click.progressbar(length=1, label="Bundling", file=sys.stderr, show_pos=True) as bar,
        ):

            def step(done: int, total: int | None = None, message: str = "") -> None:
                bar.length = total or bar.length
                bar.update(done - bar.pos)

            summary = exports.write_evidence_bundle(
                out, db.session, request_id, blob_store(current_app.config), progress=step
            )
    except DomainError as error:
        partial.unlink(missing_ok=True)
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    partial.replace(output)
    digest = hashlib.sha256(output.read_bytes()).hexdigest()
    counts = ", ".join(f"{summary.count(k)} {k}s" for k in exports.EVIDENCE_KINDS)
    click.echo(f"{output}: {len(summary.files)} files ({counts}); SHA-256 {digest}")
    for note in summary.notes:
        click.echo(f"  note: {note}")

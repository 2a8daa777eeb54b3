"""Ingest: agency replies with PDF attachments fetched from a real Dovecot, then their text.

Dovecot runs on a loopback port (tests/servers.py's `dovecot_server`, the server the tests
use). `bench.workload.plan_emails` plans the replies from a seed: acknowledgements, extension
letters, fee estimates, refusals and releases of records, each with PDF attachments of 1 to 10
pages; about 45 % carry our subject tag "[FOIA FT-<id>]", 25 % come to a request's reply address
(foia+<token>@) and 30 % route to nothing and wait in the inbox. They are appended with IMAP
APPEND, one at a time, streamed (never all in memory).

For each database (SQLite, then PostgreSQL in a schema of its own), in a fresh database built
through the services (`build_workload`, with seeded reply tokens so one mailbox suits every
database), a child process runs `fetch_pass` as `flask fetch-mail` does: store each message,
parse, route, link, make documents and index, commit, flag it on the server. Text extraction
is not part of it: the command queues it as a job after the pass, and so it is measured apart.

- app: messages per second of that pass (wall time of `fetch_pass`, connection already open);
- raw: the same messages with a bare imapclient (login, SELECT, UID SEARCH, FETCH BODY.PEEK[]
  in the adapter's batches of 20) and `email.message_from_bytes(policy=default)`, every leaf
  part decoded with get_content(): what fetching and parsing costs with nothing stored.

Raw and app runs alternate, so both see the same machine load; the figure is the median.
Memory: each pass runs in a process of its own, whose peak resident size is reset when the
pass starts and read when it ends; the full run also passes over 200 of the messages, so the
two peaks show whether memory grows with the mailbox.

Text extraction: the extraction job (`extract_pending_later`, inline) over the documents the
pass made, in pages per second, and `foiatrack.adapters.text_extraction.extract` against
pdfminer.six's `extract_text` on the same PDF files.

    python -m bench.run --only ingest [--quick]     1,000 messages (quick: 150)
    python -m bench.bench_ingest --profile [--messages N] [--show-all]

FOIATRACK_BENCH_INGEST_MESSAGES overrides the number of messages.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.bench_dashboard import (
    make_instance,
    postgres_backend,
    postgres_reachable,
)
from bench.harness import Result, log, python_command
from bench.workload import (
    OUR_ADDRESS,
    OUR_NAME,
    EmailPlan,
    MailTarget,
    build_workload,
    email_bytes,
    mail_targets,
    pdf_bytes,
    plan_emails,
    seed_reply_tokens,
)
from foiatrack import PROJECT_ROOT
from foiatrack.adapters.imap import BATCH_BYTES, BATCH_COUNT

SEED = 2026
TODAY = dt.date(2026, 6, 1)
FULL_MESSAGES = 1_000
QUICK_MESSAGES = 150
#: the smaller pass of the full run, to see whether memory grows with the mailbox
SMALL_MESSAGES = 200
FULL_REQUESTS = 1_000
QUICK_REQUESTS = 300
#: pages read by both extractors (pdfminer takes tens of milliseconds a page)
FULL_EXTRACT_PAGES = 400
QUICK_EXTRACT_PAGES = 100
TARGET_RATIO = 0.7
#: append this many messages per IMAP login
APPEND_CHUNK = 50
INBOX = "INBOX"
SMALL_FOLDER = "Small"
DONE_KEYWORD = "$Foiatrack"


# ---------------------------------------------------------------------------------------------
# The mailbox
# ---------------------------------------------------------------------------------------------


@dataclass
class Mailbox:
    """What was appended: how many messages and bytes, pages and attachments."""

    messages: int = 0
    size: int = 0
    attachments: int = 0
    pages: int = 0
    routes: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        routes = ", ".join(f"{n} {r.replace('_', ' ')}" for r, n in sorted(self.routes.items()))
        return (
            f"{self.messages:,} agency replies, {self.size / 1e6:.0f} MB, {self.attachments:,} "
            f"PDFs of {self.pages:,} pages ({routes}; seed {SEED})"
        )


def fill(imap: Any, folder: str, plans: list[EmailPlan], targets: list[MailTarget]) -> Mailbox:
    """APPEND the planned replies, a chunk at a time."""
    box = Mailbox()
    for start in range(0, len(plans), APPEND_CHUNK):
        chunk = plans[start : start + APPEND_CHUNK]
        data = [email_bytes(p, targets[p.target] if p.target is not None else None) for p in chunk]
        imap.append_many(folder, data)
        for plan, raw in zip(chunk, data, strict=True):
            box.messages += 1
            box.size += len(raw)
            box.attachments += len(plan.attachments)
            box.pages += plan.pages
            box.routes[plan.route] = box.routes.get(plan.route, 0) + 1
    return box


def unflag(imap: Any, folder: str) -> None:
    """Take the app's "handled" keyword off every message, so the next pass sees them again."""
    client = imap.client()
    try:
        client.select_folder(folder)
        uids = client.search(["ALL"])
        if uids:
            client.remove_flags(uids, [DONE_KEYWORD], silent=True)
    finally:
        client.logout()


# ---------------------------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------------------------


def _env(instance: Path, url: str, storage: Path, imap: Any, folder: str) -> dict[str, str]:
    return {
        "FOIATRACK_INSTANCE_PATH": str(instance),
        "FOIATRACK_SQLALCHEMY_DATABASE_URI": url,
        "FOIATRACK_STORAGE_DIR": str(storage),
        "FOIATRACK_IMAP_HOST": imap.host,
        "FOIATRACK_IMAP_PORT": str(imap.port),
        "FOIATRACK_IMAP_USERNAME": imap.user,
        "FOIATRACK_IMAP_PASSWORD": imap.password,
        "FOIATRACK_IMAP_SSL": "false",
        "FOIATRACK_IMAP_STARTTLS": "false",
        "FOIATRACK_IMAP_FOLDER": folder,
        "FOIATRACK_MAIL_FROM": json.dumps(f"{OUR_NAME} <{OUR_ADDRESS}>"),
        # The pass never starts text extraction (the command queues it after the pass); the
        # extraction child runs that job in its own process, where it is timed.
        "FOIATRACK_JOB_RUNNER": "inline",
    }


def build_database(instance: Path, url: str, requests: int) -> list[MailTarget]:
    """Migrate and fill a fresh database; the requests the replies answer."""
    from flask_migrate import upgrade

    from bench.bench_dashboard import app_env
    from foiatrack import create_app
    from foiatrack.extensions import db

    with app_env(instance, url):
        app = create_app()
        with app.app_context():
            upgrade(directory=str(PROJECT_ROOT / "migrations"))
            build_workload(db.session, seed=SEED, requests=requests, today=TODAY)
            seed_reply_tokens(db.session, random.Random(SEED + 1))
            db.session.commit()
            targets = mail_targets(db.session)
            db.session.remove()
            db.engine.dispose()
    return targets


# ---------------------------------------------------------------------------------------------
# Child processes: one pass each, so that each has its own peak memory
# ---------------------------------------------------------------------------------------------


def _child(
    command: str, env: dict[str, str], args: dict[str, Any], *, show_stderr: bool = False
) -> dict[str, Any]:
    """Run a CHILDREN command in a new process; its last line of output is its JSON answer."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_ingest", "--child", command, json.dumps(args)],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=None if show_stderr else subprocess.PIPE,
        text=True,
        check=False,
        timeout=1800,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{command} failed:\n{(done.stderr or '')[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _status_mb(field: str) -> float:
    match = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    return int(match.group(1)) / 1024 if match else 0.0


def _start_memory() -> float:
    """Forget the peak so far (importing the app peaks higher than a pass may) and return the
    resident size now; `_peak_mb` then reads the peak since."""
    with suppress(OSError):
        # "5" resets the peak resident size (VmHWM) of the process (Linux 4.0, proc(5))
        Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS")


def _peak_mb() -> float:
    return _status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_fetch(args: dict[str, Any]) -> dict[str, Any]:
    """One pass of fetch_pass as `flask fetch-mail` makes it, without the extraction after."""
    from foiatrack import create_app
    from foiatrack.adapters import blob_store
    from foiatrack.adapters.imap import ImapMailbox, imap_settings_from_config
    from foiatrack.domain.base import utcnow
    from foiatrack.domain.mail.fetching import fetch_pass
    from foiatrack.domain.mail.ingest import process_raw
    from foiatrack.extensions import db

    app = create_app()
    with app.app_context():
        config = app.config
        blobs = blob_store(config)

        def process(session: Any, raw: Any) -> str:
            return process_raw(session, raw, blobs=blobs, config=config, now=utcnow())

        settings = imap_settings_from_config(config)
        assert settings is not None
        mailbox = ImapMailbox(settings)
        profiler = None
        if args.get("profile"):
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.001)
            profiler.start()
        before_mb, cpu, start = _start_memory(), _cpu(), time.perf_counter()
        try:
            summary = fetch_pass(db.session, mailbox, store=blobs.put, process=process)
        finally:
            mailbox.close()
        seconds, cpu = time.perf_counter() - start, _cpu() - cpu
        if profiler is not None:
            profiler.stop()
            show_all = bool(args.get("show_all"))
            print(
                profiler.output_text(unicode=True, color=False, show_all=show_all), file=sys.stderr
            )
        db.session.remove()
        db.engine.dispose()
    return {
        "seconds": seconds,
        "cpu": cpu,
        "fetched": summary.fetched,
        "routed": summary.routed,
        "inbox": summary.inbox,
        "duplicates": summary.duplicates,
        "failed": summary.failed,
        "before_mb": before_mb,
        "peak_mb": _peak_mb(),
    }


def child_raw(args: dict[str, Any]) -> dict[str, Any]:
    """Fetch and parse the folder with imapclient and the standard library alone."""
    from imapclient import IMAPClient

    client = IMAPClient(args["host"], port=args["port"], ssl=False, timeout=60)
    # imapclient turns imaplib's debug output on to route it to a logger, which formats every
    # literal it reads; the adapter turns it off, and so does this baseline.
    client._imap.debug = 0
    client.login(args["user"], args["password"])
    client.select_folder(args["folder"], readonly=True)
    before_mb, cpu, start = _start_memory(), _cpu(), time.perf_counter()
    uids = client.search(["ALL"])
    messages = parts = size = 0
    for index in range(0, len(uids), BATCH_COUNT):
        batch = uids[index : index + BATCH_COUNT]
        response = client.fetch(batch, ["BODY.PEEK[]"])
        for uid in batch:
            data = response.pop(uid)[b"BODY[]"]
            size += len(data)
            message = email.message_from_bytes(data, policy=email.policy.default)
            for part in message.walk():
                if not part.is_multipart():
                    part.get_content()
                    parts += 1
            messages += 1
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    client.logout()
    return {
        "seconds": seconds,
        "cpu": cpu,
        "messages": messages,
        "parts": parts,
        "size": size,
        "before_mb": before_mb,
        "peak_mb": _peak_mb(),
    }


def child_extract(args: dict[str, Any]) -> dict[str, Any]:
    """The extraction job `fetch-mail` queues after its pass, run inline and timed."""
    import sqlalchemy as sa

    from foiatrack import create_app
    from foiatrack.domain.documents.models import Document, DocumentPage
    from foiatrack.domain.jobs.models import Job
    from foiatrack.extensions import db
    from foiatrack.tasks import extract_pending_later

    app = create_app()
    with app.app_context():
        _start_memory()
        start, cpu = time.perf_counter(), _cpu()
        job_id = extract_pending_later(app, actor=None)
        seconds, cpu = time.perf_counter() - start, _cpu() - cpu
        job = db.session.get(Job, job_id) if job_id is not None else None
        pages = db.session.scalar(sa.select(sa.func.count()).select_from(DocumentPage)) or 0
        documents = db.session.scalar(sa.select(sa.func.count()).select_from(Document)) or 0
        result = {
            "seconds": seconds,
            "cpu": cpu,
            "pages": pages,
            "documents": documents,
            "status": str(job.status) if job else "none",
            "statuses": (job.result or {}).get("statuses", {}) if job else {},
            "peak_mb": _peak_mb(),
        }
        db.session.remove()
        db.engine.dispose()
    return result


CHILDREN: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "fetch": child_fetch,
    "raw": child_raw,
    "extract": child_extract,
}


# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------


@dataclass
class Pass:
    """One app pass or raw read: messages, seconds, CPU seconds, peak memory."""

    messages: int
    seconds: float
    cpu: float
    peak_mb: float
    before_mb: float
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


def raw_pass(imap: Any, folder: str) -> Pass:
    out = _child(
        "raw",
        {},
        {"host": imap.host, "port": imap.port, "user": imap.user, "password": imap.password,
         "folder": folder},
    )  # fmt: skip
    return Pass(out["messages"], out["seconds"], out["cpu"], out["peak_mb"], out["before_mb"], out)


def app_pass(env: dict[str, str]) -> Pass:
    out = _child("fetch", env, {})
    if out["failed"] or out["duplicates"]:
        raise RuntimeError(f"the pass did not ingest every message cleanly: {out}")
    return Pass(out["fetched"], out["seconds"], out["cpu"], out["peak_mb"], out["before_mb"], out)


@dataclass
class Database:
    """How to get a fresh database holding the built workload, once per pass."""

    label: str
    fresh: Callable[[], AbstractContextManager[str]]
    #: the requests the replies answer, the same in every database built from SEED
    targets: list[MailTarget]


def sqlite_database(folder: Path, requests: int) -> Database:
    """Built once, then copied: a copy of the file is a fresh database."""
    template = folder / "template.sqlite"
    targets = build_database(make_instance(folder / "template"), f"sqlite:///{template}", requests)
    counter = iter(range(1_000_000))

    @contextmanager
    def fresh() -> Iterator[str]:
        path = folder / f"run-{next(counter)}.sqlite"
        shutil.copyfile(template, path)
        try:
            yield f"sqlite:///{path}"
        finally:
            path.unlink(missing_ok=True)

    return Database("sqlite", fresh, targets)


def postgres_database(folder: Path, requests: int, targets: list[MailTarget]) -> Database:
    """A schema of its own per pass, built from scratch (a few seconds)."""
    instance = make_instance(folder / "template-postgresql")
    counter = iter(range(1_000_000))

    @contextmanager
    def fresh() -> Iterator[str]:
        with postgres_backend(f"ingest{next(counter)}") as backend:
            if build_database(instance, backend.url, requests) != targets:
                raise RuntimeError("PostgreSQL got other requests than SQLite from the same seed")
            yield backend.url

    return Database("postgresql", fresh, targets)


@dataclass
class Measured:
    label: str
    app: list[Pass]
    raw: list[Pass]
    small: Pass | None = None
    extraction: dict[str, Any] | None = None
    load: list[float] = field(default_factory=list)


def measure(
    database: Database,
    folder: Path,
    imap: Any,
    *,
    app_runs: int,
    small: bool,
    extract: bool,
) -> Measured:
    instance = make_instance(folder / database.label)
    measured = Measured(database.label, [], [])
    for run in range(app_runs):
        measured.raw.append(raw_pass(imap, INBOX))
        storage = folder / database.label / f"files-{run}"
        with database.fresh() as url:
            measured.load.append(os.getloadavg()[0])
            env = _env(instance, url, storage, imap, INBOX)
            one = app_pass(env)
            measured.app.append(one)
            cpu_ms = one.cpu / one.messages * 1000
            log(
                f"   {database.label}: app {one.rate:.1f} msg/s ({cpu_ms:.1f} ms CPU each), "
                f"raw {measured.raw[-1].rate:.1f} msg/s, peak {one.peak_mb:.0f} MB"
            )
            if extract and run == 0:
                measured.extraction = _child("extract", env, {})
                log(
                    f"   {database.label}: extraction job {measured.extraction['pages']:,} pages "
                    f"in {measured.extraction['seconds']:.1f} s"
                )
        shutil.rmtree(storage, ignore_errors=True)
        unflag(imap, INBOX)
    measured.raw.append(raw_pass(imap, INBOX))
    if small:
        storage = folder / database.label / "files-small"
        with database.fresh() as url:
            measured.small = app_pass(_env(instance, url, storage, imap, SMALL_FOLDER))
        shutil.rmtree(storage, ignore_errors=True)
        small_pass = measured.small
        log(
            f"   {database.label}: {small_pass.messages} messages, peak {small_pass.peak_mb:.0f} MB"
        )
    return measured


# ---------------------------------------------------------------------------------------------
# Text extraction, adapter against pdfminer.six
# ---------------------------------------------------------------------------------------------


@dataclass
class Extraction:
    files: int
    pages: int
    app_seconds: float
    raw_seconds: float
    app_chars: int
    raw_chars: int


def compare_extractors(plans: list[EmailPlan], pages: int) -> Extraction:
    """Both extractors over the same PDF files (the first attachments of the plans), one file
    after the other so that both see the same load."""
    from pdfminer.high_level import extract_text

    from foiatrack.adapters.text_extraction import extract

    files = [a for p in plans for a in p.attachments]
    measured = Extraction(0, 0, 0.0, 0.0, 0, 0)
    extract(pdf_bytes(files[0]), "application/pdf")  # loads pdfium and its fonts once
    extract_text(io.BytesIO(pdf_bytes(files[0])))
    for plan in files:
        if measured.pages >= pages:
            break
        data = pdf_bytes(plan)
        start = time.perf_counter()
        result = extract(data, "application/pdf")
        middle = time.perf_counter()
        text = extract_text(io.BytesIO(data))
        end = time.perf_counter()
        if result.page_count != plan.pages:
            raise RuntimeError(f"{plan.filename}: {result.page_count} pages, not {plan.pages}")
        measured.files += 1
        measured.pages += plan.pages
        measured.app_seconds += middle - start
        measured.raw_seconds += end - middle
        measured.app_chars += sum(len(p) for p in result.pages)
        measured.raw_chars += len(text)
    return measured


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


def _median_rate(passes: list[Pass]) -> float:
    return statistics.median(p.rate for p in passes)


def _results(
    measured: Measured, box: Mailbox, requests: int, *, quick: bool, small_box: Mailbox | None
) -> list[Result]:
    command = python_command(*(["--quick"] if quick else []), "--only", "ingest")
    label = measured.label
    app_rate, raw_rate = _median_rate(measured.app), _median_rate(measured.raw)
    ratio = app_rate / raw_rate
    cpu_app = statistics.median(p.cpu / p.messages * 1000 for p in measured.app)
    cpu_raw = statistics.median(p.cpu / p.messages * 1000 for p in measured.raw)
    first = measured.app[0].detail
    peak = max(p.peak_mb for p in measured.app)
    memory = (
        f"Peak resident memory of the fetching process during the pass {peak:.0f} MB "
        f"({measured.app[0].before_mb:.0f} MB when it started)"
    )
    results = [
        Result(
            name=f"ingest/{label}",
            metric="fetch_pass (flask fetch-mail before text extraction): messages per second",
            workload=f"{box.describe()}; {requests:,} requests",
            app=app_rate,
            unit="msg/s",
            raw=raw_rate,
            peak_memory_mb=peak,
            target=f">= {TARGET_RATIO}x raw fetch and parse",
            met=ratio >= TARGET_RATIO,
            notes=(
                f"Raw: imapclient FETCH BODY.PEEK[] in batches of {BATCH_COUNT} plus "
                "email.message_from_bytes(policy=default) with every part decoded. Medians of "
                f"{len(measured.app)} app and {len(measured.raw)} raw passes, alternated (app "
                + ", ".join(f"{p.rate:.1f}" for p in measured.app)
                + "; raw "
                + ", ".join(f"{p.rate:.1f}" for p in measured.raw)
                + f" msg/s). CPU per message: app {cpu_app:.1f} ms, raw {cpu_raw:.1f} ms "
                f"(Dovecot's and PostgreSQL's own not counted). Routed {first['routed']}, to "
                f"the inbox {first['inbox']}. {memory}. Load average when measuring: "
                + ", ".join(f"{x:.1f}" for x in measured.load)
                + f" on {os.cpu_count()} cores."
            ),
            command=command,
        )
    ]
    if measured.small is not None and small_box is not None:
        small = measured.small
        growth = peak - small.peak_mb
        results.append(
            Result(
                name=f"ingest-memory/{label}",
                metric="peak resident memory of the fetching process during the pass",
                workload=f"{box.messages:,} messages ({box.size / 1e6:.0f} MB) against "
                f"{small_box.messages} ({small_box.size / 1e6:.0f} MB)",
                app=peak,
                unit="MB",
                peak_memory_mb=peak,
                target=f"bounded: grows by less than one fetch batch ({BATCH_BYTES // 2**20} MB) "
                "from 200 to 1,000 messages",
                met=growth < BATCH_BYTES / 2**20,
                notes=(
                    f"Peak {small.peak_mb:.0f} MB over {small_box.messages} messages, "
                    f"{peak:.0f} MB over {box.messages:,} (resident when the pass started: "
                    f"{small.before_mb:.0f} and {measured.app[0].before_mb:.0f} MB; the peak "
                    "is reset first through /proc/self/clear_refs, as importing the app peaks "
                    "higher). The adapter fetches at most 20 messages or 8 MB at a time and "
                    "the pass keeps one message in hand."
                ),
                command=command,
            )
        )
    if measured.extraction:
        ex = measured.extraction
        results.append(
            Result(
                name=f"ingest-extract-job/{label}",
                metric="extraction job after the pass (extract_pending_later): pages per second",
                workload=f"{ex['documents']:,} documents of the routed replies, {ex['pages']:,} "
                "pages",
                app=ex["pages"] / ex["seconds"],
                unit="pages/s",
                peak_memory_mb=ex["peak_mb"],
                notes=(
                    f"pypdfium2 text layer, page texts saved, indexed and committed per "
                    f"document, then near-duplicate grouping; {ex['seconds']:.1f} s, "
                    f"{ex['cpu'] / ex['pages'] * 1000:.1f} ms CPU per page. Statuses: "
                    f"{ex['statuses']}."
                ),
                command=command,
            )
        )
    return results


def _extraction_result(ex: Extraction, *, quick: bool) -> Result:
    command = python_command(*(["--quick"] if quick else []), "--only", "ingest")
    return Result(
        name="ingest-extract/pdf",
        metric="text_extraction.extract on PDFs: pages per second",
        workload=f"{ex.files} attached PDFs, {ex.pages} pages (text layer, letterhead image)",
        app=ex.pages / ex.app_seconds,
        unit="pages/s",
        raw=ex.pages / ex.raw_seconds,
        notes=(
            "Raw: pdfminer.six extract_text on the same files, one after the other. The app "
            f"reads the text layer with pypdfium2 (PDFium, C++). Characters read: app "
            f"{ex.app_chars:,}, pdfminer {ex.raw_chars:,}."
        ),
        command=command,
    )


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------


def _plans(messages: int, targets: int) -> list[EmailPlan]:
    return plan_emails(random.Random(SEED), messages, targets=targets, today=TODAY)


def run(quick: bool) -> list[Result]:
    from tests.servers import dovecot_server, dovecot_unavailable

    reason = dovecot_unavailable()
    if reason is not None:
        log(f"   skipped: {reason}")
        return []
    messages = int(os.environ.get("FOIATRACK_BENCH_INGEST_MESSAGES", "0")) or (
        QUICK_MESSAGES if quick else FULL_MESSAGES
    )
    requests = QUICK_REQUESTS if quick else FULL_REQUESTS
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="foiatrack-bench-ingest-") as tmp:
        folder = Path(tmp)
        sqlite = sqlite_database(folder, requests)
        # Every database gets the same requests and reply tokens: one mailbox suits them all.
        targets = sqlite.targets
        plans = _plans(messages, len(targets))
        with dovecot_server() as imap:
            started = time.perf_counter()
            box = fill(imap, INBOX, plans, targets)
            small_box = None
            if not quick:
                small_box = fill(imap, SMALL_FOLDER, plans[:SMALL_MESSAGES], targets)
            log(f"   appended {box.describe()} in {time.perf_counter() - started:.0f} s")
            raw_pass(imap, INBOX)  # Dovecot's index and cache, and the page cache: warm
            measured = measure(
                sqlite, folder, imap, app_runs=1 if quick else 2, small=not quick, extract=True
            )
            results += _results(measured, box, requests, quick=quick, small_box=small_box)
            if postgres_reachable():
                pg = postgres_database(folder, requests, targets)
                measured = measure(pg, folder, imap, app_runs=1, small=False, extract=False)
                results += _results(measured, box, requests, quick=quick, small_box=None)
            else:
                log("   PostgreSQL is not reachable: skipped")
        log("   comparing extractors")
        results.append(
            _extraction_result(
                compare_extractors(plans, QUICK_EXTRACT_PAGES if quick else FULL_EXTRACT_PAGES),
                quick=quick,
            )
        )
    return results


def profile(messages: int, *, show_all: bool = False) -> None:
    """Print where one pass over `messages` replies spends its time (pyinstrument, SQLite)."""
    from tests.servers import dovecot_server

    with tempfile.TemporaryDirectory(prefix="foiatrack-profile-ingest-") as tmp:
        folder = Path(tmp)
        sqlite = sqlite_database(folder, FULL_REQUESTS)
        targets = sqlite.targets
        plans = _plans(messages, len(targets))
        with dovecot_server() as imap, sqlite.fresh() as url:
            box = fill(imap, INBOX, plans, targets)
            raw = raw_pass(imap, INBOX)
            env = _env(make_instance(folder / "run"), url, folder / "files", imap, INBOX)
            done = _child("fetch", env, {"profile": True, "show_all": show_all}, show_stderr=True)
            log(f"{box.describe()}: app {done['fetched'] / done['seconds']:.1f} msg/s under the "
                f"profiler, raw {raw.rate:.1f} msg/s")  # fmt: skip


def _main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Ingest benchmark helpers.")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help="profile one pass (SQLite)")
    parser.add_argument("--messages", type=int, default=FULL_MESSAGES)
    parser.add_argument("--show-all", action="store_true", help="library frames too")
    parser.add_argument("args", nargs="?", default="{}", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        print(json.dumps(CHILDREN[options.child](json.loads(options.args))))
        return 0
    if options.profile:
        profile(options.messages, show_all=options.show_all)
        return 0
    parser.error("use --profile (the benchmark itself runs with python -m bench.run)")
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))

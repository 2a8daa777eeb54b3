"""The deadline dashboard at 10,000 requests, under gunicorn, on SQLite and PostgreSQL.

For each database: build the workload in a fresh database, count the SQL statements one page
issues (at 100 requests and at the full size: they must be equal), start `gunicorn -w 2
wsgi:app`, log in once, time single requests, then load `/` with wrk (8 connections, 30 s)
and read p50/p90/p95/p99 from wrk's latency histogram (a Lua `done` hook prints p95, which
wrk's own report lacks). The raw figure is the very statements the page issued, replayed with
the bare driver (sqlite3, psycopg) on the same database: what the page would cost if the app
added nothing to the SQL.
"""

from __future__ import annotations

import datetime as dt
import http.client
import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy.orm import Session

from bench.harness import (
    POSTGRES_URL,
    Result,
    child_pids,
    environment,
    log,
    own_peak_rss_mb,
    percentile,
    process_cpu_seconds,
    process_peak_rss_mb,
    python_command,
    timed_runs,
)
from bench.workload import Workload, build_workload
from foiatrack import PROJECT_ROOT, create_app
from foiatrack.domain.accounts.models import Role
from foiatrack.domain.accounts.services import create_user
from foiatrack.extensions import db

SEED = 2024
FULL_SIZE = 10_000
QUICK_SIZE = 2_000
#: sizes the query count is compared at: it must not grow with the data
SMALL_SIZE = 100
MID_SIZE = 1_000
CONNECTIONS = 8
WRK_THREADS = 2
WORKERS = 2
TARGET_P95_MS = 150.0
ADMIN_EMAIL = "bench-admin@example.org"
ADMIN_PASSWORD = "benchmark-admin-password"  # noqa: S105 - a throwaway database
PAGE_MARKER = "Deadline dashboard"
# Flask-Login's "strong" session protection ties the session to the address and User-Agent:
# every client here sends the same one.
USER_AGENT = "foiatrack-bench"

# wrk's report has no p95: its Lua `done` hook reads any percentile from the histogram, and
# counts answers that are not 200 (a redirect to the login page would otherwise look fast).
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_ok = 0 end
function response(status, headers, body) if status ~= 200 then not_ok = not_ok + 1 end end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("not_ok") end
  for _, p in ipairs({50, 90, 95, 99}) do
    io.write(string.format("bench-percentile %d %d\\n", p, latency:percentile(p)))
  end
  io.write(string.format("bench-summary %d %d %d %d\\n", summary.requests, summary.duration,
    bad, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout))
end
"""


@dataclass(frozen=True)
class Backend:
    label: str
    url: str
    #: a DB-API connection straight from the driver, no SQLAlchemy
    raw_connect: Callable[[], Any]


@dataclass
class Page:
    """What GET / did: the statements of a page built from scratch (cache off, with their
    parameters), the page size, the statements of a page served from the cache, and in-process
    timings of pages built from scratch."""

    statements: list[tuple[str, Any]]
    size: int
    cached_statements: int
    cold_ms: list[float]


@dataclass
class Load:
    """Latencies of a concurrent load, in milliseconds."""

    tool: str
    p50: float
    p90: float
    p95: float
    p99: float
    requests: int
    seconds: float
    not_ok: int
    socket_errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# ---------------------------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------------------------


@contextmanager
def sqlite_backend(folder: Path, name: str) -> Iterator[Backend]:
    import sqlite3

    path = folder / f"{name}.sqlite"
    yield Backend("sqlite", f"sqlite:///{path}", lambda: sqlite3.connect(path))


def postgres_reachable() -> bool:
    engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


@contextmanager
def postgres_backend(name: str) -> Iterator[Backend]:
    """A schema of our own in the PostgreSQL database, dropped afterwards.

    Every connection to it (the app's, gunicorn's, the raw driver's) carries the schema's name
    as its application_name, so that one left open in a transaction cannot block the DROP (and
    everyone else's DDL behind it) forever: it is ended first.
    """
    import psycopg

    schema = f"bench_{name}_{os.getpid()}"
    tag = f"foiatrack-{schema}"[:63]
    url = sa.engine.make_url(POSTGRES_URL).update_query_dict(
        {"options": f"-csearch_path={schema}", "application_name": tag}
    )
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield Backend(
            "postgresql", url.render_as_string(hide_password=False), lambda: psycopg.connect(dsn)
        )
    finally:
        with admin.begin() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :tag AND pid <> pg_backend_pid()"
                ),
                {"tag": tag},
            )
            conn.execute(sa.text("SET LOCAL lock_timeout = '60s'"))
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def make_instance(folder: Path) -> Path:
    """An instance folder with its secret key, made the way an operator makes one."""
    instance = folder / "instance"
    subprocess.run(
        [sys.executable, "-m", "foiatrack.config", "init-instance", str(instance)],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    return instance


@contextmanager
def app_env(instance: Path, url: str, *, cache: bool = True) -> Iterator[dict[str, str]]:
    values = {
        # 0 rebuilds the dashboard on every view; the default reuses it while nothing changed
        "FOIATRACK_DASHBOARD_CACHE_SECONDS": "60" if cache else "0",
        "FOIATRACK_INSTANCE_PATH": str(instance),
        "FOIATRACK_SQLALCHEMY_DATABASE_URI": url,
        # plain HTTP on 127.0.0.1: a Secure cookie would never be sent back
        "FOIATRACK_SESSION_COOKIE_SECURE": "false",
        "FOIATRACK_REMEMBER_COOKIE_SECURE": "false",
    }
    with environment(**values):
        yield values


def build(instance: Path, backend: Backend, size: int, cold_runs: int = 0) -> tuple[Workload, Page]:
    """Migrate, fill with `size` requests and an admin, and capture one dashboard page."""
    with app_env(instance, backend.url):
        app = create_app()
        with app.app_context():
            upgrade(directory=str(PROJECT_ROOT / "migrations"))
            workload = build_workload(db.session, seed=SEED, requests=size, today=dt.date.today())
            create_user(db.session, ADMIN_EMAIL, ADMIN_PASSWORD, role=Role.ADMIN)
            db.session.commit()
            analyze(db.session)
            page = capture_page(app, cold_runs)
            db.session.remove()
            db.engine.dispose()
    return workload, page


def analyze(session: Session) -> None:
    """Give PostgreSQL's planner statistics for the freshly loaded tables.

    In production autovacuum does this within a minute or so of a bulk change; a benchmark that
    starts right after loading would otherwise measure plans made for empty tables (nested
    loops over 10,000 rows: seconds per query). SQLite is left as an installation has it.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    tables = session.scalars(
        sa.text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    ).all()
    # only this benchmark's schema: a bare ANALYZE would visit every schema in the database
    session.execute(sa.text("ANALYZE " + ", ".join(f'"{t}"' for t in tables)))
    session.commit()


def _statements_of(app: Flask, work: Callable[[], Any]) -> list[tuple[str, Any]]:
    statements: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    return statements


def _use_cache(app: Flask, seconds: int) -> None:
    app.config["DASHBOARD_CACHE_SECONDS"] = seconds
    app.extensions.pop("foiatrack.dashboard_cache", None)  # made again from the setting


def capture_page(app: Flask, cold_runs: int = 0) -> Page:
    """GET / through the test client, recording every statement sent to the database.

    First with the cache off (the statements a page built from scratch needs, replayed as the
    raw figure, and `cold_runs` timings), then with it on (the statements of a cached view).
    """
    client = app.test_client()
    login_page = client.get("/auth/login").get_data(as_text=True)
    response = client.post(
        "/auth/login",
        data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": _csrf(login_page)},
    )
    if response.status_code != 302:
        raise RuntimeError(f"login failed with {response.status_code}")
    pages = []
    _use_cache(app, 0)
    statements = _statements_of(app, lambda: pages.append(client.get("/")))
    cold_ms = timed_runs(lambda: client.get("/"), cold_runs) if cold_runs else []
    _use_cache(app, 60)
    client.get("/")  # builds and caches the board
    cached = _statements_of(app, lambda: pages.append(client.get("/")))
    for page in pages:
        html = page.get_data(as_text=True)
        if page.status_code != 200 or PAGE_MARKER not in html:
            raise RuntimeError(f"the dashboard answered {page.status_code}")
    if _without_tokens(pages[0]) != _without_tokens(pages[1]):
        raise RuntimeError("the cached dashboard differs from the one built from scratch")
    return Page(statements, len(pages[0].get_data()), len(cached), cold_ms)


def _without_tokens(page: Any) -> str:
    """The page without its CSRF tokens, which are signed afresh for every response."""
    return re.sub(r'name="csrf_token" value="[^"]+"', "", page.get_data(as_text=True))


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token on the login page")
    return match.group(1)


def replay(backend: Backend, page: Page, runs: int) -> list[float]:
    """The page's statements with the bare driver, timed per page (milliseconds)."""
    conn = backend.raw_connect()
    try:

        def one_page() -> None:
            cursor = conn.cursor()
            for statement, parameters in page.statements:
                cursor.execute(statement, parameters)
                cursor.fetchall()
            cursor.close()

        return timed_runs(one_page, runs)
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# gunicorn and the load
# ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(
    instance: Path, url: str, log_path: Path, *, cache: bool = True
) -> Iterator[tuple[str, int]]:
    """`gunicorn -w 2 wsgi:app` on a free port; yields the base URL and the master's pid."""
    port = free_port()
    binary = Path(sys.executable).parent / "gunicorn"
    with app_env(instance, url, cache=cache) as values, log_path.open("wb") as out:
        process = subprocess.Popen(
            [str(binary), "-w", str(WORKERS), "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=PROJECT_ROOT,
            env={**os.environ, **values},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"gunicorn did not start:\n{log_path.read_text()[-3000:]}"
                    ) from None
                time.sleep(0.2)
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def login_cookie(base: str) -> str:
    """Log in over HTTP like a browser; the session cookie's value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    with opener.open(f"{base}/auth/login", timeout=10) as r:
        token = _csrf(r.read().decode())
    form = urllib.parse.urlencode(
        {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": token}
    ).encode()
    with opener.open(f"{base}/auth/login", data=form, timeout=30) as r:
        if PAGE_MARKER not in r.read().decode():
            raise RuntimeError("logging in did not lead to the dashboard")
    for cookie in jar:
        if cookie.name == "session" and cookie.value:
            return cookie.value
    raise RuntimeError("no session cookie after logging in")


def get_page(base: str, cookie: str) -> tuple[int, float]:
    """One GET / on a new connection (gunicorn's sync workers close it): status, ms."""
    parts = urllib.parse.urlsplit(base)
    start = time.perf_counter()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", "/", headers={"Cookie": f"session={cookie}", "User-Agent": USER_AGENT})
        response = conn.getresponse()
        response.read()
        return response.status, (time.perf_counter() - start) * 1000
    finally:
        conn.close()


def sequential(base: str, cookie: str, count: int) -> list[float]:
    """Latencies of `count` requests one after the other: the page's own cost, no queueing."""
    times = []
    for _ in range(count):
        status, ms = get_page(base, cookie)
        if status != 200:
            raise RuntimeError(f"GET / answered {status}")
        times.append(ms)
    return times


def wrk(base: str, cookie: str, seconds: int, folder: Path) -> Load:
    script = folder / "percentiles.lua"
    script.write_text(WRK_SCRIPT)
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(script),
        "-H",
        f"Cookie: session={cookie}",
        "-H",
        f"User-Agent: {USER_AGENT}",
        f"{base}/",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    pct = {
        int(p): int(us) / 1000 for p, us in re.findall(r"bench-percentile (\d+) (\d+)", done.stdout)
    }
    summary = re.search(r"bench-summary (\d+) (\d+) (\d+) (\d+)", done.stdout)
    if not pct or not summary:
        raise RuntimeError(f"could not read wrk's output:\n{done.stdout}\n{done.stderr}")
    requests, micros, not_ok, errors = (int(g) for g in summary.groups())
    return Load("wrk", pct[50], pct[90], pct[95], pct[99], requests, micros / 1e6, not_ok, errors)


def python_load(base: str, cookie: str, seconds: int) -> Load:
    """The same load from Python threads, when wrk is not installed (slower client side)."""
    latencies: list[float] = []
    not_ok = [0]
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        while time.monotonic() < deadline:
            try:
                status, ms = get_page(base, cookie)
            except OSError:
                with lock:
                    errors[0] += 1
                continue
            with lock:
                latencies.append(ms)
                not_ok[0] += status != 200

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return Load(
        "python http.client threads",
        *(percentile(latencies, p) for p in (50, 90, 95, 99)),
        requests=len(latencies),
        seconds=elapsed,
        not_ok=not_ok[0],
        socket_errors=errors[0],
    )


# ---------------------------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------------------------


def measure(backend_for: Callable[[str], Any], label: str, quick: bool) -> list[Result]:
    size = QUICK_SIZE if quick else FULL_SIZE
    seconds = 10 if quick else 30
    raw_runs = 100 if quick else 300
    single_runs = 20 if quick else 50
    command = python_command(*(["--quick"] if quick else []), "--only", "dashboard")
    folder = Path(tempfile.mkdtemp(prefix=f"foiatrack-bench-{label}-"))
    try:
        counts = {}
        for small in (SMALL_SIZE, MID_SIZE):
            with backend_for(f"n{small}") as small_db:
                log(f"   {label}: {small:,} requests")
                _, small_page = build(make_instance(folder / f"n{small}"), small_db, small)
                counts[small] = len(small_page.statements)
        with backend_for("large") as backend:
            instance = make_instance(folder / "large")
            log(f"   {label}: building {size:,} requests")
            workload, page = build(instance, backend, size, cold_runs=single_runs)
            log(f"   {label}: built in {workload.seconds:.0f} s; {len(page.statements)} statements")
            raw = replay(backend, page, raw_runs)
            with gunicorn(instance, backend.url, folder / "gunicorn.log") as (base, master):
                cookie = login_cookie(base)
                single = sequential(base, cookie, single_runs)
                log(f"   {label}: loading / for {seconds} s with {CONNECTIONS} connections")
                workers = child_pids(master)
                cpu_before = sum(process_cpu_seconds(pid) for pid in workers)
                load = (
                    wrk(base, cookie, seconds, folder)
                    if shutil.which("wrk")
                    else python_load(base, cookie, seconds)
                )
                cpu = sum(process_cpu_seconds(pid) for pid in workers) - cpu_before
                workers_mb = [process_peak_rss_mb(pid) for pid in workers]
            peak = max((m for m in workers_mb if m is not None), default=None)
            uncached = None
            if not quick:
                log(f"   {label}: the same load with the dashboard cache off")
                with gunicorn(
                    instance, backend.url, folder / "gunicorn-nocache.log", cache=False
                ) as (base, master):
                    cookie = login_cookie(base)
                    uncached = (
                        wrk(base, cookie, seconds, folder)
                        if shutil.which("wrk")
                        else python_load(base, cookie, seconds)
                    )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if load.not_ok or load.socket_errors:
        raise RuntimeError(
            f"{load.not_ok} answers were not 200 and {load.socket_errors} socket errors"
        )
    raw_p50, raw_p95 = percentile(raw, 50), percentile(raw, 95)
    single_p50, single_p95 = percentile(single, 50), percentile(single, 95)
    cold_p50, cold_p95 = percentile(page.cold_ms, 50), percentile(page.cold_ms, 95)
    counts[size] = len(page.statements)
    queries_large = counts[size]
    full_target = not quick
    where = f"{size:,} requests"
    return [
        Result(
            name=f"dashboard/{label}",
            metric=(
                f"GET / under load: {CONNECTIONS} connections for {seconds} s "
                f"({load.tool}) against gunicorn -w {WORKERS}"
            ),
            workload=workload.describe(),
            app=load.p95,
            unit="ms",
            raw=raw_p95,
            p50_ms=load.p50,
            p95_ms=load.p95,
            peak_memory_mb=peak,
            target=f"p95 < {TARGET_P95_MS:.0f} ms at {FULL_SIZE:,} requests",
            met=(load.p95 < TARGET_P95_MS) if full_target else None,
            notes=(
                f"p90 {load.p90:.0f} ms, p99 {load.p99:.0f} ms, {load.rate:.1f} pages/s, "
                f"{load.requests} pages, all 200, the dashboard cache on (the default: a built "
                "board is reused while no request, agency, campaign or user changed; a cached "
                f"view sends {page.cached_statements} statements); the workers used "
                f"{cpu / max(load.requests, 1) * 1000:.0f} ms of CPU per page (less sensitive to "
                "other load on the machine than latencies). "
                f"Raw: the page's {queries_large} statements "
                f"replayed with the bare driver, p50 {raw_p50:.1f} / p95 {raw_p95:.1f} ms over "
                f"{raw_runs} runs. Page {page.size / 1024:.0f} KiB. Peak memory: largest "
                f"gunicorn worker (the builder process peaked at {own_peak_rss_mb():.0f} MB). "
                f"Workload built in {workload.seconds:.0f} s through the domain services; "
                f"statuses: {workload.status_mix()}."
            ),
            command=command,
        ),
        Result(
            name=f"dashboard-single/{label}",
            metric="GET / one request at a time (the page's own cost, no queueing)",
            workload=where,
            app=single_p95,
            unit="ms",
            raw=raw_p95,
            p50_ms=single_p50,
            p95_ms=single_p95,
            notes=f"{single_runs} requests on new connections, cache on; raw as above.",
            command=command,
        ),
        Result(
            name=f"dashboard-cold/{label}",
            metric="GET / built from scratch (cache off), in-process test client, one at a time",
            workload=where,
            app=cold_p95,
            unit="ms",
            raw=raw_p95,
            p50_ms=cold_p50,
            p95_ms=cold_p95,
            notes=(
                f"{single_runs} pages: what the first view after a change costs; raw: the "
                f"{queries_large} statements such a page sends, replayed with the bare driver."
            ),
            command=command,
        ),
        *(
            [
                Result(
                    name=f"dashboard-nocache/{label}",
                    metric=(
                        f"GET / under the same load ({CONNECTIONS} connections, {seconds} s) "
                        "with the dashboard cache off"
                    ),
                    workload=where,
                    app=uncached.p95,
                    unit="ms",
                    raw=raw_p95,
                    p50_ms=uncached.p50,
                    p95_ms=uncached.p95,
                    notes=(
                        f"{uncached.rate:.1f} pages/s: every view rebuilds the board, as when "
                        "the data changes between every two views."
                    ),
                    command=command,
                )
            ]
            if uncached is not None
            else []
        ),
        Result(
            name=f"dashboard-queries/{label}",
            metric="SQL statements per dashboard page",
            workload=" vs ".join(f"{n:,}" for n in counts) + " requests",
            app=queries_large,
            unit="statements",
            target="no growth with the data",
            met=counts[MID_SIZE] == queries_large and counts[SMALL_SIZE] <= queries_large,
            notes=(
                ", ".join(f"{q} statements at {n:,} requests" for n, q in counts.items())
                + ". A bucket with no rows skips its row query, so a tiny "
                "database can need fewer; none of them depends on the number of rows shown."
            ),
            command=command,
        ),
    ]


def profile(size: int, repeat: int, cache: bool) -> None:
    """Print where GET / spends its time at `size` requests (pyinstrument, SQLite)."""
    from pyinstrument import Profiler

    with tempfile.TemporaryDirectory(prefix="foiatrack-profile-") as tmp:
        folder = Path(tmp)
        with sqlite_backend(folder, "profile") as backend:
            instance = make_instance(folder)
            build(instance, backend, size)
            with app_env(instance, backend.url, cache=cache):
                app = create_app()
                client = app.test_client()
                with app.app_context():
                    login_page = client.get("/auth/login").get_data(as_text=True)
                    client.post(
                        "/auth/login",
                        data={
                            "email": ADMIN_EMAIL,
                            "password": ADMIN_PASSWORD,
                            "csrf_token": _csrf(login_page),
                        },
                    )
                    client.get("/")  # warm the template and statement caches
                    profiler = Profiler(interval=0.0005)
                    with profiler:
                        for _ in range(repeat):
                            client.get("/")
                    print(profiler.output_text(unicode=True, color=False, show_all=False))
                    db.engine.dispose()


def run(quick: bool) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="foiatrack-bench-sqlite-") as tmp:
        results = measure(lambda name: sqlite_backend(Path(tmp), name), "sqlite", quick)
    if postgres_reachable():
        results += measure(postgres_backend, "postgresql", quick)
    else:
        log(f"   PostgreSQL at {POSTGRES_URL} is not reachable: skipped")
    return results


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Profile the dashboard page.")
    parser.add_argument("--profile", action="store_true", required=True)
    parser.add_argument("--size", type=int, default=FULL_SIZE)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--cache", action="store_true", help="profile cached views (default: built from scratch)"
    )
    options = parser.parse_args()
    profile(options.size, options.repeat, options.cache)

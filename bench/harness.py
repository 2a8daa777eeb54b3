"""A small benchmark framework: results, machine facts, and docs/performance.md.

A benchmark is a module `bench/bench_<name>.py` with `run(quick: bool) -> list[Result]`. The
runner (`python -m bench.run`) keeps every result in docs/performance.json, keyed by the
result's name and by quick or full, so that `--only` or `--quick` replaces only what it measured,
and renders the whole JSON between the markers of docs/performance.md. Anything outside the
markers is written by hand and kept.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from foiatrack import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "performance.md"
DATA = PROJECT_ROOT / "docs" / "performance.json"
START = "<!-- bench:start -->"
END = "<!-- bench:end -->"
POSTGRES_URL = os.environ.get(
    "FOIATRACK_BENCH_POSTGRES_URL",
    os.environ.get(
        "FOIATRACK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    ),
)


@dataclass
class Result:
    """One figure a benchmark measured, next to the same work done by the raw engine."""

    #: unique, e.g. "dashboard/sqlite"
    name: str
    #: what was measured, e.g. "GET / under 8 connections for 30 s"
    metric: str
    #: the data set, e.g. "10,000 requests to 1,666 agencies"
    workload: str
    app: float
    unit: str
    #: the same work without the app (the engine alone), in the same unit; None when meaningless
    raw: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    peak_memory_mb: float | None = None
    #: the goal from the issue, e.g. "p95 < 150 ms", and whether this run met it
    target: str = ""
    met: bool | None = None
    notes: str = ""
    command: str = ""
    #: filled in by the runner
    mode: str = ""
    measured_at: str = ""
    #: 1-minute load average when this benchmark started (runs of one benchmark at a time
    #: happen at other moments than the machine line's)
    load_average: float | None = None

    @property
    def ratio(self) -> float | None:
        """How many times the engine's figure the app's is."""
        if self.raw is None or not self.raw:
            return None
        return self.app / self.raw

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Result:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Machine:
    cores: int
    cpu: str
    python: str
    sqlite: str
    postgresql: str
    system: str
    tools: str = ""
    #: 1-minute load average when the run started: other work on the machine skews latencies
    load_average: float = 0.0
    date: str = field(default_factory=lambda: dt.date.today().isoformat())


# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """The `pct` percentile by linear interpolation (the same method as numpy's default)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def timed_runs(work: Callable[[], object], runs: int, *, warmup: int = 3) -> list[float]:
    """Milliseconds for each of `runs` calls of `work`, after a few untimed ones."""
    for _ in range(warmup):
        work()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary_ms(times: Sequence[float]) -> str:
    return (
        f"p50 {percentile(times, 50):.1f} ms, p95 {percentile(times, 95):.1f} ms "
        f"(n={len(times)}, mean {statistics.fmean(times):.1f} ms)"
    )


def own_peak_rss_mb() -> float:
    """This process's peak resident memory (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def process_peak_rss_mb(pid: int) -> float | None:
    """Peak resident memory (VmHWM) of a running process, or None off Linux."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else None


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used so far (from /proc; 0 off Linux).

    Unlike latencies, CPU per request hardly changes when other work competes for the cores.
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # after the command name: state is field 3, utime 14 and stime 15 (1-based, see proc(5))
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_pids(pid: int) -> list[int]:
    """Direct children of a process (gunicorn's workers), from /proc."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children += [int(p) for p in task.read_text().split()]
        except OSError:
            continue
    return children


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for the block (the app reads them when it is created)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


# ---------------------------------------------------------------------------------------------
# The machine
# ---------------------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def postgres_version(url: str = POSTGRES_URL) -> str:
    """The server's version string, or "not reachable"."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            return str(conn.execute(sa.text("SHOW server_version")).scalar())
    except sa.exc.OperationalError:
        return "not reachable"
    finally:
        engine.dispose()


def machine_facts(load_average: float | None = None) -> Machine:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    return Machine(
        cores=os.cpu_count() or 0,
        cpu=cpu_model(),
        python=platform.python_version(),
        sqlite=sqlite3.sqlite_version,
        postgresql=postgres_version(),
        system=f"{platform.system()} {platform.release()}",
        tools=f"{tool_version(['wrk', '--version'])}; {tool_version([str(gunicorn), '--version'])}",
        load_average=os.getloadavg()[0] if load_average is None else load_average,
    )


def tool_version(command: Sequence[str]) -> str:
    """First line a tool prints about itself, or "not installed"."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0].split(" Copyright")[0] if text else ""


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------


def load_results(path: Path = DATA) -> dict[str, Any]:
    if not path.exists():
        return {"machine": {}, "results": {}}
    return json.loads(path.read_text())


def merge_results(
    stored: dict[str, Any], new: Sequence[Result], *, mode: str, machine: Machine
) -> dict[str, Any]:
    """Replace the stored results that `new` measured again; keep the others."""
    results = dict(stored.get("results", {}))
    for result in new:
        # re-inserted, so a benchmark's rows keep the order it produced them in
        results.pop(f"{mode}:{result.name}", None)
    for result in new:
        results[f"{mode}:{result.name}"] = result.to_json()
    machines = dict(stored.get("machine", {}))
    machines[mode] = asdict(machine)
    return {"machine": machines, "results": results}


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    if float(value).is_integer() or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def render(stored: dict[str, Any]) -> str:
    """The generated part of docs/performance.md, full runs first."""
    lines: list[str] = []
    for mode, title in (
        ("full", "Full run (`make bench`)"),
        ("quick", "Quick run (`make bench-quick`)"),
    ):
        rows = [
            Result.from_json(r)
            for key, r in stored.get("results", {}).items()
            if key.startswith(f"{mode}:")
        ]
        if not rows:
            continue
        machine = stored.get("machine", {}).get(mode, {})
        lines += [f"### {title}", ""]
        if machine:
            lines += [
                f"Measured {machine.get('date', '?')} on {machine.get('cores', '?')} cores "
                f"({_cell(machine.get('cpu', '?'))}), {machine.get('system', '')}; Python "
                f"{machine.get('python', '?')}, SQLite {machine.get('sqlite', '?')}, PostgreSQL "
                f"{machine.get('postgresql', '?')}. Tools: {_cell(machine.get('tools', ''))}. "
                f"Load average when the run started: {machine.get('load_average', 0):.2f}.",
                "",
            ]
        lines += [
            "| benchmark | metric | workload | app | raw engine | ratio | p50 | p95 "
            "| peak memory | target |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            target = ""
            if r.target:
                target = (
                    f"{r.target}: {'met' if r.met else 'missed'}" if r.met is not None else r.target
                )
            ratio = f"{r.ratio:.1f}x" if r.ratio is not None else "-"
            lines.append(
                "| "
                + " | ".join(
                    _cell(c)
                    for c in (
                        f"`{r.name}`",
                        r.metric,
                        r.workload,
                        f"{_fmt(r.app)} {r.unit}",
                        f"{_fmt(r.raw)} {r.unit}" if r.raw is not None else "-",
                        ratio,
                        f"{_fmt(r.p50_ms)} ms" if r.p50_ms is not None else "-",
                        f"{_fmt(r.p95_ms)} ms" if r.p95_ms is not None else "-",
                        f"{_fmt(r.peak_memory_mb, 0)} MB" if r.peak_memory_mb is not None else "-",
                        target or "-",
                    )
                )
                + " |"
            )
        lines.append("")
        notes = [r for r in rows if r.notes or r.command]
        for r in notes:
            when = (
                f" Measured {r.measured_at.replace('T', ' ')}, load average {r.load_average:.1f}."
                if r.load_average is not None
                else ""
            )
            lines.append(
                f"- `{r.name}`: {_cell(r.notes)}{when}"
                + (f" Reproduce: `{r.command}`" if r.command else "")
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_doc(generated: str, path: Path = DOC) -> None:
    """Put `generated` between the markers, keeping what is written by hand around them."""
    block = f"{START}\n{generated}{END}"
    if path.exists():
        text = path.read_text()
        if START in text and END in text:
            before, rest = text.split(START, 1)
            after = rest.split(END, 1)[1]
            path.write_text(before + block + after)
            return
        path.write_text(text.rstrip() + "\n\n" + block + "\n")
        return
    path.write_text(f"# Performance\n\n{block}\n")


def python_command(*args: str) -> str:
    """How a reader reproduces a figure from the checkout."""
    return " ".join([".venv/bin/python -m bench.run", *args])


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)

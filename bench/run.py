"""Run the benchmarks and write docs/performance.md.

    python -m bench.run [--quick] [--only NAME ...] [--list] [--no-write]

Each `bench/bench_<name>.py` module exposes `run(quick: bool) -> list[Result]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import signal
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from bench.harness import (
    DATA,
    DOC,
    Result,
    load_results,
    log,
    machine_facts,
    merge_results,
    render,
    write_doc,
)

BENCH_DIR = Path(__file__).resolve().parent


def available() -> list[str]:
    """Benchmark names, from the module files: bench_dashboard.py is "dashboard"."""
    return sorted(p.stem.removeprefix("bench_") for p in BENCH_DIR.glob("bench_*.py"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller data, shorter loads")
    parser.add_argument("--only", action="append", metavar="NAME", help="run only this one")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and stop")
    parser.add_argument(
        "--no-write", action="store_true", help="print the results; leave docs/ alone"
    )
    args = parser.parse_args(argv)
    names = available()
    if args.list:
        print("\n".join(names))
        return 0
    unknown = sorted(set(args.only or ()) - set(names))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(names)}")
    mode = "quick" if args.quick else "full"
    # `kill` or a CI timeout: unwind normally, so that gunicorn is stopped and the benchmark's
    # PostgreSQL schemas and temporary folders are removed.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    results: list[Result] = []
    failed: list[str] = []
    started = time.perf_counter()
    load_average = os.getloadavg()[0]
    for name in args.only or names:
        log(f"== {name} ({mode})")
        module = importlib.import_module(f"bench.bench_{name}")
        begun = time.perf_counter()
        load_at_start = os.getloadavg()[0]
        try:
            produced = module.run(quick=args.quick)
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        stamp = dt.datetime.now().isoformat(timespec="seconds")
        for result in produced:
            result.mode = mode
            result.measured_at = stamp
            result.load_average = load_at_start
            ratio = f", ratio {result.ratio:.1f}x" if result.ratio is not None else ""
            raw = f" (raw {result.raw:.1f})" if result.raw is not None else ""
            log(f"   {result.name}: {result.app:.1f} {result.unit}{raw}{ratio} {result.notes}")
        results += produced
        log(f"   {name} took {time.perf_counter() - begun:.0f} s")
        if produced and not args.no_write:
            # after each benchmark: a run stopped half-way keeps what it measured
            stored = merge_results(
                load_results(), produced, mode=mode, machine=machine_facts(load_average)
            )
            DATA.write_text(_json(stored))
            write_doc(render(stored))
            log(f"   wrote {DOC.relative_to(BENCH_DIR.parent)} and {DATA.name}")
    log(f"All benchmarks took {time.perf_counter() - started:.0f} s")
    if failed:
        log(f"Failed: {', '.join(failed)}")
        return 1
    return 0


def _json(data: object) -> str:
    import json

    return json.dumps(data, indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":
    sys.exit(main())

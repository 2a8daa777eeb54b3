"""The benchmark harness's bookkeeping: percentiles, merging results, and the generated doc."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.harness import END, START, Machine, Result, merge_results, percentile, render, write_doc
from bench.run import available

MACHINE = Machine(cores=2, cpu="Test CPU", python="3.11", sqlite="3.40", postgresql="15", system="")


def _result(name: str, app: float, raw: float | None = 10.0) -> Result:
    return Result(
        name=name,
        metric="GET /",
        workload="100 requests",
        app=app,
        unit="ms",
        raw=raw,
        target="p95 < 150 ms",
        met=app < 150,
        command="make bench",
    )


def test_percentile_interpolates_like_numpy() -> None:
    values = list(range(1, 101))
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_ratio_is_app_over_raw() -> None:
    assert _result("a", 120.0, raw=8.0).ratio == pytest.approx(15.0)
    assert _result("a", 120.0, raw=None).ratio is None


def test_quick_runs_and_reruns_replace_only_their_own_figures() -> None:
    stored = merge_results({}, [_result("x/sqlite", 100.0)], mode="full", machine=MACHINE)
    stored = merge_results(stored, [_result("x/sqlite", 40.0)], mode="quick", machine=MACHINE)
    stored = merge_results(stored, [_result("y/sqlite", 5.0)], mode="full", machine=MACHINE)
    stored = merge_results(stored, [_result("x/sqlite", 90.0)], mode="full", machine=MACHINE)
    results = stored["results"]
    assert list(results) == ["quick:x/sqlite", "full:y/sqlite", "full:x/sqlite"]
    assert results["full:x/sqlite"]["app"] == 90.0
    assert results["quick:x/sqlite"]["app"] == 40.0
    assert set(stored["machine"]) == {"full", "quick"}


def test_render_shows_every_column_and_the_target() -> None:
    stored = merge_results(
        {},
        [_result("x/sqlite", 180.0), _result("q/sqlite", 28, raw=None)],
        mode="full",
        machine=MACHINE,
    )
    text = render(stored)
    assert "### Full run" in text and "Quick run" not in text
    assert "2 cores (Test CPU)" in text
    row = next(line for line in text.splitlines() if line.startswith("| `x/sqlite`"))
    assert "| 180 ms | 10 ms | 18.0x |" in row
    assert row.endswith("| p95 < 150 ms: missed |")
    assert "| 28 ms | - | - |" in text
    assert "Reproduce: `make bench`" in text
    assert "load average" not in text  # not recorded for these results


def test_each_result_says_when_and_under_what_load_it_ran() -> None:
    measured = _result("x/sqlite", 50.0)
    measured.measured_at, measured.load_average = "2026-11-30T16:56:45", 2.52
    text = render(merge_results({}, [measured], mode="full", machine=MACHINE))
    assert "Measured 2026-11-30 16:56:45, load average 2.5." in text


def test_write_doc_keeps_the_hand_written_parts(tmp_path: Path) -> None:
    doc = tmp_path / "performance.md"
    doc.write_text(f"# Perf\n\nBy hand.\n\n{START}\nold table\n{END}\n\n## Findings\nKeep me.\n")
    write_doc("new table\n", doc)
    text = doc.read_text()
    assert "old table" not in text
    assert f"{START}\nnew table\n{END}" in text
    assert text.startswith("# Perf\n\nBy hand.\n") and text.endswith("## Findings\nKeep me.\n")
    bare = tmp_path / "bare.md"
    bare.write_text("# Notes\n")
    write_doc("table\n", bare)
    assert bare.read_text() == f"# Notes\n\n{START}\ntable\n{END}\n"


def test_benchmarks_are_found_by_file_name() -> None:
    assert "dashboard" in available()

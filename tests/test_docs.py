"""docs/deadlines.md: its jurisdiction table is generated from the shipped CSV, never by hand."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from foiatrack import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "generate_deadline_docs.py"


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    # scripts/ is not a package: load the file the way `python scripts/...` runs it.
    spec = importlib.util.spec_from_file_location("generate_deadline_docs", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_deadline_doc_matches_the_data(generator: ModuleType) -> None:
    assert generator.is_up_to_date(), (
        "docs/deadlines.md is out of date: run python scripts/generate_deadline_docs.py"
    )
    assert generator.main(["--check"]) == 0


def test_table_has_every_jurisdiction(generator: ModuleType) -> None:
    rows = generator.read_rows()
    table = generator.render_table(rows).splitlines()
    assert len(rows) == 52
    assert len(table) == 2 + 52
    body = {line.split(" | ")[0].removeprefix("| "): line for line in table[2:]}
    assert set(body) == {row["code"] for row in rows}
    assert all(line.count(" | ") == 9 for line in table[2:])
    # Extension units that differ from the first deadline's are shown as the law states them.
    assert "| 5 business days | up to 30 more calendar days |" in body["PA"]
    assert "| 10 calendar days | up to 15 more business days |" in body["AL"]
    assert "| no fixed deadline | - | n/a | n/a |" in body["FL"]
    assert "| 10 calendar days | up to 14 more calendar days | yes |" in body["CA"]
    assert "| yes (assumed) |" in body["WY"]
    assert "| acknowledgement or decision | none | high |" in body["TX"]
    # Two-stage laws: the second deadline, its unit and what it counts from.
    assert "| 20 business days after the acknowledgement | high |" in body["NY"]
    assert "| 15 business days after the acknowledgement | medium |" in body["AL"]
    assert "| 15 business days after receipt, once acknowledged |" in body["OR"]
    # SC's first deadline is in business days, its second in calendar days that roll forward.
    assert "| yes (assumed) | acknowledgement or decision | 30 calendar days after" in body["SC"]


def test_render_escapes_pipes_and_is_deterministic(generator: ModuleType) -> None:
    row = {
        "code": "ZZ",
        "name": "Test | State",
        "law_name": "Act\nwith a line break",
        "citation": "§ 1|2",
        "response_days": "5",
        "day_type": "business",
        "extension_days": "",
        "rolls_forward": "no",
        "counts_receipt_day": "no",
        "ack_only": "no",
        "rule_summary": "",
        "confidence": "high",
    }
    table = generator.render_table([row])
    line = table.splitlines()[2]
    assert "Test \\| State" in line and "§ 1\\|2" in line
    assert "Act with a line break" in line
    assert line.replace("\\|", "").count("|") == 11  # 10 cells: 11 unescaped separators
    assert line.endswith("| records | none | high |")  # rows without the new columns still render
    assert generator.render_table([row]) == table


def test_check_mode_catches_a_stale_doc(
    generator: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = tmp_path / "deadlines.md"
    doc.write_text(
        f"# Title\n\nintro\n\n{generator.START}\n| old | table |\n{generator.END}\n\nLimits\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(generator, "DOC_PATH", doc)
    monkeypatch.setattr(generator, "ROOT", tmp_path)
    assert not generator.is_up_to_date(doc)
    assert generator.main(["--check"]) == 1
    assert "| old | table |" in doc.read_text(encoding="utf-8")  # --check writes nothing

    assert generator.main([]) == 0
    text = doc.read_text(encoding="utf-8")
    assert "| old | table |" not in text
    assert text.startswith("# Title\n\nintro\n\n") and text.endswith("\n\nLimits\n")
    assert "| CA | California |" in text
    assert generator.is_up_to_date(doc)
    assert generator.main(["--check"]) == 0


def test_markers_are_required(generator: ModuleType) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        generator.update_document("no markers here", "| a |")
    with pytest.raises(ValueError, match="exactly one"):
        generator.update_document(f"{generator.END}\n{generator.START}", "| a |")

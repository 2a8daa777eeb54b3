"""The sample agency mail in tests/data/mail/ and the generator that made it."""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

SAMPLES_DIR = Path(__file__).resolve().parent / "data" / "mail"


@functools.cache
def generator() -> ModuleType:
    """tests/data/mail/make_samples.py, loaded the way `python make_samples.py` runs it."""
    path = SAMPLES_DIR / "make_samples.py"
    spec = importlib.util.spec_from_file_location("make_samples", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def sample(name: str) -> bytes:
    """The committed bytes of one sample."""
    return (SAMPLES_DIR / name).read_bytes()

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from foiatrack.adapters.storage import BlobNotFound, FileSystemBlobStore


def test_put_get_and_deduplicate(tmp_path: Path) -> None:
    store = FileSystemBlobStore(tmp_path / "blobs")
    sha = store.put(b"%PDF-1.7 agreement")
    assert sha == hashlib.sha256(b"%PDF-1.7 agreement").hexdigest()
    assert store.get(sha) == b"%PDF-1.7 agreement"
    assert store.put(b"%PDF-1.7 agreement") == sha
    files = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert files == [tmp_path / "blobs" / sha[:2] / sha]
    assert store.exists(sha) and store.path(sha).read_bytes() == b"%PDF-1.7 agreement"


def test_empty_content_is_a_blob_too(tmp_path: Path) -> None:
    store = FileSystemBlobStore(tmp_path)
    assert store.get(store.put(b"")) == b""


@pytest.mark.parametrize("name", ["../../etc/passwd", "a" * 63, "G" * 64, "", "/" + "a" * 63])
def test_names_that_are_not_digests_are_refused(tmp_path: Path, name: str) -> None:
    store = FileSystemBlobStore(tmp_path)
    with pytest.raises(ValueError, match="not a SHA-256"):
        store.get(name)


def test_missing_blob(tmp_path: Path) -> None:
    store = FileSystemBlobStore(tmp_path)
    with pytest.raises(BlobNotFound):
        store.get("0" * 64)
    with pytest.raises(BlobNotFound):
        store.path("0" * 64)


def test_failed_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileSystemBlobStore(tmp_path)

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("foiatrack.adapters.storage.os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        store.put(b"data")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []

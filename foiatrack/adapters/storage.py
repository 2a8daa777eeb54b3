"""Content-addressed file storage on the local disk."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

_HEX = set("0123456789abcdef")


class BlobNotFound(KeyError):
    pass


class FileSystemBlobStore:
    """Stores bytes under <root>/<sha[:2]>/<sha256>; the same content is stored once.

    Names never come from users, so no path a user types can reach the disk. Writes go to a
    temporary file in the same folder and are renamed into place, so a crash never leaves a
    half-written blob under its final name.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not set(sha256) <= _HEX:
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store `data` (if new) and return its SHA-256."""
        sha256 = hashlib.sha256(data).hexdigest()
        path = self._path(sha256)
        if path.exists():
            return sha256
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha256

    def get(self, sha256: str) -> bytes:
        path = self._path(sha256)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).exists()

    def path(self, sha256: str) -> Path:
        """Where the blob lives, for streaming it to a client; raises when it is missing."""
        path = self._path(sha256)
        if not path.exists():
            raise BlobNotFound(sha256)
        return path

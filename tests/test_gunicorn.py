"""The app runs unchanged under gunicorn (`gunicorn wsgi:app`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from foiatrack import PROJECT_ROOT
from foiatrack.config import ensure_instance


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_gunicorn_serves_the_app(database_url: str, tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    ensure_instance(instance)
    port = _free_port()
    env = {
        **os.environ,
        "FOIATRACK_INSTANCE_PATH": str(instance),
        "FOIATRACK_SQLALCHEMY_DATABASE_URI": database_url,
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.read() == b"ok"
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    output = process.communicate()[0].decode()
                    pytest.fail(f"gunicorn did not start:\n{output}")
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/auth/login", timeout=5) as r:
            page = r.read().decode()
            assert r.status == 200 and 'name="csrf_token"' in page
            assert "default-src 'self'" in r.headers["Content-Security-Policy"]
        request = urllib.request.Request(f"http://127.0.0.1:{port}/agencies/")
        opener = urllib.request.build_opener(_NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as caught:
            opener.open(request, timeout=5)
        caught.value.close()
        assert caught.value.code == 302
        assert "/auth/login" in caught.value.headers["Location"]
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stdout:
            process.stdout.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None

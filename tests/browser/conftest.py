"""Browser tests: the real app served on a loopback port, driven by Debian's Chromium.

Each test gets a fresh database (the `app` fixture of tests/conftest.py, so SQLite or
PostgreSQL by --db, truncated afterwards), its own instance folder, a Flask server in a
subprocess configured only through FOIATRACK_* variables, and a browser with a fresh profile.
Every page helper checks what a person would hit: no page scrolls sideways at 1280 px or at a
phone's width, no script error, no Content-Security-Policy violation, nothing loaded from
outside the app (it must work offline), and no serious or critical axe-core finding. Key
steps are saved as full-page screenshots under test-artifacts/screenshots/<test>/, and each
page's axe findings (of any impact) under test-artifacts/axe/<test>.json.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from foiatrack import PROJECT_ROOT
from foiatrack.domain.accounts.models import Role, User
from foiatrack.domain.reference import load_reference_data
from foiatrack.extensions import db
from tests.conftest import TEST_PASSWORD, needs_service
from tests.servers import SmtpServer, free_port

BROWSER_DIR = Path(__file__).resolve().parent
AXE_JS = BROWSER_DIR / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
AXE_REPORTS = PROJECT_ROOT / "test-artifacts" / "axe"
CHROMIUM = os.environ.get("FOIATRACK_TEST_CHROMIUM", "/usr/bin/chromium")
#: a quiet, reproducible browser: no sandbox (root in CI), no GPU, no calls home, no updates
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
#: the URL, on the app's own origin, at which the test serves axe-core to the page
AXE_URL_PATH = "/__browser-tests__/axe.min.js"
SERVER_START_SECONDS = 30
EDITOR_EMAIL = "editor@example.org"
VIEWER_EMAIL = "viewer@example.org"


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # Remember whether the test body failed, so the server fixture can print its log then.
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


# --- the app in a subprocess -----------------------------------------------------------------


@dataclass
class LiveServer:
    """The running app: its address, its environment (for CLI commands) and its log."""

    url: str
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes]
    ready: bool = False

    def wait_ready(self) -> None:
        """Wait for /healthz: the server imports and starts while the test seeds its data."""
        if not self.ready:
            _wait_until_healthy(self.url, self.process, self.log_path)
            self.ready = True

    def cli(self, *args: str, stdin: str | None = None, timeout: float = 120) -> str:
        """Run `flask --app foiatrack ARGS` against the same database and instance folder."""
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "foiatrack", *args],
            env=self.env,
            cwd=PROJECT_ROOT,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, (
            f"flask {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
        return result.stdout

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _env_value(value: object) -> str:
    # FOIATRACK_* values are parsed as JSON by Flask: booleans and numbers must look like JSON.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"the app did not answer /healthz in time:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def seeded(app: Flask, make_user: Callable[..., User]) -> Flask:
    """Reference data (jurisdictions, the Ring partners, letter templates) and two users."""
    with app.app_context():
        load_reference_data(db.session)
        db.session.commit()
        db.session.remove()
    make_user(Role.EDITOR, EDITOR_EMAIL)
    make_user(Role.VIEWER, VIEWER_EMAIL)
    return app


@pytest.fixture
def start_server(
    app: Flask,
    database_url: str,
    smtp_server: SmtpServer,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> Iterator[Callable[..., LiveServer]]:
    """Start the app (`flask run`) with extra settings, without waiting for it to answer;
    stopped at the end, with its log shown if the test failed."""
    servers: list[LiveServer] = []

    def start(**settings: object) -> LiveServer:
        instance = Path(app.instance_path)
        port = free_port()
        config: dict[str, object] = {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "STORAGE_DIR": instance / "files",
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            "JOB_RUNNER": "thread",
            "BASE_URL": f"http://127.0.0.1:{port}",
            **smtp_server.config(),
            **settings,
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith("FOIATRACK_")}
        env |= {f"FOIATRACK_{k}": _env_value(v) for k, v in config.items()}
        env["FOIATRACK_INSTANCE_PATH"] = str(instance)
        env["PYTHONUNBUFFERED"] = "1"
        subprocess.run(
            [sys.executable, "-m", "foiatrack.config", "init-instance", str(instance)],
            env=env,
            cwd=PROJECT_ROOT,
            check=True,
            capture_output=True,
        )
        log_path = tmp_path / f"server-{port}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "flask", "--app", "foiatrack", "run"),
                    *("--host", "127.0.0.1", "--port", str(port), "--no-reload", "--no-debugger"),
                ],
                env=env,
                cwd=PROJECT_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = LiveServer(f"http://127.0.0.1:{port}", env, log_path, process)
        servers.append(server)
        return server

    yield start
    for server in servers:
        _stop(server.process)
        if request.node.stash.get(_FAILED, False):
            print(f"--- app log ({server.url}) ---\n{server.log()[-8000:]}")


@pytest.fixture
def server_settings() -> dict[str, object]:
    """Extra app settings for the test's server; a test module overrides this fixture."""
    return {}


@pytest.fixture
def live_server(
    start_server: Callable[..., LiveServer], server_settings: dict[str, object]
) -> LiveServer:
    return start_server(**server_settings)


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        needs_service(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    if not AXE_JS.exists():
        needs_service("axe-core is not installed: run scripts/ensure-node-deps.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Path:
    folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def ui(
    playwright_driver: Any,
    live_server: LiveServer,
    seeded: Flask,
    screenshots: Path,
    tmp_path: Path,
) -> Iterator[UI]:
    """A logged-out browser tab on the app, with a fresh Chromium profile.

    Tests list `live_server` and their own data fixtures before `ui`, so that the server
    starts up while the data is written.
    """
    context = playwright_driver.chromium.launch_persistent_context(
        str(tmp_path / "chromium-profile"),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport=DESKTOP,
        accept_downloads=True,
        locale="en-US",
    )
    context.set_default_timeout(15_000)
    try:
        live_server.wait_ready()
        page = context.pages[0] if context.pages else context.new_page()
        browser = UI(page, live_server, screenshots)
        yield browser
        browser.write_axe_report()
        browser.assert_no_page_problems()
    finally:
        context.close()


@dataclass
class UI:
    """One tab, with the checks every flow repeats."""

    page: Any
    server: LiveServer
    screenshots: Path
    steps: int = 0
    problems: list[str] = field(default_factory=list)
    axe_findings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        # The app must work offline: every file a page loads comes from the app itself.
        self.page.on("request", self._request)
        # axe-core is answered by the test itself at a URL on the app's own origin, so the
        # page's strict CSP (script-src 'self') lets add_script_tag(url=...) load it.
        # add_script_tag(path=...) inserts an inline script, which that CSP refuses, and the
        # alternative, bypass_csp=True, would switch the policy off for the whole flow; this
        # way the flows also prove that every page works under its real policy.
        self.page.route(
            f"{self.server.url}{AXE_URL_PATH}",
            lambda route: route.fulfill(path=str(AXE_JS), content_type="text/javascript"),
        )

    def _request(self, request: Any) -> None:
        # Only the network counts: the browser's own PDF viewer loads chrome:// files.
        url = request.url
        if url.startswith(("http:", "https:", "ws:", "wss:")) and not url.startswith(
            self.server.url + "/"
        ):
            self.problems.append(f"{self.page.url} loaded {url} from outside the app")

    def _console(self, message: Any) -> None:
        text = message.text
        if message.type == "error" and not _expected_console_error(text):
            self.problems.append(f"console error on {self.page.url}: {text}")

    # navigation

    def url(self, path: str) -> str:
        return self.server.url + path

    def goto(self, path: str) -> Any:
        return self.page.goto(self.url(path))

    @property
    def path(self) -> str:
        return self.page.url.removeprefix(self.server.url)

    def follow(self, target: Any) -> None:
        """Click a link or button that loads a page, and wait for that page: reading the page
        right after a bare click() may still read the one being left."""
        with self.page.expect_navigation():
            target.click()

    def login(self, email: str, password: str = TEST_PASSWORD) -> None:
        self.goto("/auth/login")
        self.page.get_by_label("E-mail").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.follow(self.page.get_by_role("button", name="Log in"))
        assert "/auth/login" not in self.page.url, "login failed"

    def logout(self) -> None:
        self.follow(self.page.get_by_role("button", name="Log out"))
        assert self.page.url.endswith("/auth/login")

    # evidence

    def shot(self, step: str) -> Path:
        """A full-page screenshot, numbered in the order the steps happen."""
        self.steps += 1
        path = self.screenshots / f"{self.steps:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    # checks

    def check_page(self, name: str, *, phone: bool = True) -> None:
        """axe-core, then sideways scrolling at 1280 px and (optionally) at a phone's width."""
        self.assert_accessible(name)
        self.assert_fits(name)
        if phone:
            self.page.set_viewport_size(PHONE)
            try:
                self.assert_fits(f"{name} (phone)")
            finally:
                self.page.set_viewport_size(DESKTOP)

    def assert_fits(self, name: str) -> None:
        overflow = self.page.evaluate(
            """() => {
                const doc = document.documentElement;
                const wide = [...document.querySelectorAll('body *')]
                    .filter((el) => el.getBoundingClientRect().right > doc.clientWidth + 1
                        && !el.closest('.table-wrap'))
                    .slice(0, 5)
                    .map((el) => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
                        + ': ' + (el.textContent || '').trim().slice(0, 60));
                return {scroll: doc.scrollWidth, width: doc.clientWidth, wide};
            }"""
        )
        assert overflow["scroll"] <= overflow["width"], (
            f"{name} scrolls sideways at {overflow['width']} px "
            f"(content is {overflow['scroll']} px wide): {overflow['wide']}"
        )

    def axe(self) -> list[dict[str, Any]]:
        """axe-core's violations on the current page (every rule axe runs by default)."""
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.add_script_tag(url=self.url(AXE_URL_PATH))
        return self.page.evaluate(
            """async () => {
                // iframes: false, the only frame is the document viewer (a PDF), which axe
                // cannot read and would wait a minute for.
                const result = await axe.run(
                    document, {iframes: false, resultTypes: ['violations']});
                return result.violations.map((v) => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map((n) => ({target: n.target.join(' '),
                        html: n.html.slice(0, 200), summary: n.failureSummary})),
                }));
            }"""
        )

    def assert_accessible(self, name: str) -> None:
        violations = self.axe()
        self.axe_findings[f"{name} ({self.path})"] = violations
        serious = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert not serious, f"axe on {name} ({self.path}):\n" + json.dumps(serious, indent=2)

    def assert_no_page_problems(self) -> None:
        assert not self.problems, "\n".join(self.problems)

    def write_axe_report(self) -> None:
        AXE_REPORTS.mkdir(parents=True, exist_ok=True)
        report = AXE_REPORTS / f"{self.screenshots.name}.json"
        report.write_text(json.dumps(self.axe_findings, indent=2))

    # helpers for job pages

    def wait_for_job(self, timeout_ms: int = 60_000) -> None:
        """On a /jobs/<id> page: wait until its script has polled the job to its end."""
        self.page.locator(".job-status").filter(has_text=re.compile("^(done|failed)$")).wait_for(
            timeout=timeout_ms
        )
        status = self.page.locator(".job-status").inner_text()
        error = self.page.locator(".job-error").inner_text()
        assert status == "done", f"the job ended {status}: {error}"


def _expected_console_error(text: str) -> bool:
    # Chromium logs a page answered 403 as a console error; the test that provokes one (a
    # forged POST) checks the page it gets instead.
    return text.startswith("Failed to load resource: the server responded with a status of 403")

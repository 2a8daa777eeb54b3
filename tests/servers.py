"""Real network servers for tests: an aiosmtpd SMTP server on 127.0.0.1 that records mail,
and a Dovecot IMAP server with a Maildir in a temporary folder.

The server can be told to refuse recipients (550) or to drop the connection in the middle of a
transaction, so that delivery failures are tested against a real SMTP conversation rather than
a mock of smtplib.
"""

from __future__ import annotations

import base64
import contextlib
import email
import email.policy
import logging
import os
import shutil
import signal
import socket
import string
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from imapclient import IMAPClient

SMTP_USERNAME = "mailer"
SMTP_PASSWORD = "mail-secret"


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class RecordingHandler:
    """aiosmtpd handler hooks: record what arrives, or inject the faults the test asked for."""

    received: list[ReceivedMail] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    drop_on_data: bool = False
    logins: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.lower() in self.refused:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.drop_on_data:
            # The whole message has arrived but no reply is given: the client cannot know
            # whether it was delivered, the worst case for a sender.
            assert server.transport is not None
            server.transport.abort()
            return "421 4.3.0 closing"
        content = envelope.original_content or b""
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.received.append(
                ReceivedMail(str(envelope.mail_from), list(envelope.rcpt_tos), message)
            )
        return "250 2.0.0 Message accepted"


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    handler = server.event_handler
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (SMTP_USERNAME, SMTP_PASSWORD)
    if ok:
        handler.logins.append(auth_data.login.decode())
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on at the moment of asking."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SmtpServer:
    """A running server: where it listens and what it received."""

    host: str
    port: int
    handler: RecordingHandler
    username: str = SMTP_USERNAME
    password: str = SMTP_PASSWORD

    @property
    def received(self) -> list[ReceivedMail]:
        with self.handler.lock:
            return list(self.handler.received)

    def refuse(self, *addresses: str) -> None:
        """Answer 550 to RCPT TO for these addresses."""
        self.handler.refused.update(a.lower() for a in addresses)

    def drop_connection_on_data(self) -> None:
        """Close the connection after the message body, before replying to it."""
        self.handler.drop_on_data = True

    def config(self) -> dict[str, object]:
        """App settings that send mail through this server, in the clear as a local relay."""
        return {
            "SMTP_HOST": self.host,
            "SMTP_PORT": self.port,
            "SMTP_STARTTLS": False,
            "MAIL_FROM": "foiatrack <foia@example.org>",
            "SMTP_TIMEOUT": 5,
        }


def _not_login_data_deprecation(record: logging.LogRecord) -> bool:
    # aiosmtpd 1.4 logs this from its own AUTH code on every successful login, whatever the
    # handler does; it is noise, not a problem with the test or with foiatrack.
    return "login_data is deprecated" not in record.getMessage()


def _start_controller(handler: RecordingHandler) -> Controller:
    # Another process may take the free port before the server binds it; try a few ports.
    for attempt in range(3):
        controller = Controller(
            handler,
            hostname="127.0.0.1",
            port=free_port(),
            # A fixed name: the default looks up this machine's FQDN, which can stall on DNS.
            server_hostname="smtp.test",
            authenticator=_authenticate,
            # AUTH in the clear is only for this loopback test server; it offers AUTH but does
            # not require it, the combination aiosmtpd accepts without a security warning.
            auth_require_tls=False,
            auth_required=False,
            ready_timeout=10,
        )
        try:
            controller.start()
        except OSError:
            # The server thread has ended; close its loop or it is reported as unclosed.
            controller.loop.close()
            if attempt == 2:
                raise
            continue
        return controller
    raise AssertionError("unreachable")


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on a free loopback port for the length of one test."""
    handler = RecordingHandler()
    mail_log = logging.getLogger("mail.log")
    mail_log.addFilter(_not_login_data_deprecation)
    controller = _start_controller(handler)
    try:
        yield SmtpServer(controller.hostname, controller.port, handler)
    finally:
        controller.stop()
        mail_log.removeFilter(_not_login_data_deprecation)


IMAP_USERNAME = "agency-replies"
IMAP_PASSWORD = "imap-secret"
DOVECOT_TEMPLATE = Path(__file__).with_name("dovecot.conf.template")
#: Dovecot refuses to run mail processes as root; the test user is "nobody"
NOBODY = 65534


@dataclass(frozen=True)
class ImapMessage:
    uid: int
    flags: tuple[bytes, ...]
    data: bytes


@dataclass
class ImapServer:
    """A running Dovecot: where it listens, and helpers that talk to it as a mail client would."""

    host: str
    port: int
    root: Path
    conf: Path
    process: subprocess.Popen[bytes]
    user: str = IMAP_USERNAME
    password: str = IMAP_PASSWORD

    def config(self, **overrides: object) -> dict[str, object]:
        """App settings (IMAP_*) that read this server's INBOX in the clear."""
        return {
            "IMAP_HOST": self.host,
            "IMAP_PORT": self.port,
            "IMAP_USERNAME": self.user,
            "IMAP_PASSWORD": self.password,
            "IMAP_SSL": False,
            "IMAP_STARTTLS": False,
            "IMAP_TIMEOUT": 10,
        } | overrides

    def client(self) -> IMAPClient:
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=30)
        client.login(self.user, self.password)
        return client

    def append(self, folder: str, data: bytes) -> int:
        """Deliver one message into `folder` (made if missing); returns its UID."""
        return self.append_many(folder, [data])[0]

    def append_many(self, folder: str, messages: list[bytes]) -> list[int]:
        client = self.client()
        try:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            uids = []
            for data in messages:
                response = client.append(folder, data)
                # "[APPENDUID <uidvalidity> <uid>] Append completed."
                uids.append(int(response.split(b"]")[0].split()[-1]))
            return uids
        finally:
            client.logout()

    def messages(self, folder: str = "INBOX") -> list[ImapMessage]:
        """Every message in `folder`, read without changing any flag."""
        client = self.client()
        try:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            uids = client.search(["ALL"])
            fetched = client.fetch(uids, ["FLAGS", "BODY.PEEK[]"]) if uids else {}
            return [
                ImapMessage(uid, tuple(fetched[uid][b"FLAGS"]), fetched[uid][b"BODY[]"])
                for uid in sorted(fetched)
            ]
        finally:
            client.logout()

    def uidvalidity(self, folder: str = "INBOX") -> int:
        client = self.client()
        try:
            return int(client.folder_status(folder, ["UIDVALIDITY"])[b"UIDVALIDITY"])
        finally:
            client.logout()

    def doveadm(self, *args: str) -> subprocess.CompletedProcess[str]:
        doveadm = shutil.which("doveadm") or "/usr/bin/doveadm"
        return subprocess.run(
            [doveadm, "-c", str(self.conf), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    def change_uidvalidity(self, folder: str = "INBOX") -> int:
        """Give `folder` a new UIDVALIDITY, as a server migration or restore would."""
        new = self.uidvalidity(folder) + 1000
        result = self.doveadm(
            "mailbox", "update", "-u", self.user, "--uid-validity", str(new), folder
        )
        assert result.returncode == 0, result.stderr
        return new

    def kick(self) -> None:
        """Disconnect every session of the test user from the server's side."""
        result = self.doveadm("kick", self.user)
        # 68 (EX_NOUSER): nobody was connected, which some tests expect to be possible.
        assert result.returncode in (0, 68), result.stderr

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot",) if Path(p).exists()), None
    )


def _wait_for_port(host: str, port: int, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return True
        time.sleep(0.02)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop Dovecot's master and its children, which share the process group it leads."""
    if process.poll() is not None:
        return
    # SIGTERM to the group first; Dovecot sometimes takes seconds to shut down cleanly, which
    # a throwaway test server does not need, so the group is killed after a short wait.
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=0.5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # any child that outlived the master


def _start_dovecot(binary: str, root: Path) -> ImapServer:
    template = string.Template(DOVECOT_TEMPLATE.read_text())
    conf = root / "dovecot.conf"
    # Another process may take the free port before Dovecot binds it; try a few ports.
    for attempt in range(3):
        port = free_port()
        conf.write_text(template.substitute(root=root, port=port))
        process = subprocess.Popen(
            [binary, "-F", "-c", str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if _wait_for_port("127.0.0.1", port, process):
            return ImapServer("127.0.0.1", port, root, conf, process)
        _stop(process)
        if attempt == 2:
            log = (root / "dovecot.log").read_text(errors="replace")
            raise RuntimeError(f"Dovecot did not start:\n{log}")
    raise AssertionError("unreachable")


def dovecot_unavailable() -> str | None:
    """Why the Dovecot server cannot run on this machine, or None when it can."""
    if _dovecot_binary() is None:
        return "Dovecot is not installed (apt-get install dovecot-imapd)"
    if os.geteuid() != 0:
        return "the Dovecot test server runs its mail user as nobody, which needs root"
    return None


class DovecotUnavailable(RuntimeError):
    """Raised by `dovecot_server` when `dovecot_unavailable` has a reason."""


@contextlib.contextmanager
def dovecot_server() -> Iterator[ImapServer]:
    """A real Dovecot IMAP server on a free loopback port with an empty mailbox, stopped and
    removed at the end of the block (the `imap_server` fixture, and the ingest benchmark)."""
    reason = dovecot_unavailable()
    if reason is not None:
        raise DovecotUnavailable(reason)
    binary = _dovecot_binary()
    assert binary is not None
    # A short path under the system temporary folder: Dovecot's sockets live in base_dir and
    # a Unix socket path may not exceed about 100 bytes.
    root = Path(tempfile.mkdtemp(prefix="ft-imap-"))
    try:
        root.chmod(0o755)
        for sub in ("run", "state"):
            (root / sub).mkdir()
        mail = root / "mail"
        mail.mkdir()
        os.chown(mail, NOBODY, NOBODY)
        (root / "passwd").write_text(
            f"{IMAP_USERNAME}:{{PLAIN}}{IMAP_PASSWORD}:{NOBODY}:{NOBODY}::{mail / IMAP_USERNAME}\n"
        )
        server = _start_dovecot(binary, root)
        try:
            yield server
        finally:
            _stop(server.process)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    """A real Dovecot IMAP server on a free loopback port, with an empty mailbox, for one test."""
    from tests.conftest import needs_service

    reason = dovecot_unavailable()
    if reason is not None:
        needs_service(reason)
    with dovecot_server() as server:
        yield server


def make_mail(
    n: int,
    *,
    subject: str | None = None,
    message_id: str | None = None,
    body: str | None = None,
    extra_headers: str = "",
    attachment: bytes | None = None,
) -> bytes:
    """A plain RFC 5322 message, distinct for each `n` unless told otherwise."""
    message_id = message_id or f"<reply-{n}@records.city.example>"
    head = (
        "From: Records Clerk <records@city.example>\r\n"
        "To: foia@example.org\r\n"
        f"Subject: {subject or f'Your records request #{n}'}\r\n"
        f"Message-ID: {message_id}\r\n"
        "Date: Mon, 01 Jun 2026 10:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\n"
        f"{extra_headers}"
    )
    text = body or f"Reply number {n}: we received your request.\r\n"
    if attachment is None:
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text).encode()
    encoded = base64.encodebytes(attachment).replace(b"\n", b"\r\n")
    return (
        head.encode()
        + b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        + b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + text.encode()
        + b"\r\n--b1\r\nContent-Type: application/pdf\r\n"
        + b'Content-Disposition: attachment; filename="records.pdf"\r\n'
        + b"Content-Transfer-Encoding: base64\r\n\r\n"
        + encoded
        + b"--b1--\r\n"
    )

"""Real network servers for tests: an aiosmtpd SMTP server on 127.0.0.1 that records mail.

The server can be told to refuse recipients (550) or to drop the connection in the middle of a
transaction, so that delivery failures are tested against a real SMTP conversation rather than
a mock of smtplib.
"""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

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

"""Sending mail over SMTP with smtplib: the MailSender port for reminders and letters.

Configured from a plain mapping (the app's config) so that this module never needs Flask.
Every smtplib or socket failure comes out as a MailDeliveryError whose message says what went
wrong in words an operator can act on.
"""

from __future__ import annotations

import smtplib
import socket
import ssl as ssl_module
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from typing import Any

from foiatrack.adapters.settings import setting_flag as _flag
from foiatrack.adapters.settings import setting_number as _number
from foiatrack.domain.errors import MailDeliveryError, ValidationFailed


class SmtpSender:
    """One SMTP connection per message: a failure never leaves a half-used session behind."""

    def __init__(
        self,
        host: str,
        port: int = 587,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        ssl: bool = False,
        timeout: float = 30,
        tls_context: ssl_module.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.username = username or None
        self.password = password
        # Implicit TLS already encrypts the session; STARTTLS on top of it is meaningless.
        self.starttls = starttls and not ssl
        self.ssl = ssl
        self.timeout = timeout
        self.tls_context = tls_context
        self.local_hostname = local_hostname

    def __repr__(self) -> str:
        tls = "ssl" if self.ssl else "starttls" if self.starttls else "plain"
        return f"<SmtpSender {self.host}:{self.port} {tls} user={self.username!r}>"

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"

    def send(self, message: EmailMessage) -> None:
        """Deliver `message` to its To/Cc/Bcc recipients or raise MailDeliveryError."""
        recipients = [
            addr
            for _, addr in getaddresses(
                [str(v) for field in ("To", "Cc", "Bcc") for v in message.get_all(field, [])]
            )
            if addr
        ]
        if not recipients:
            raise MailDeliveryError("The message has no recipients.")
        try:
            with self._connect() as smtp:
                if self.starttls:
                    smtp.starttls(context=self._context())
                if self.username:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            reasons = {addr: _reply(code, text) for addr, (code, text) in exc.recipients.items()}
            raise MailDeliveryError(
                f"The mail server at {self.server} refused "
                + "; ".join(f"{addr} ({why})" for addr, why in reasons.items()),
                refused=reasons,
            ) from exc
        except smtplib.SMTPSenderRefused as exc:
            raise MailDeliveryError(
                f"The mail server at {self.server} refused the sender address {exc.sender} "
                f"({_reply(exc.smtp_code, exc.smtp_error)}); check MAIL_FROM."
            ) from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise MailDeliveryError(
                f"The mail server at {self.server} rejected the login for {self.username} "
                f"({_reply(exc.smtp_code, exc.smtp_error)}); check SMTP_USERNAME and "
                "SMTP_PASSWORD."
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise MailDeliveryError(self._unsupported(exc)) from exc
        except smtplib.SMTPServerDisconnected as exc:
            raise MailDeliveryError(
                f"The mail server at {self.server} closed the connection before it accepted "
                "the message; it was probably not sent."
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise MailDeliveryError(
                f"The mail server at {self.server} refused the message "
                f"({_reply(exc.smtp_code, exc.smtp_error)})."
            ) from exc
        except smtplib.SMTPException as exc:
            raise MailDeliveryError(f"Mail to {self.server} failed: {exc}") from exc
        except ssl_module.SSLError as exc:
            raise MailDeliveryError(
                f"TLS with the mail server at {self.server} failed: {exc.reason or exc}."
            ) from exc
        except TimeoutError as exc:
            raise MailDeliveryError(
                f"The mail server at {self.server} did not answer within {self.timeout:g} seconds."
            ) from exc
        except ConnectionRefusedError as exc:
            raise MailDeliveryError(
                f"Could not connect to the mail server at {self.server}: connection refused "
                "(wrong SMTP_HOST or SMTP_PORT, or the server is down)."
            ) from exc
        except socket.gaierror as exc:
            raise MailDeliveryError(
                f"Could not find the mail server {self.host}: {exc.strerror or exc}."
            ) from exc
        except OSError as exc:
            raise MailDeliveryError(
                f"Could not talk to the mail server at {self.server}: {exc.strerror or exc}."
            ) from exc
        if refused:
            reasons = {addr: _reply(code, text) for addr, (code, text) in refused.items()}
            raise MailDeliveryError(
                f"The mail server at {self.server} took the message for the other recipients "
                "but refused " + "; ".join(f"{addr} ({why})" for addr, why in reasons.items()),
                refused=reasons,
            )

    def _connect(self) -> smtplib.SMTP:
        if self.ssl:
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=self.local_hostname,
                timeout=self.timeout,
                context=self._context(),
            )
        return smtplib.SMTP(
            self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout
        )

    def _context(self) -> ssl_module.SSLContext:
        return self.tls_context or ssl_module.create_default_context()

    def _unsupported(self, exc: smtplib.SMTPNotSupportedError) -> str:
        text = str(exc).lower()
        if "starttls" in text:
            return (
                f"The mail server at {self.server} does not offer STARTTLS. Use SMTP_SSL "
                "(usually with port 465) if it expects TLS from the start; turn SMTP_STARTTLS "
                "off only for a relay on this machine or a trusted network."
            )
        if "auth" in text:
            return (
                f"The mail server at {self.server} does not offer a login (AUTH) on this "
                "connection; leave SMTP_USERNAME unset, or enable TLS if it only offers AUTH "
                "over TLS."
            )
        return f"The mail server at {self.server} does not support what foiatrack asked: {exc}"


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {message}".strip()


def smtp_sender_from_config(config: Mapping[str, Any]) -> SmtpSender | None:
    """An SmtpSender from the SMTP_* settings, or None when SMTP_HOST is unset."""
    host = str(config.get("SMTP_HOST") or "").strip()
    if not host:
        return None
    use_ssl = _flag(config, "SMTP_SSL", default=False)
    return SmtpSender(
        host,
        _number(config, "SMTP_PORT", int, default=587),
        username=str(config.get("SMTP_USERNAME") or "").strip() or None,
        password=config.get("SMTP_PASSWORD") or None,
        starttls=_flag(config, "SMTP_STARTTLS", default=True),
        ssl=use_ssl,
        timeout=_number(config, "SMTP_TIMEOUT", float, default=30.0),
    )


def mail_from_config(config: Mapping[str, Any]) -> str:
    """The MAIL_FROM setting, checked to hold one address; ValidationFailed when unusable."""
    value = str(config.get("MAIL_FROM") or "").strip()
    if not value:
        raise ValidationFailed(
            "SMTP_HOST is set but MAIL_FROM is not: set FOIATRACK_MAIL_FROM to the address "
            "mail is sent from, e.g. 'foiatrack <foia@example.org>'."
        )
    _, addr = parseaddr(value)
    if "@" not in addr:
        raise ValidationFailed(f"MAIL_FROM is not an e-mail address: {value!r}.")
    return value


def mail_domain(mail_from: str) -> str:
    """The domain of the From address, for Message-IDs that do not depend on this machine."""
    _, addr = parseaddr(mail_from)
    return addr.rpartition("@")[2] or "localhost"

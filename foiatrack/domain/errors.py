"""Errors the domain raises; the web layer maps them onto 4xx responses."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: a rule of the domain refused the operation. The message is shown to users."""

    status_code = 400


class NotFound(DomainError):
    status_code = 404


class PermissionDenied(DomainError):
    status_code = 403


class ValidationFailed(DomainError):
    """Input broke a rule; `problems` lists each one for display."""

    status_code = 422

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class InvalidTransition(DomainError):
    status_code = 409


class MailDeliveryError(DomainError):
    """The mail server did not take a message; nothing was sent to the refused recipients."""

    status_code = 502

    def __init__(self, message: str, refused: dict[str, str] | None = None) -> None:
        super().__init__(message)
        #: recipient address -> the server's reason, when the server named who it refused
        self.refused = refused or {}


class LetterTemplateError(DomainError):
    """A letter template cannot be used: bad metadata or syntax, a missing value, a sandbox escape.

    `part` is "body", "subject" or a file name, `lineno` the template line when known, and
    `problems` lists every problem when several were found at once (loading a directory).
    """

    status_code = 422

    def __init__(
        self,
        message: str,
        *,
        part: str | None = None,
        lineno: int | None = None,
        problems: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.part = part
        self.lineno = lineno
        self.problems = problems or [message]


class MailboxError(DomainError):
    """The mailbox (IMAP server) could not be reached or refused a command; nothing was lost:
    what was stored before the failure stays stored, and the next pass carries on from there."""

    status_code = 502

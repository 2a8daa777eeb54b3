"""The small interfaces the domain needs from the outside world; adapters/ implements them."""

from __future__ import annotations

from email.message import EmailMessage
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from foiatrack.domain.letters.frame import LetterFrame


class MailSender(Protocol):
    """Hands a finished message to a mail server."""

    def send(self, message: EmailMessage) -> None:
        """Deliver `message` to its To/Cc/Bcc recipients or raise MailDeliveryError."""
        ...


class LetterRenderer(Protocol):
    """Turns a laid-out letter into a file (PDF, DOCX) whose text is the frame's plain text."""

    def render(self, frame: LetterFrame) -> bytes:
        """Return the file's bytes; never fetch anything from the network or the disk."""
        ...

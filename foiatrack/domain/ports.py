"""The small interfaces the domain needs from the outside world; adapters/ implements them."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol


class MailSender(Protocol):
    """Hands a finished message to a mail server."""

    def send(self, message: EmailMessage) -> None:
        """Deliver `message` to its To/Cc/Bcc recipients or raise MailDeliveryError."""
        ...

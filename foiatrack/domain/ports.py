"""The small interfaces the domain needs from the outside world; adapters/ implements them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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


class Mailbox(Protocol):
    """One folder of a mail server, read by UID; every failure is a MailboxError."""

    #: stable across runs ("imap://user@host:993/INBOX"): RawMessage.mailbox and the lock key
    name: str

    @property
    def supports_idle(self) -> bool:
        """True when idle_wait can wait for the server to announce new mail."""
        ...

    def uidvalidity(self) -> int:
        """(Re)open the folder and return its UIDVALIDITY; call it at the start of each pass."""
        ...

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above `last_uid` not yet marked done, in ascending order."""
        ...

    def fetch(self, uids: Sequence[int]) -> Iterator[tuple[int, bytes]]:
        """Yield (uid, raw bytes) in order, a few messages at a time, without marking them read.

        A UID that is gone from the server (expunged meanwhile) is left out.
        """
        ...

    def mark_done(self, uid: int) -> None:
        """The message is safely stored: move it to the processed folder or flag it."""
        ...

    def idle_wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for new mail; True when the server announced some."""
        ...

    def close(self) -> None:
        """Log out, or drop the connection; never raises."""
        ...

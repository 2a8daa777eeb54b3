"""Reading a mailbox over IMAP with imapclient: the Mailbox port for fetching agency replies.

Configured from a plain mapping (the app's config, IMAP_* settings) so that this module never
needs Flask. Every imapclient, TLS or socket failure comes out as a MailboxError whose message
says what went wrong in words an operator can act on.

Messages are fetched with BODY.PEEK[] (nothing is marked read by fetching) in batches bounded
by count and by bytes, so a pass over a large mailbox never holds more than one batch in
memory. A message is marked done only when the caller says so, after its bytes are committed.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl as ssl_module
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from imapclient import IMAPClient
from imapclient.exceptions import (
    CapabilityError,
    IMAPClientAbortError,
    IMAPClientError,
    LoginError,
)

from foiatrack.adapters.settings import setting_flag as _flag
from foiatrack.adapters.settings import setting_number as _number
from foiatrack.domain.errors import MailboxError, ValidationFailed

#: set on every message foiatrack has stored, so it is not fetched again (also after a
#: UIDVALIDITY change) and so a person looking at the mailbox can see what was taken
DONE_KEYWORD = "$Foiatrack"
#: a batch of BODY.PEEK[] holds at most this many messages...
BATCH_COUNT = 20
#: ...and at most this many bytes, unless a single message is larger on its own
BATCH_BYTES = 8 * 1024 * 1024
#: UIDs per UID SEARCH and per size look-up: imaplib refuses response lines over 1 MB
UID_WINDOW = 50_000
SIZE_CHUNK = 500


@dataclass(frozen=True)
class ImapSettings:
    """Where the mailbox is and how to log in."""

    host: str
    username: str
    password: str = field(repr=False)
    port: int = 993
    ssl: bool = True
    starttls: bool = False
    folder: str = "INBOX"
    #: handled messages are moved here; without it they stay and get the DONE_KEYWORD
    processed_folder: str | None = None
    timeout: float = 60.0

    @property
    def name(self) -> str:
        """Stable for a given configuration: the key of the cursor, the lock and raw rows."""
        user = quote(self.username, safe="")
        return f"imap://{user}@{self.host}:{self.port}/{self.folder}"

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"


def imap_settings_from_config(config: Mapping[str, Any]) -> ImapSettings | None:
    """ImapSettings from the IMAP_* settings, or None when IMAP_HOST is unset."""
    host = str(config.get("IMAP_HOST") or "").strip()
    if not host:
        return None
    username = str(config.get("IMAP_USERNAME") or "").strip()
    if not username:
        raise ValidationFailed("IMAP_HOST is set but IMAP_USERNAME is not.")
    use_ssl = _flag(config, "IMAP_SSL", default=True)
    # Plain IMAP is upgraded with STARTTLS unless that is turned off explicitly (a server on
    # this machine or a trusted network).
    starttls = _flag(config, "IMAP_STARTTLS", default=not use_ssl) and not use_ssl
    folder = str(config.get("IMAP_FOLDER") or "INBOX").strip() or "INBOX"
    processed = str(config.get("IMAP_PROCESSED_FOLDER") or "").strip() or None
    if processed == folder:
        raise ValidationFailed("IMAP_PROCESSED_FOLDER must differ from IMAP_FOLDER.")
    return ImapSettings(
        host=host,
        port=_number(config, "IMAP_PORT", int, default=993 if use_ssl else 143),
        username=username,
        password=str(config.get("IMAP_PASSWORD") or ""),
        ssl=use_ssl,
        starttls=starttls,
        folder=folder,
        processed_folder=processed,
        timeout=_number(config, "IMAP_TIMEOUT", float, default=60.0),
    )


class ImapMailbox:
    """One logged-in IMAP connection with the folder selected; see foiatrack.domain.ports."""

    def __init__(
        self,
        settings: ImapSettings,
        *,
        tls_context: ssl_module.SSLContext | None = None,
        batch_count: int = BATCH_COUNT,
        batch_bytes: int = BATCH_BYTES,
    ) -> None:
        self.settings = settings
        self.name = settings.name
        self.batch_count = batch_count
        self.batch_bytes = batch_bytes
        self._tls_context = tls_context
        self._uidnext: int | None = None
        self._keywords = False
        self._idling = False
        self._highest_listed = 0
        self.client = self._connect()

    def __repr__(self) -> str:
        return f"<ImapMailbox {self.name}>"

    def __enter__(self) -> ImapMailbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def supports_idle(self) -> bool:
        return self._has("IDLE")

    def _context(self) -> ssl_module.SSLContext:
        return self._tls_context or ssl_module.create_default_context()

    def _connect(self) -> IMAPClient:
        s = self.settings
        with self._errors("connect"):
            client = IMAPClient(
                s.host,
                port=s.port,
                ssl=s.ssl,
                ssl_context=self._context() if s.ssl else None,
                timeout=s.timeout,
            )
        if not logging.getLogger("imapclient.imaplib").isEnabledFor(logging.DEBUG):
            # imapclient turns imaplib's debug output up to route it to a logger; imaplib then
            # formats a repr of every literal it reads, two extra copies of each message.
            client._imap.debug = 0
        try:
            with self._errors("log in"):
                if s.starttls:
                    client.starttls(self._context())
                client.login(s.username, s.password)
            if s.processed_folder:
                with self._errors(f"create the folder {s.processed_folder!r}"):
                    if not client.folder_exists(s.processed_folder):
                        client.create_folder(s.processed_folder)
            self._select(client)
        except BaseException:
            with contextlib.suppress(Exception):
                client.shutdown()
            raise
        return client

    def _select(self, client: IMAPClient) -> int:
        folder = self.settings.folder
        with self._errors(f"open the folder {folder!r}"):
            info = client.select_folder(folder)
        self._uidnext = int(info[b"UIDNEXT"]) if b"UIDNEXT" in info else None
        # "\*" in PERMANENTFLAGS: the server keeps keywords we make up.
        self._keywords = b"\\*" in info.get(b"PERMANENTFLAGS", ())
        return int(info[b"UIDVALIDITY"])

    def _has(self, capability: str) -> bool:
        with self._errors("read the capabilities"):
            return bool(self.client.has_capability(capability))

    def uidvalidity(self) -> int:
        """Re-select the folder (fresh UIDNEXT and flags) and return its UIDVALIDITY."""
        return self._select(self.client)

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above `last_uid` without the DONE_KEYWORD, ascending."""
        extra = ["NOT", "KEYWORD", DONE_KEYWORD] if self._keywords else []
        found: list[int] = []
        low = last_uid + 1
        while True:
            high = low + UID_WINDOW - 1
            last_window = self._uidnext is None or high >= self._uidnext - 1
            # "n:*" always matches the highest UID even when it is below n (RFC 3501 6.4.8):
            # the filter below drops it.
            spec = f"{low}:*" if last_window else f"{low}:{high}"
            with self._errors("search the folder"):
                uids = self.client.search(["UID", spec, *extra])
            found.extend(u for u in uids if u >= low and (last_window or u <= high))
            if last_window:
                self._highest_listed = max([self._highest_listed, *found])
                return sorted(set(found))
            low = high + 1

    def fetch(self, uids: Sequence[int]) -> Iterator[tuple[int, bytes]]:
        """Yield (uid, bytes) in UID order, one bounded batch of BODY.PEEK[] at a time."""
        ordered = sorted(uids)
        for start in range(0, len(ordered), SIZE_CHUNK):
            chunk = ordered[start : start + SIZE_CHUNK]
            with self._errors("read message sizes"):
                sizes = self.client.fetch(chunk, ["RFC822.SIZE"])
            batch: list[int] = []
            batch_size = 0
            for uid in chunk:
                if uid not in sizes:
                    continue
                size = int(sizes[uid].get(b"RFC822.SIZE", 0))
                if batch and (
                    len(batch) >= self.batch_count or batch_size + size > self.batch_bytes
                ):
                    yield from self._fetch_batch(batch)
                    batch, batch_size = [], 0
                batch.append(uid)
                batch_size += size
            if batch:
                yield from self._fetch_batch(batch)

    def _fetch_batch(self, uids: list[int]) -> Iterator[tuple[int, bytes]]:
        with self._errors("fetch messages"):
            response = self.client.fetch(uids, ["BODY.PEEK[]"])
        for uid in uids:
            entry = response.pop(uid, None)
            if entry is None:
                continue  # expunged by someone else since the size look-up
            data = entry.get(b"BODY[]")
            if data is None:
                raise MailboxError(
                    f"The IMAP server at {self.settings.server} returned no content for "
                    f"message UID {uid} in {self.settings.folder!r}."
                )
            yield uid, bytes(data)

    def mark_done(self, uid: int) -> None:
        """Flag the message with DONE_KEYWORD, then move it to the processed folder if set.

        Without MOVE the message is copied, flagged \\Deleted and expunged by UID (UIDPLUS);
        without UIDPLUS it is left flagged for the owner's client to expunge, because a plain
        EXPUNGE would also remove messages someone else flagged \\Deleted.
        """
        processed = self.settings.processed_folder
        with self._errors("mark a message as handled"):
            if self._keywords:
                self.client.add_flags([uid], [DONE_KEYWORD], silent=True)
            elif not processed:
                self.client.add_flags([uid], [b"\\Seen"], silent=True)
            if not processed:
                return
            if self.client.has_capability("MOVE"):
                self.client.move([uid], processed)
                return
            self.client.copy([uid], processed)
            self.client.add_flags([uid], [b"\\Deleted"], silent=True)
            if self.client.has_capability("UIDPLUS"):
                self.client.uid_expunge([uid])

    def idle_wait(self, timeout: float) -> bool:
        """IMAP IDLE for up to `timeout` seconds; True as soon as the server reports mail."""
        deadline = time.monotonic() + timeout
        # Mail that arrived after the last search but before IDLE starts is not always
        # announced once IDLE runs (Dovecot notices it at its next periodic check): look first.
        if self.uids_after(self._highest_listed):
            return True
        with self._errors("wait for new mail (IDLE)"):
            self.client.idle()
        self._idling = True
        arrived = False
        # An exception (a stop signal, a dead connection) leaves without DONE: ending IDLE
        # politely would wait for the server's answer and could hide why we are leaving.
        while not arrived and (remaining := deadline - time.monotonic()) > 0:
            with self._errors("wait for new mail (IDLE)"):
                responses = self.client.idle_check(timeout=remaining)
            arrived = any(len(r) >= 2 and r[1] in (b"EXISTS", b"RECENT") for r in responses)
            if not responses and deadline - time.monotonic() > 1:
                # Woken early with nothing to read: the server closed the connection (or TLS
                # sent a partial record). Ending IDLE below tells which, instead of spinning.
                break
        with self._errors("end IDLE"):
            self.client.idle_done()
        self._idling = False
        return arrived

    def close(self) -> None:
        """Log out; if the connection is broken or left in IDLE, just drop it."""
        if self._idling:
            # Left IDLE by an exception (a stop signal): a LOGOUT now would not be answered.
            with contextlib.suppress(Exception):
                self.client.shutdown()
            return
        try:
            self.client.logout()
        except Exception:
            with contextlib.suppress(Exception):
                self.client.shutdown()

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        s = self.settings
        where = f"the IMAP server at {s.server}"
        where_ = f"The IMAP server at {s.server}"
        try:
            yield
        except MailboxError:
            raise
        except LoginError as exc:
            raise MailboxError(
                f"{where_} rejected the login for {s.username} "
                f"({_text(exc)}); check IMAP_USERNAME and IMAP_PASSWORD."
            ) from exc
        except CapabilityError as exc:
            if "STARTTLS" in str(exc).upper():
                raise MailboxError(
                    f"{where_} does not offer STARTTLS. Set IMAP_SSL if it expects TLS from the "
                    "start (usually port 993); turn IMAP_STARTTLS off only for a server on this "
                    "machine or a trusted network."
                ) from exc
            raise MailboxError(
                f"{where_} cannot {action}: it lacks a needed capability ({_text(exc)})."
            ) from exc
        except IMAPClientAbortError as exc:
            raise MailboxError(
                f"{where_} dropped the connection while trying to {action} ({_text(exc)})."
            ) from exc
        except IMAPClientError as exc:
            raise MailboxError(f"{where_} refused to {action} ({_text(exc)}).") from exc
        except ssl_module.SSLError as exc:
            raise MailboxError(
                f"TLS with {where} failed: {exc.reason or exc}. Check IMAP_SSL and "
                "IMAP_STARTTLS (SSL is usually port 993, STARTTLS port 143)."
            ) from exc
        except TimeoutError as exc:
            raise MailboxError(
                f"{where_} did not answer within {s.timeout:g} seconds while trying to {action}."
            ) from exc
        except ConnectionRefusedError as exc:
            raise MailboxError(
                f"Could not connect to {where}: connection refused (wrong IMAP_HOST or "
                "IMAP_PORT, or the server is down)."
            ) from exc
        except socket.gaierror as exc:
            raise MailboxError(
                f"Could not find the IMAP server {s.host}: {exc.strerror or exc}."
            ) from exc
        except (OSError, EOFError) as exc:
            raise MailboxError(
                f"Lost the connection to {where} while trying to {action}: "
                f"{getattr(exc, 'strerror', None) or exc or type(exc).__name__}."
            ) from exc


def _text(exc: BaseException) -> str:
    text = str(exc)
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1]
    return text or type(exc).__name__


def imap_mailbox_from_config(config: Mapping[str, Any]) -> ImapMailbox | None:
    """A connected ImapMailbox from the IMAP_* settings, or None when IMAP_HOST is unset."""
    settings = imap_settings_from_config(config)
    return ImapMailbox(settings) if settings is not None else None

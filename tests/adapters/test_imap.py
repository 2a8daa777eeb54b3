"""ImapMailbox against a real Dovecot: UID cursor, streaming fetch, marking done, IDLE, errors."""

from __future__ import annotations

import threading
import time

import pytest

from foiatrack.adapters.imap import (
    DONE_KEYWORD,
    ImapMailbox,
    ImapSettings,
    imap_mailbox_from_config,
    imap_settings_from_config,
)
from foiatrack.domain.errors import MailboxError, ValidationFailed
from tests.servers import ImapServer, free_port, make_mail


def _mailbox(server: ImapServer, **config: object) -> ImapMailbox:
    mailbox = imap_mailbox_from_config(server.config(**config))
    assert mailbox is not None
    return mailbox


def test_settings_from_config_defaults() -> None:
    assert imap_settings_from_config({}) is None
    assert imap_settings_from_config({"IMAP_HOST": "  "}) is None
    settings = imap_settings_from_config(
        {"IMAP_HOST": "imap.example.org", "IMAP_USERNAME": "foia@example.org"}
    )
    assert settings == ImapSettings(
        host="imap.example.org",
        username="foia@example.org",
        password="",
        port=993,
        ssl=True,
        starttls=False,
        folder="INBOX",
        processed_folder=None,
        timeout=60.0,
    )
    assert settings.name == "imap://foia%40example.org@imap.example.org:993/INBOX"
    assert "password" not in repr(
        imap_settings_from_config({"IMAP_HOST": "h", "IMAP_USERNAME": "u", "IMAP_PASSWORD": "pw"})
    ).replace("password=", "")


def test_settings_plain_imap_uses_starttls_by_default() -> None:
    settings = imap_settings_from_config(
        {
            "IMAP_HOST": "h",
            "IMAP_USERNAME": "u",
            "IMAP_SSL": "false",
            "IMAP_FOLDER": "Agencies",
            "IMAP_PROCESSED_FOLDER": "Agencies/Done",
        }
    )
    assert settings is not None
    assert (settings.port, settings.ssl, settings.starttls) == (143, False, True)
    assert (settings.folder, settings.processed_folder) == ("Agencies", "Agencies/Done")


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"IMAP_USERNAME": ""}, "IMAP_USERNAME"),
        ({"IMAP_SSL": "maybe"}, "IMAP_SSL"),
        ({"IMAP_PORT": "imap"}, "IMAP_PORT"),
        ({"IMAP_PROCESSED_FOLDER": "INBOX"}, "IMAP_PROCESSED_FOLDER"),
    ],
)
def test_settings_refuse_bad_values(config: dict[str, object], problem: str) -> None:
    with pytest.raises(ValidationFailed, match=problem):
        imap_settings_from_config({"IMAP_HOST": "h", "IMAP_USERNAME": "u"} | config)


def test_uids_after_is_a_cursor(imap_server: ImapServer) -> None:
    uids = imap_server.append_many("INBOX", [make_mail(i) for i in range(3)])
    with _mailbox(imap_server) as mailbox:
        assert mailbox.uidvalidity() == imap_server.uidvalidity()
        assert mailbox.uids_after(0) == uids
        assert mailbox.uids_after(uids[0]) == uids[1:]
        # "n:*" matches the last message even above it; the adapter must not return it.
        assert mailbox.uids_after(uids[-1]) == []
        assert mailbox.uids_after(uids[-1] + 100) == []


def test_fetch_streams_in_batches_without_marking_read(imap_server: ImapServer) -> None:
    sent = [make_mail(i) for i in range(5)]
    uids = imap_server.append_many("INBOX", sent)
    with _mailbox(imap_server) as mailbox:
        mailbox.batch_count = 2
        mailbox.uidvalidity()
        fetched = mailbox.fetch(mailbox.uids_after(0))
        first = next(fetched)
        # One batch is in memory, the rest is still on the server: the generator is lazy.
        assert first == (uids[0], sent[0])
        rest = list(fetched)
    assert [uid for uid, _ in rest] == uids[1:]
    assert [data for _, data in rest] == sent[1:]
    assert all(b"\\Seen" not in m.flags for m in imap_server.messages())


def test_fetch_skips_messages_expunged_meanwhile(imap_server: ImapServer) -> None:
    uids = imap_server.append_many("INBOX", [make_mail(i) for i in range(3)])
    with _mailbox(imap_server) as mailbox:
        mailbox.uidvalidity()
        other = imap_server.client()
        other.select_folder("INBOX")
        other.delete_messages([uids[1]])
        other.expunge()
        other.logout()
        assert [uid for uid, _ in mailbox.fetch(uids)] == [uids[0], uids[2]]


def test_mark_done_without_processed_folder_sets_the_keyword(imap_server: ImapServer) -> None:
    uids = imap_server.append_many("INBOX", [make_mail(i) for i in range(2)])
    with _mailbox(imap_server) as mailbox:
        mailbox.uidvalidity()
        mailbox.mark_done(uids[0])
        # Even from the start (after a UIDVALIDITY reset) a handled message is not listed.
        assert mailbox.uids_after(0) == [uids[1]]
    flags = {m.uid: m.flags for m in imap_server.messages()}
    assert DONE_KEYWORD.encode() in flags[uids[0]]
    assert DONE_KEYWORD.encode() not in flags[uids[1]]
    assert b"\\Seen" not in flags[uids[0]]


def test_mark_done_moves_to_the_processed_folder(imap_server: ImapServer) -> None:
    uids = imap_server.append_many("INBOX", [make_mail(i) for i in range(2)])
    with _mailbox(imap_server, IMAP_PROCESSED_FOLDER="Foiatrack-Done") as mailbox:
        mailbox.uidvalidity()
        mailbox.mark_done(uids[0])
        assert mailbox.uids_after(0) == [uids[1]]
    assert [m.data for m in imap_server.messages()] == [make_mail(1)]
    assert [m.data for m in imap_server.messages("Foiatrack-Done")] == [make_mail(0)]


def test_mark_done_without_move_copies_and_expunges_by_uid(imap_server: ImapServer) -> None:
    uids = imap_server.append_many("INBOX", [make_mail(i) for i in range(2)])
    with _mailbox(imap_server, IMAP_PROCESSED_FOLDER="Done") as mailbox:
        real = mailbox.client.has_capability
        mailbox.client.has_capability = lambda name: name != "MOVE" and real(name)  # type: ignore[method-assign]
        mailbox.uidvalidity()
        mailbox.mark_done(uids[0])
    # The other message, though not handled, is untouched: only the handled UID is expunged.
    assert [(m.data, b"\\Deleted" in m.flags) for m in imap_server.messages()] == [
        (make_mail(1), False)
    ]
    assert [m.data for m in imap_server.messages("Done")] == [make_mail(0)]


def test_other_folder(imap_server: ImapServer) -> None:
    imap_server.append("INBOX", make_mail(1))
    uid = imap_server.append("Agencies", make_mail(2))
    with _mailbox(imap_server, IMAP_FOLDER="Agencies") as mailbox:
        assert mailbox.name.endswith(f":{imap_server.port}/Agencies")
        mailbox.uidvalidity()
        assert list(mailbox.fetch(mailbox.uids_after(0))) == [(uid, make_mail(2))]


def test_idle_wait_wakes_up_when_mail_arrives(imap_server: ImapServer) -> None:
    with _mailbox(imap_server) as mailbox:
        assert mailbox.supports_idle
        mailbox.uidvalidity()
        started = time.monotonic()
        assert mailbox.idle_wait(0.3) is False
        assert time.monotonic() - started >= 0.3
        timer = threading.Timer(0.3, imap_server.append, ("INBOX", make_mail(1)))
        timer.start()
        try:
            started = time.monotonic()
            assert mailbox.idle_wait(20) is True
            assert time.monotonic() - started < 10
        finally:
            timer.join()
        # The connection is usable after IDLE.
        assert len(mailbox.uids_after(0)) == 1


def test_wrong_password(imap_server: ImapServer) -> None:
    with pytest.raises(MailboxError, match=r"rejected the login .*IMAP_PASSWORD"):
        _mailbox(imap_server, IMAP_PASSWORD="wrong")


def test_nothing_listening() -> None:
    config = {"IMAP_HOST": "127.0.0.1", "IMAP_PORT": free_port(), "IMAP_USERNAME": "u"}
    with pytest.raises(MailboxError, match="connection refused"):
        imap_mailbox_from_config(config | {"IMAP_SSL": False, "IMAP_STARTTLS": False})


def test_missing_folder(imap_server: ImapServer) -> None:
    with pytest.raises(MailboxError, match="open the folder 'Nope'"):
        _mailbox(imap_server, IMAP_FOLDER="Nope")


def test_starttls_refused_by_a_server_without_tls(imap_server: ImapServer) -> None:
    with pytest.raises(MailboxError, match="does not offer STARTTLS") as raised:
        _mailbox(imap_server, IMAP_STARTTLS=True)
    assert f"127.0.0.1:{imap_server.port}" in str(raised.value)


def test_server_side_disconnect_is_a_mailbox_error(imap_server: ImapServer) -> None:
    imap_server.append("INBOX", make_mail(1))
    mailbox = _mailbox(imap_server)
    mailbox.uidvalidity()
    imap_server.kick()
    with pytest.raises(MailboxError, match=r"IMAP server at 127\.0\.0\.1"):
        mailbox.uids_after(0)
    mailbox.close()  # never raises, even on a dead connection

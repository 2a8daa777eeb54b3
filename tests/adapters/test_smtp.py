"""The SMTP adapter against a real SMTP server on the loopback interface."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from foiatrack.adapters.smtp import (
    SmtpSender,
    mail_domain,
    mail_from_config,
    smtp_sender_from_config,
)
from foiatrack.domain.errors import MailDeliveryError, ValidationFailed
from tests.servers import SmtpServer, free_port


def _message(*to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "foiatrack <foia@example.org>"
    message["To"] = ", ".join(to)
    message["Subject"] = "Records request: Ring partnership"
    message.set_content("Under the Michigan FOIA, I request… ¶ records.\n")
    return message


def _plain(server: SmtpServer, **options: object) -> SmtpSender:
    return SmtpSender(server.host, server.port, starttls=False, timeout=5, **options)  # type: ignore[arg-type]


def test_sends_a_message(smtp_server: SmtpServer) -> None:
    _plain(smtp_server).send(_message("ann@example.org", "Bob <bob@example.org>"))

    [mail] = smtp_server.received
    assert mail.mail_from == "foia@example.org"
    assert mail.rcpt_tos == ["ann@example.org", "bob@example.org"]
    assert mail.message["Subject"] == "Records request: Ring partnership"
    assert "I request… ¶ records." in mail.message.get_content()


def test_logs_in_when_a_username_is_set(smtp_server: SmtpServer) -> None:
    _plain(smtp_server, username=smtp_server.username, password=smtp_server.password).send(
        _message("ann@example.org")
    )
    assert smtp_server.handler.logins == [smtp_server.username]
    assert len(smtp_server.received) == 1


def test_a_wrong_password_is_a_delivery_error(smtp_server: SmtpServer) -> None:
    sender = _plain(smtp_server, username=smtp_server.username, password="wrong")
    with pytest.raises(MailDeliveryError, match=r"rejected the login for mailer \(535"):
        sender.send(_message("ann@example.org"))
    assert smtp_server.received == []


def test_a_refused_recipient_is_a_delivery_error(smtp_server: SmtpServer) -> None:
    smtp_server.refuse("gone@example.org")
    with pytest.raises(MailDeliveryError, match=r"refused gone@example.org \(550") as caught:
        _plain(smtp_server).send(_message("gone@example.org"))
    assert list(caught.value.refused) == ["gone@example.org"]
    assert smtp_server.received == []


def test_a_partly_refused_message_names_who_missed_it(smtp_server: SmtpServer) -> None:
    smtp_server.refuse("gone@example.org")
    with pytest.raises(MailDeliveryError, match="for the other recipients") as caught:
        _plain(smtp_server).send(_message("ann@example.org", "gone@example.org"))
    assert list(caught.value.refused) == ["gone@example.org"]
    assert [m.rcpt_tos for m in smtp_server.received] == [["ann@example.org"]]


def test_a_dropped_connection_is_a_delivery_error(smtp_server: SmtpServer) -> None:
    smtp_server.drop_connection_on_data()
    with pytest.raises(MailDeliveryError, match="closed the connection"):
        _plain(smtp_server).send(_message("ann@example.org"))
    assert smtp_server.received == []


def test_a_closed_port_is_a_delivery_error() -> None:
    port = free_port()
    sender = SmtpSender("127.0.0.1", port, starttls=False, timeout=5)
    with pytest.raises(MailDeliveryError, match=f"127.0.0.1:{port}: connection refused"):
        sender.send(_message("ann@example.org"))


def test_starttls_against_a_server_without_it_says_so(smtp_server: SmtpServer) -> None:
    sender = SmtpSender(smtp_server.host, smtp_server.port, timeout=5)  # STARTTLS by default
    with pytest.raises(MailDeliveryError, match="does not offer STARTTLS"):
        sender.send(_message("ann@example.org"))
    assert smtp_server.received == []


def test_implicit_tls_against_a_plain_server_is_a_delivery_error(
    smtp_server: SmtpServer,
) -> None:
    sender = SmtpSender(smtp_server.host, smtp_server.port, ssl=True, timeout=5)
    with pytest.raises(MailDeliveryError, match="TLS with the mail server"):
        sender.send(_message("ann@example.org"))


def test_a_message_without_recipients_is_refused_before_connecting() -> None:
    message = _message("ann@example.org")
    del message["To"]
    with pytest.raises(MailDeliveryError, match="no recipients"):
        SmtpSender("127.0.0.1", free_port()).send(message)


def test_no_sender_without_a_host() -> None:
    assert smtp_sender_from_config({"SMTP_HOST": None, "SMTP_PORT": 587}) is None
    assert smtp_sender_from_config({"SMTP_HOST": "  "}) is None


def test_sender_from_config_reads_every_setting() -> None:
    sender = smtp_sender_from_config(
        {
            "SMTP_HOST": "mail.example.org",
            "SMTP_PORT": "465",
            "SMTP_USERNAME": "foia",
            "SMTP_PASSWORD": "pw",
            "SMTP_STARTTLS": "false",
            "SMTP_SSL": "yes",
            "SMTP_TIMEOUT": 12,
        }
    )
    assert sender is not None
    assert (sender.host, sender.port, sender.username, sender.password) == (
        "mail.example.org",
        465,
        "foia",
        "pw",
    )
    assert (sender.ssl, sender.starttls, sender.timeout) == (True, False, 12.0)


def test_sender_from_config_defaults_to_starttls_on_587() -> None:
    sender = smtp_sender_from_config({"SMTP_HOST": "mail.example.org"})
    assert sender is not None
    assert (sender.port, sender.starttls, sender.ssl, sender.username) == (587, True, False, None)


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("SMTP_STARTTLS", "maybe", "true or false"),
        ("SMTP_PORT", "smtp", "a number"),
        ("SMTP_TIMEOUT", "0", "more than 0"),
    ],
)
def test_bad_settings_are_named(key: str, value: str, problem: str) -> None:
    with pytest.raises(ValidationFailed, match=f"{key} must be {problem}"):
        smtp_sender_from_config({"SMTP_HOST": "mail.example.org", key: value})


def test_mail_from_is_required_and_checked() -> None:
    with pytest.raises(ValidationFailed, match="FOIATRACK_MAIL_FROM"):
        mail_from_config({"SMTP_HOST": "mail.example.org"})
    with pytest.raises(ValidationFailed, match="not an e-mail address"):
        mail_from_config({"MAIL_FROM": "foiatrack"})
    assert mail_from_config({"MAIL_FROM": " A <a@example.org> "}) == "A <a@example.org>"
    assert mail_domain("A <a@news.example.org>") == "news.example.org"

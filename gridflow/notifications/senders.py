"""The channels: SMTP (one connection per batch), an SMS gateway and webhooks (HTTP POST with JSON).
Each send raises `SendError` with the reason when the message did not go."""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate


class SendError(Exception):
    pass


@dataclass
class Mailer:
    """One SMTP conversation, opened at the first message and kept for the batch."""

    host: str
    port: int
    sender: str
    user: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 10.0
    _smtp: smtplib.SMTP | None = field(default=None, repr=False)

    @classmethod
    def from_config(cls, config) -> Mailer:
        return cls(
            config["SMTP_HOST"],
            config["SMTP_PORT"],
            config["SMTP_FROM"],
            config["SMTP_USER"],
            config["SMTP_PASSWORD"],
            config["SMTP_STARTTLS"],
            config["NOTIFY_TIMEOUT_SECONDS"],
        )

    def _open(self) -> smtplib.SMTP:
        if self._smtp is None:
            if not self.host:
                raise SendError("GRIDFLOW_SMTP_HOST is not set")
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password)
            self._smtp = smtp
        return self._smtp

    def send(self, to: str, subject: str, body: str, message_id: str) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, to, subject
        msg["Message-ID"], msg["Date"] = message_id, formatdate(localtime=False)
        msg.set_content(body)
        try:
            self._open().send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            self.close()  # a broken conversation is not reused
            raise SendError(f"smtp: {exc}"[:500]) from None

    def domain(self) -> str:
        return self.sender.rpartition("@")[2] or "gridflow"

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._smtp = None


def post_json(url: str, body: bytes, headers: dict[str, str], timeout: float) -> None:
    """POST `body`; anything but a 2xx answer is a SendError."""
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 (http(s) URLs only, checked on input)
            answer.read(1024)
    except urllib.error.HTTPError as exc:
        raise SendError(f"HTTP {exc.code} from {url}") from None
    except (OSError, ValueError) as exc:
        raise SendError(f"{url}: {exc}"[:500]) from None


def send_sms(url: str, token: str, phone: str, text: str, delivery_id: str, timeout: float) -> None:
    if not url:
        raise SendError("GRIDFLOW_SMS_URL is not set")
    headers = {"X-GridFlow-Delivery": delivery_id}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    post_json(url, json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode(), headers, timeout)

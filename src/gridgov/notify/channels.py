"""Channels that carry an alert beyond the in-app inbox: SMS, voice, e-mail, group robot (webhook).

Every channel is one :class:`Sender`. The embedded default of each is :class:`FileSender`, which appends
the message as a JSON line to ``<data_dir>/outbox/<channel>.jsonl`` (nothing leaves the machine; a
county without gateways still sees what would have been sent): such a delivery is recorded as
``outboxed`` (已写入发件箱), never as ``sent``. In production (``GRIDGOV_ENVIRONMENT=production``) there is
no outbox: the SMS and voice gateways are required at start-up, and an e-mail or robot channel left
unconfigured has no sender (its deliveries fail at once, saying which setting is missing). Production configures:

* SMS (``GRIDGOV_SMS_GATEWAY_URL``): ``POST`` JSON ``{"to": "138…", "text": "…", "reference": "d-42"}``
  with ``Authorization: Bearer <GRIDGOV_SMS_GATEWAY_TOKEN>``; any 2xx answer is "sent", its JSON
  ``{"id": "…"}`` (optional) is kept as the external id. Replies come back to
  ``POST /api/v1/notify/sms-replies`` as ``{"from": "138…", "text": "…"}``.
* voice (``GRIDGOV_VOICE_GATEWAY_URL``): the same contract, ``text`` read out by the gateway's TTS.
* e-mail (``GRIDGOV_SMTP_URL``, ``smtp://user:password@host:port?from=addr``), to the person's e-mail.
* webhook (``GRIDGOV_WEBHOOK_URL``): a DingTalk-style group robot, ``{"msgtype": "text", "text":
  {"content": …}, "at": {"atMobiles": [phone]}}``, so the recipient is @-mentioned in the duty group.
"""

from __future__ import annotations

import json
import smtplib
import threading
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from gridgov.config import Settings
from gridgov.kit.time import utcnow
from gridgov.notify.models import DeliveryStatus

TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Message:
    reference: str
    """Our delivery id, e.g. ``d-42``."""
    name: str
    phone: str | None
    email: str | None
    subject: str
    text: str


class DeliveryError(Exception):
    """The channel refused or could not be reached; the delivery is retried, then marked failed."""


class Sender(Protocol):
    outcome: str
    """The status of a message handed over: ``sent`` (it left the platform) or ``outboxed`` (a local file)."""

    def send(self, message: Message) -> str | None:
        """Hand the message over; returns the channel's id for it, if any. Raises DeliveryError."""
        ...


class FileSender:
    """Appends messages to a JSON-lines file (the embedded default of every channel outside production)."""

    outcome = DeliveryStatus.outboxed.value

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def send(self, message: Message) -> str | None:
        line = json.dumps({"at": utcnow().isoformat(), **message.__dict__}, ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as file:
                file.write(line + "\n")
        return None


def _post_json(url: str, payload: dict[str, object], token: str = "") -> dict[str, object]:
    request = urllib.request.Request(url, data=json.dumps(payload, ensure_ascii=False).encode(), method="POST")
    request.add_header("Content-Type", "application/json; charset=utf-8")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            raw = response.read()
    except OSError as exc:  # URLError and HTTPError are OSErrors
        raise DeliveryError(f"{url}: {exc}") from exc
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


class GatewaySender:
    """SMS or voice through an HTTP gateway (contract in the module docstring)."""

    outcome = DeliveryStatus.sent.value

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token

    def send(self, message: Message) -> str | None:
        if not message.phone:
            raise DeliveryError("没有手机号 (no phone number)")
        answer = _post_json(
            self.url, {"to": message.phone, "text": message.text, "reference": message.reference}, self.token
        )
        found = answer.get("id")
        return None if found is None else str(found)


class WebhookSender:
    """A DingTalk-style group robot that @-mentions the recipient."""

    outcome = DeliveryStatus.sent.value

    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, message: Message) -> str | None:
        mention = f" @{message.phone}" if message.phone else ""
        payload: dict[str, object] = {
            "msgtype": "text",
            "text": {"content": message.text + mention},
            "at": {"atMobiles": [message.phone] if message.phone else []},
        }
        answer = _post_json(self.url, payload)
        if answer.get("errcode", 0) not in (0, "0"):
            raise DeliveryError(f"robot refused: {answer.get('errmsg', answer)}")
        return None


class SmtpSender:
    outcome = DeliveryStatus.sent.value

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "localhost", parts.port or 25
        self.user, self.password = unquote(parts.username or ""), unquote(parts.password or "")
        self.sender = parse_qs(parts.query).get("from", ["gridgov@localhost"])[0]

    def send(self, message: Message) -> str | None:
        if not message.email:
            raise DeliveryError("没有电子邮箱 (no e-mail address)")
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self.sender, message.email, message.subject
        mail.set_content(message.text)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS) as smtp:
                if self.user:
                    smtp.starttls()
                    smtp.login(self.user, self.password)
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"smtp {self.host}: {exc}") from exc
        return None


SETTING_OF = {
    "sms": "GRIDGOV_SMS_GATEWAY_URL",
    "voice": "GRIDGOV_VOICE_GATEWAY_URL",
    "email": "GRIDGOV_SMTP_URL",
    "webhook": "GRIDGOV_WEBHOOK_URL",
}
"""The setting that gives each external channel its sender."""
REQUIRED_IN_PRODUCTION = ("sms", "voice")
"""Channels that reach people's phones (叫应): production does not start without them."""


class ChannelsNotConfigured(RuntimeError):
    """Production without the gateways that reach people's phones."""


def senders_from_settings(settings: Settings) -> dict[str, Sender]:
    """The configured sender of each channel. Outside production an unconfigured channel writes to the
    outbox files; in production it has no sender, and the SMS and voice gateways must be configured."""
    production = settings.environment == "production"
    configured = {
        "sms": settings.sms_gateway_url,
        "voice": settings.voice_gateway_url,
        "email": settings.smtp_url,
        "webhook": settings.webhook_url,
    }
    missing = [SETTING_OF[name] for name in REQUIRED_IN_PRODUCTION if not configured[name]]
    if production and missing:
        raise ChannelsNotConfigured(
            f"生产环境不能把短信和语音写入本地发件箱，请设置 {'、'.join(missing)} "
            f"(production does not write alerts to the local outbox: set {', '.join(missing)})"
        )
    outbox = Path(settings.data_dir) / "outbox"
    senders: dict[str, Sender] = (
        {} if production else {name: FileSender(outbox / f"{name}.jsonl") for name in SETTING_OF}
    )
    if settings.sms_gateway_url:
        senders["sms"] = GatewaySender(settings.sms_gateway_url, settings.sms_gateway_token)
    if settings.voice_gateway_url:
        senders["voice"] = GatewaySender(settings.voice_gateway_url, settings.sms_gateway_token)
    if settings.smtp_url:
        senders["email"] = SmtpSender(settings.smtp_url)
    if settings.webhook_url:
        senders["webhook"] = WebhookSender(settings.webhook_url)
    return senders

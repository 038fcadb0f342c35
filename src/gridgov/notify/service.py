"""Delivering notices. The in-app inbox is the channel every notice reaches; further channels
(SMS, voice, e-mail, webhook) implement :class:`Channel` and are added by the warning module."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from gridgov.audit.recorder import record_event
from gridgov.configdata.service import DocumentKind, load_document
from gridgov.kit.masking import mask_phone
from gridgov.kit.time import utcnow
from gridgov.notify.channels import Message
from gridgov.notify.models import Alert, AlertRecipient, Delivery, DeliveryStatus, EscalationStep, InboxItem
from gridgov.notify.policy import EscalationPolicy, LevelPolicy, PolicyStep, ack_text, due_steps
from gridgov.notify.repository import NotifyRepository


@dataclass(frozen=True)
class Notice:
    kind: str
    """assignment, return, supervision, escalation, …"""
    title: str
    body: str = ""
    link: str | None = None
    case_id: int | None = None


class Channel(Protocol):
    name: str

    def send(self, session: Session, person_ids: Sequence[int], notice: Notice) -> None: ...


class InboxChannel:
    name = "inbox"

    def send(self, session: Session, person_ids: Sequence[int], notice: Notice) -> None:
        session.add_all(
            InboxItem(
                person_id=pid,
                kind=notice.kind,
                title=notice.title,
                body=notice.body,
                link=notice.link,
                case_id=notice.case_id,
            )
            for pid in dict.fromkeys(person_ids)
        )


class Notifier:
    def __init__(self, channels: Sequence[Channel] = (InboxChannel(),)) -> None:
        self.channels = list(channels)

    def notify(self, session: Session, person_ids: Sequence[int], notice: Notice) -> None:
        for channel in self.channels:
            channel.send(session, person_ids, notice)


INBOX_PAGE = 20


@dataclass(frozen=True)
class InboxPage:
    items: list[InboxItem]
    total: int
    unread: int
    kinds: list[str]


def inbox(
    session: Session,
    person_id: int,
    *,
    kind: str | None = None,
    read: bool | None = None,
    limit: int = INBOX_PAGE,
    offset: int = 0,
) -> InboxPage:
    """One page of a person's inbox, newest first, filtered by kind and read state (None: both)."""
    repo = NotifyRepository(session)
    items, total = repo.inbox_page(repo.inbox_statement(person_id, kind=kind, read=read), limit=limit, offset=offset)
    return InboxPage(items, total, repo.unread_count(person_id), repo.inbox_kinds(person_id))


def unread_count(session: Session, person_id: int) -> int:
    return NotifyRepository(session).unread_count(person_id)


def mark_read(session: Session, person_id: int, now: datetime, item_ids: Sequence[int] | None = None) -> int:
    """Reading one's own notices is not audited (it changes nothing anyone else relies on)."""
    return NotifyRepository(session).mark_read(person_id, now, item_ids)


def alert_recipient_of(secret: str, item: InboxItem) -> int | None:
    """The alert recipient an inbox item asks to answer (its link is the confirmation link), if any."""
    if item.link and item.link.startswith("/ack/"):
        return recipient_from_token(secret, item.link.removeprefix("/ack/"))
    return None


# alerts that must be answered (叫应) ---------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Someone an alert is for: a person of the org tree, or a resident known only by phone."""

    name: str
    role: str
    tier: int = 0
    person_id: int | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class AlertRequest:
    kind: str
    subject: str
    level: str
    title: str
    body: str
    path: str
    targets: Sequence[Target]
    link: str | None = None
    exercise: bool = False
    """A drill (演练): its title and texts are marked 【演练】, and nothing goes out over the external
    channels (SMS, voice, e-mail, robot) unless ``exercise_external``: those deliveries are ``withheld``."""
    exercise_external: bool = False


EXERCISE_MARK = "【演练】"
_EXERCISE, _EXERCISE_EXTERNAL = ":exercise", ":exercise+external"
EXTERNAL_CHANNELS = ("sms", "voice", "email", "webhook")


def is_exercise(alert: Alert) -> bool:
    """The alert belongs to a drill (its ``kind`` carries ``:exercise``, e.g. ``warning:exercise``)."""
    return alert.kind.endswith((_EXERCISE, _EXERCISE_EXTERNAL))


def withholds_external(alert: Alert) -> bool:
    """A drill's alert whose messages stay inside the platform (the inbox only)."""
    return alert.kind.endswith(_EXERCISE)


def _marked(title: str, exercise: bool) -> str:
    return f"{EXERCISE_MARK}{title}" if exercise and not title.startswith(EXERCISE_MARK) else title


def normalise_phone(raw: str) -> str:
    """A mainland number as stored (11 digits): separators and a +86 / 0086 prefix dropped."""
    digits = re.sub(r"\D", "", raw)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix) :]
    return digits


@dataclass(frozen=True)
class ReplyIgnored:
    alert_id: int | None
    reason: str
    """``not_for_this_phone`` (the code or reference quoted is another recipient's), ``out_of_scope`` (the alert
    is outside the gateway's area), ``already_answered``, ``nothing_open`` (no open alert reached this phone),
    ``unknown_reference``."""


@dataclass(frozen=True)
class ReplyOutcome:
    acknowledged: list[AlertRecipient]
    ignored: list[ReplyIgnored]


@dataclass(frozen=True)
class TierStatus:
    tier: int
    reached: int
    answered: int
    answered_in_time: int
    waiting: int


ESCALATION = DocumentKind("notify.escalation", EscalationPolicy, "gridgov.notify", "data/escalation.yaml")


def answered_within(recipient: AlertRecipient, within: timedelta) -> bool:
    """Answered, and within ``within`` of being reached (叫应及时)."""
    return (
        recipient.acked_at is not None
        and recipient.notified_at is not None
        and recipient.acked_at - recipient.notified_at <= within
    )


def link_token(secret: str, recipient_id: int) -> str:
    """The token of a recipient's confirmation link: the id and its HMAC, so nothing is stored."""
    mac = hmac.new(secret.encode(), f"ack:{recipient_id}".encode(), hashlib.sha256).hexdigest()[:20]
    return f"{recipient_id}.{mac}"


def recipient_from_token(secret: str, token: str) -> int | None:
    head, _, _mac = token.partition(".")
    if not head.isdigit():
        return None
    return int(head) if hmac.compare_digest(link_token(secret, int(head)), token) else None


@dataclass(frozen=True)
class Outcome:
    """What became of an alert, told to whoever opens its link: ``open`` (answer it), ``upgraded`` or
    ``downgraded`` or ``renewed`` (a newer alert about the same subject is in force: ``current``), ``cleared``.
    ``link`` leads to the current alert: this person's own confirmation page there, else the alert's page."""

    state: str
    current: Alert
    link: str | None = None


class Alerting:
    """Raising alerts to tiers of people over channels, answering them, and escalating the silent.
    Flushes, never commits; deliveries beyond the inbox are queued here and sent by the worker."""

    def __init__(self, session: Session, *, secret: str, public_url: str, clock: Callable[[], datetime] = utcnow):
        self.session = session
        self.repo = NotifyRepository(session)
        self.secret = secret
        self.public_url = public_url.rstrip("/")
        self.clock = clock

    @property
    def policy(self) -> EscalationPolicy:
        return load_document(self.session, ESCALATION)

    def confirm_link(self, recipient: AlertRecipient) -> str:
        return f"{self.public_url}/ack/{link_token(self.secret, recipient.id)}"

    # raising ---------------------------------------------------------------------------------
    def raise_alert(self, request: AlertRequest) -> Alert:
        level = self.policy.for_level(request.level)
        now = self.clock()
        kind = request.kind
        if request.exercise:
            kind += _EXERCISE_EXTERNAL if request.exercise_external else _EXERCISE
        alert = Alert(
            kind=kind,
            subject=request.subject,
            level=request.level,
            title=_marked(request.title, request.exercise),
            body=request.body,
            link=request.link,
            path=request.path,
            reply_code=f"{secrets.randbelow(9000) + 1000}",
            round=1,
            started_at=now,
        )
        self.session.add(alert)
        self.session.flush()
        phones = self.repo.phones([t.person_id for t in request.targets if t.person_id and not t.phone])
        seen: set[tuple[int | None, str | None]] = set()
        for target in request.targets:
            phone = target.phone or (phones.get(target.person_id) if target.person_id else None)
            key = (target.person_id, None if target.person_id else phone)
            if key in seen:
                continue
            seen.add(key)
            self.session.add(
                AlertRecipient(
                    alert_id=alert.id,
                    person_id=target.person_id,
                    name=target.name,
                    phone=phone,
                    email=target.email,
                    role=target.role,
                    tier=target.tier,
                )
            )
        self.session.flush()
        self._reach(alert, [r for r in self.repo.recipients(alert.id) if r.tier == 0], level.channels, now)
        return alert

    def retrigger(
        self, alert: Alert, *, level: str | None = None, title: str | None = None, body: str | None = None
    ) -> None:
        """The subject fired again (a warning upgraded or re-raised): a new round of the policy starts and
        everyone reached so far who has not answered is reached again."""
        now = self.clock()
        alert.level, alert.body = level or alert.level, body or alert.body
        alert.title = _marked(title, is_exercise(alert)) if title else alert.title
        alert.round += 1
        alert.started_at = now
        reached = [r for r in self.repo.recipients(alert.id) if r.notified_at is not None]
        for recipient in reached:
            recipient.acked_at, recipient.ack_via = None, None
        self._reach(alert, reached, self.policy.for_level(alert.level).channels, now)

    def close(self, alert: Alert) -> None:
        alert.closed_at = self.clock()
        self.session.flush()

    # answering -------------------------------------------------------------------------------
    def acknowledge(self, recipient: AlertRecipient, via: str) -> bool:
        """Record the answer; False when it had already been given."""
        if recipient.acked_at is not None:
            return False
        recipient.acked_at, recipient.ack_via = self.clock(), via
        self.session.flush()
        return True

    def acknowledge_reply(
        self, phone: str, text: str, *, reference: str | None = None, covers: Callable[[str], bool] = lambda _p: True
    ) -> ReplyOutcome:
        """An SMS reply from ``phone``, posted by a gateway whose area ``covers`` alert paths. It answers only
        what reached that very phone: the delivery ``reference`` (``d-42``) when the gateway threads replies,
        else the alert whose reply code the text quotes, else (people answer "收到") the phone's latest open
        alert. A code or reference of someone else's alert answers nothing (not even this phone's own
        alerts); every reply that answers nothing is audited with its reason."""
        phone = normalise_phone(phone)
        chosen: list[tuple[AlertRecipient, Alert]] = []
        ignored: list[tuple[Alert | None, str]] = []
        open_ones = self.repo.open_recipients_by_phone(phone)
        if reference is not None:
            found = self._referenced(reference)
            if found is None:
                ignored.append((None, "unknown_reference"))
            elif normalise_phone(found[0].phone or "") != phone:
                ignored.append((found[1], "not_for_this_phone"))
            elif any(r.id == found[0].id for r, _ in open_ones):
                chosen.append(found)
            else:
                ignored.append((found[1], "already_answered" if found[0].acked_at else "nothing_open"))
        else:
            codes = set(re.findall(r"(?<!\d)\d{4}(?!\d)", text))
            quoted = [(r, a) for r, a in open_ones if a.reply_code in codes]
            others = self.repo.open_alerts_with_codes(codes - {a.reply_code for _, a in quoted}) if codes else []
            if quoted:
                chosen = quoted
            elif others:
                answered = self.repo.alerts_answered_by(phone, [a.id for a in others])
                ignored += [(a, "already_answered" if a.id in answered else "not_for_this_phone") for a in others]
            elif open_ones:
                chosen = [o for o in open_ones if covers(o[1].path)][:1] or open_ones[:1]
            else:
                ignored.append((None, "nothing_open"))
        acknowledged = []
        for recipient, alert in chosen:
            if not covers(alert.path):
                ignored.append((alert, "out_of_scope"))
            elif self.acknowledge(recipient, "sms"):
                acknowledged.append(recipient)
        for about, reason in ignored:
            record_event(
                self.session,
                "sms_reply_ignored",
                "notify_alert",
                str(about.id) if about else None,
                {"from": mask_phone(phone), "reason": reason, "reference": reference, "text": text[:100]},
                scope_path=about.path if about else None,
            )
        self.session.flush()
        return ReplyOutcome(acknowledged, [ReplyIgnored(a.id if a else None, reason) for a, reason in ignored])

    def _referenced(self, reference: str) -> tuple[AlertRecipient, Alert] | None:
        head, _, number = reference.partition("-")
        delivery = self.repo.delivery(int(number)) if head == "d" and number.isdigit() else None
        recipient = self.repo.recipient(delivery.recipient_id) if delivery else None
        alert = self.repo.alert(recipient.alert_id) if recipient else None
        return (recipient, alert) if recipient and alert else None

    # escalating ------------------------------------------------------------------------------
    def escalate_due(self, alert: Alert) -> list[str]:
        """Fire the policy steps whose time has come, each once per round; returns what they did."""
        if alert.closed_at is not None:
            return []
        level = self.policy.for_level(alert.level)
        now = self.clock()
        outcomes = []
        for index in due_steps(level, alert.started_at, now, self.repo.fired_steps(alert.id, alert.round)):
            outcomes.append(self._fire(alert, level, level.steps[index], index, now))
        return outcomes

    def _fire(self, alert: Alert, level: LevelPolicy, step: PolicyStep, index: int, now: datetime) -> str:
        recipients = self.repo.recipients(alert.id)
        silent = [r for r in recipients if r.notified_at is not None and r.acked_at is None]
        reached_tiers = {r.tier for r in recipients if r.notified_at is not None}
        higher = sorted(
            {r.tier for r in recipients if r.notified_at is None and r.tier > max(reached_tiers, default=-1)}
        )
        parts = []
        if silent and step.channels:
            self._reach(alert, silent, step.channels, now)
            parts.append(f"再次通知 {len(silent)} 人 ({'/'.join(step.channels)})")
        if step.escalate and higher and (silent or not reached_tiers):
            tier = [r for r in recipients if r.tier == higher[0]]
            self._reach(alert, tier, level.channels, now)
            parts.append(f"升级至第{higher[0]}级 {len(tier)} 人")
        outcome = "；".join(parts) or "全部已叫应 (all answered)"
        self.session.add(
            EscalationStep(alert_id=alert.id, round=alert.round, step=index, fired_at=now, outcome=outcome)
        )
        self.session.flush()
        return outcome

    # reaching --------------------------------------------------------------------------------
    def _reach(
        self, alert: Alert, recipients: Sequence[AlertRecipient], channels: Sequence[str], now: datetime
    ) -> None:
        for recipient in recipients:
            if recipient.notified_at is None:
                recipient.notified_at = now
            for channel in channels:
                if channel == "inbox":
                    if recipient.person_id is None:
                        continue
                    self.session.add(
                        InboxItem(
                            person_id=recipient.person_id,
                            kind=alert.kind,
                            title=alert.title,
                            body=alert.body,
                            link=f"/ack/{link_token(self.secret, recipient.id)}",
                        )
                    )
                    self.session.add(
                        Delivery(
                            recipient_id=recipient.id, channel="inbox", status=DeliveryStatus.sent.value, sent_at=now
                        )
                    )
                elif (
                    (channel in ("sms", "voice") and recipient.phone)
                    or (channel == "email" and recipient.email)
                    or (channel == "webhook" and recipient.person_id is not None)
                ):
                    status = DeliveryStatus.withheld if withholds_external(alert) else DeliveryStatus.queued
                    self.session.add(Delivery(recipient_id=recipient.id, channel=channel, status=status.value))
        self.session.flush()

    def message(self, delivery: Delivery) -> Message:
        recipient = self.repo.recipient(delivery.recipient_id)
        if recipient is None:
            raise LookupError(delivery.recipient_id)
        alert = self.repo.alert(recipient.alert_id)
        if alert is None:
            raise LookupError(recipient.alert_id)
        return Message(
            reference=f"d-{delivery.id}",
            name=recipient.name,
            phone=recipient.phone,
            email=recipient.email,
            subject=alert.title,
            text=ack_text(
                alert.title,
                alert.body,
                alert.reply_code,
                self.confirm_link(recipient),
                mark=EXERCISE_MARK if is_exercise(alert) else "",
            ),
        )

    # following -------------------------------------------------------------------------------
    def tiers(self, alert: Alert, answer_within: timedelta) -> list[TierStatus]:
        """Per tier: reached, answered (and within ``answer_within`` of being reached), still waiting."""
        by_tier: dict[int, list[AlertRecipient]] = {}
        for recipient in self.repo.recipients(alert.id):
            by_tier.setdefault(recipient.tier, []).append(recipient)
        statuses = []
        for tier, people in sorted(by_tier.items()):
            reached = [r for r in people if r.notified_at is not None]
            answered = [r for r in reached if r.acked_at is not None]
            in_time = [r for r in answered if answered_within(r, answer_within)]
            statuses.append(TierStatus(tier, len(reached), len(answered), len(in_time), len(reached) - len(answered)))
        return statuses

    def outcome(self, alert: Alert, recipient: AlertRecipient) -> Outcome:
        """Where the alert behind ``recipient``'s link stands now. Levels rank in the order the escalation policy
        lists them, most severe first (red, orange, yellow, blue)."""
        if alert.closed_at is None:
            return Outcome("open", alert)
        current = self.repo.latest_alert(alert.subject)
        if current is None or current.id == alert.id or current.closed_at is not None:
            return Outcome("cleared", current or alert)
        ranks = {level: rank for rank, level in enumerate(self.policy.levels)}
        now, then = ranks.get(current.level, len(ranks)), ranks.get(alert.level, len(ranks))
        state = "upgraded" if now < then else "downgraded" if now > then else "renewed"
        same = next(
            (
                r
                for r in self.repo.recipients(current.id)
                if (r.person_id == recipient.person_id if recipient.person_id else r.phone == recipient.phone)
            ),
            None,
        )
        link = f"/ack/{link_token(self.secret, same.id)}" if same is not None else current.link
        return Outcome(state, current, link)

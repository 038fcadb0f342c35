"""Who may use the embedded MQTT broker (``GRIDGOV_MQTT_EMBEDDED_AUTH``, on by default), and where to.

* A gateway connects with its account's user name and, as the password, an API token of that account (the
  token the HTTP ingest accepts); the account needs the ``api_client`` (or ``admin``) role. A missing
  user name or password, or a role that is not a gateway's, is refused with CONNACK 5 (not authorised); a
  wrong token, or a token of another account, with 4 (bad user name or password); so is a token revoked or
  expired, or one whose account or person is deactivated. The broker re-checks the token of every connected
  gateway every ``GRIDGOV_MQTT_RECHECK_SECONDS`` (5 s) and disconnects those no longer valid.
* The platform's own consumer connects as ``gridgov-internal`` with a password derived from the secret key,
  so every app process of one deployment knows it and nobody without the key does. Only it may subscribe.
* A gateway publishes only to the topics of stations in its area. The broker cannot pass the publisher on to
  the consumer (MQTT 3.1.1 carries no properties), so it decides itself, from the station catalogue: a
  reading for a station outside the gateway's area is not routed but dead-lettered as ``out_of_scope``
  through the observation writer, and acknowledged (3.1.1 has no negative PUBACK) once that is committed.
  A topic that names no known station is routed and the consumer dead-letters it (``bad_topic``,
  ``unknown_station``). The
  station snapshot is refreshed at most once a second, and at once for a station it does not know, so a
  new station is usable at once; a station moved to another area is checked against its new place within
  a second.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from functools import partial
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from gridgov.auth.models import Account
from gridgov.auth.repository import AuthRepository
from gridgov.auth.schemas import TokenCreate
from gridgov.auth.security import token_digest
from gridgov.auth.service import AuthService, principal_for
from gridgov.config import Settings
from gridgov.db import Database
from gridgov.kit.time import utcnow
from gridgov.org.enums import Role
from gridgov.org.models import Person, RoleAssignment
from gridgov.sensing.broker import BAD_CREDENTIALS, NOT_AUTHORISED, Grant
from gridgov.sensing.parsing import refusal, split_topic
from gridgov.sensing.repository import SensingRepository
from gridgov.sensing.service import GATEWAY_ROLES, Batch, StationInfo, catalogue

log = logging.getLogger(__name__)

INTERNAL_USERNAME = "gridgov-internal"
REFRESH_SECONDS = 1.0
MISS_SECONDS = 0.2
"""A station the snapshot does not know triggers a refresh, at most this often."""
TOOL_PHONE = "10199990001"
"""The gateway account's person (synthetic, outside the demo's 100… numbers)."""


def internal_password(secret_key: str) -> str:
    """The consumer's password on the embedded broker: the same in every process sharing the secret key."""
    return hmac.new(secret_key.encode(), b"gridgov-mqtt-internal", hashlib.sha256).hexdigest()


class GatewayAuthority:
    """The embedded broker's :class:`~gridgov.sensing.broker.Authority`. ``refuse`` takes the batch of an
    out-of-scope reading to dead-letter (the observation writer's ``submit``)."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        refuse: Callable[[Batch], Future[Any]],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.database = database
        self.settings = settings
        self.refuse = refuse
        self.clock = clock
        self.password = internal_password(settings.secret_key)
        self._stations: dict[str, StationInfo] = {}
        self._refreshed = float("-inf")
        self._lock = threading.Lock()

    def authenticate(self, username: str | None, password: bytes | None) -> Grant | int:
        if not username or not password:
            return NOT_AUTHORISED
        secret = password.decode("utf-8", errors="replace")
        if username == INTERNAL_USERNAME:
            if secrets.compare_digest(secret.encode(), self.password.encode()):
                return Grant(INTERNAL_USERNAME, may_subscribe=True)
            return BAD_CREDENTIALS
        with self.database.sessions() as session:
            repo = SensingRepository(session)
            tokens = repo.live_tokens(utcnow(), digest=token_digest(secret))
            account = repo.account(tokens[0].account_id) if tokens else None
            principal = principal_for(account) if account is not None and account.username == username else None
        if principal is None:
            log.info("mqtt connection refused: bad credentials", extra={"username": username[:60]})
            return BAD_CREDENTIALS
        if not GATEWAY_ROLES & principal.roles:
            log.info("mqtt connection refused: not a gateway", extra={"username": username})
            return NOT_AUTHORISED
        return Grant(
            username,
            may_subscribe=False,
            may_publish=partial(self.may_publish, principal.scope_paths),
            credential=tokens[0].id,
        )

    def recheck(self, grants: Sequence[Grant]) -> list[bool]:
        """Whether each connected gateway's token still opens the door (one query for all of them)."""
        ids = [grant.credential for grant in grants if isinstance(grant.credential, int)]
        with self.database.sessions() as session:
            live = {token.id for token in SensingRepository(session).live_tokens(utcnow(), ids=ids)}
        return [grant.credential in live for grant in grants]

    def may_publish(self, scope: tuple[str, ...], topic: str, payload: bytes) -> bool | Future[Any]:
        """Route it? A reading for a station outside ``scope`` is dead-lettered here instead (the future
        of its commit)."""
        parts = split_topic(topic, self.settings.mqtt_topic_prefix)
        if parts is None:
            return True
        code = parts[1]
        station = self._station(code)
        if station is None or any(station.path.startswith(root) for root in scope):
            return True
        reason = f"站点 {code} 不在本网关辖区内 (station outside your area)"
        return self.refuse(Batch("mqtt", [refusal("out_of_scope", reason, topic[:300], payload, "station")]))

    def _station(self, code: str) -> StationInfo | None:
        age = self.clock() - self._refreshed
        station = self._stations.get(code)
        if age > REFRESH_SECONDS or (station is None and age > MISS_SECONDS):
            self._refresh()
            station = self._stations.get(code)
        return station

    def _refresh(self) -> None:
        with self._lock:
            try:
                with self.database.sessions() as session:
                    self._stations = catalogue.stations(session)
            except SQLAlchemyError as exc:  # keep the last snapshot; try again at the next message
                log.warning("station snapshot not refreshed", extra={"error": str(exc)})
                return
            self._refreshed = self.clock()


def issue_gateway_token(session: Session, settings: Settings, username: str, name: str, days: int = 1) -> str:
    """A fresh API token of the gateway account ``username`` (api_client over the whole county), created with
    its synthetic person when missing: for tools that send readings for the operator, such as
    ``gridgov simulate storm``. Flushes, never commits."""
    account = AuthRepository(session).account_by_username(username)
    if account is None:
        repo = SensingRepository(session)
        root = repo.county_root()
        if root is None:
            raise ValueError("数据库中没有县(区)节点 (no county in the database)")
        person = repo.person_by_phone(TOOL_PHONE) or Person(name=name, phone=TOOL_PHONE, synthetic=True)
        if not any(r.role == Role.api_client.value and r.node_id == root.id for r in person.roles):
            person.roles.append(RoleAssignment(role=Role.api_client.value, node_id=root.id))
        session.add(person)
        session.flush()
        account = Account(person_id=person.id, username=username, password_hash="!")  # no login, tokens only
        session.add(account)
        session.flush()
    return AuthService(session, settings).create_token(account.id, TokenCreate(name=name, days=days)).token

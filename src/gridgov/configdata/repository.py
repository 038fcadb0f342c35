"""All queries of configuration documents."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from gridgov.configdata.models import ConfigDocument

_VERSION = select(ConfigDocument.version).where(ConfigDocument.key == bindparam("key"))


class ConfigRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def version(self, key: str) -> int | None:
        return self.session.scalar(_VERSION, {"key": key})

    def get(self, key: str) -> ConfigDocument | None:
        return self.session.get(ConfigDocument, key)

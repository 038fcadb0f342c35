from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.db import Base, TimestampMixin


class ConfigDocument(TimestampMixin, Base):
    """One configuration document (e.g. ``case.routing``) as edited in the database; absent while the
    shipped default applies. ``version`` counts the edits."""

    __tablename__ = "config_document"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)

"""Loading and saving configuration documents. Flushes, never commits.

A document kind names its key, its pydantic model and its shipped default (a YAML file in the
package). Loading returns the database's edit when there is one, else the default; the parsed model
is cached per process and version, so a request pays one small query, and an edit made on any
process is seen by every other on its next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from gridgov.configdata.models import ConfigDocument
from gridgov.configdata.repository import ConfigRepository
from gridgov.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)
_cache: dict[tuple[str, str, int | None], BaseModel] = {}


@dataclass(frozen=True)
class DocumentKind(Generic[M]):
    key: str
    model: type[M]
    package: str
    filename: str

    def default(self) -> M:
        text = resources.files(self.package).joinpath(self.filename).read_text("utf-8")
        return self.model.model_validate(yaml.safe_load(text))


def load_document(session: Session, kind: DocumentKind[M]) -> M:
    version = ConfigRepository(session).version(kind.key)
    key = (str(session.get_bind().engine.url), kind.key, version)
    cached = _cache.get(key)
    if isinstance(cached, kind.model):
        return cached
    row = ConfigRepository(session).get(kind.key) if version is not None else None
    document = kind.default() if row is None else kind.model.model_validate(row.body)
    if len(_cache) > 64:
        _cache.clear()
    _cache[key] = document
    return document


def parse_document(kind: DocumentKind[M], body: Any) -> M:
    """Validate an edited document; the error names the first offending field (e.g. ``rules.2.tier``)."""
    try:
        return kind.model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or kind.key
        raise InvalidInput(f"{kind.key}: {where}: {first['msg']}", field=where) from exc


def save_document(session: Session, kind: DocumentKind[M], body: Any) -> M:
    document = parse_document(kind, body)
    row = ConfigRepository(session).get(kind.key)
    if row is None:
        row = ConfigDocument(key=kind.key, version=0, body={})
        session.add(row)
    row.version += 1
    row.body = document.model_dump(mode="json")
    session.flush()
    return document

"""The bare baseline: the least a FastAPI + SQLite app can do per request.

``POST /items`` validates a small JSON body and inserts one row; ``GET /items/1`` reads one row.
SQLite runs as gridgov's does (WAL, synchronous=NORMAL), one connection per worker thread, and the
handlers are plain ``def`` so they run in the same threadpool gridgov's sync handlers use.

Serve with the same uvicorn settings as gridgov::

    BENCH_DB=/tmp/baseline.db uvicorn --app-dir bench baseline_app:app --no-access-log --log-level warning
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

DB_PATH = os.environ.get("BENCH_DB", "baseline.db")
_local = threading.local()


def _connect() -> sqlite3.Connection:
    connection = sqlite3.connect(DB_PATH, check_same_thread=False, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA busy_timeout=10000")
    return connection


def _db() -> sqlite3.Connection:
    connection: sqlite3.Connection | None = getattr(_local, "connection", None)
    if connection is None:
        connection = _connect()
        _local.connection = connection
    return connection


def _init() -> None:
    connection = _connect()
    connection.execute("CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value REAL)")
    connection.execute("INSERT OR IGNORE INTO item (id, name, value) VALUES (1, 'first', 1.0)")
    connection.close()


_init()
app = FastAPI(title="bench baseline")


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    value: float = 0.0


class ItemOut(BaseModel):
    id: int
    name: str
    value: float | None


@app.post("/items", response_model=ItemOut, status_code=201)
def create_item(item: ItemIn) -> ItemOut:
    cursor = _db().execute("INSERT INTO item (name, value) VALUES (?, ?)", (item.name, item.value))
    assert cursor.lastrowid is not None
    return ItemOut(id=cursor.lastrowid, name=item.name, value=item.value)


@app.get("/items/{item_id}", response_model=ItemOut)
def read_item(item_id: int) -> ItemOut:
    row: tuple[Any, ...] | None = _db().execute("SELECT id, name, value FROM item WHERE id = ?", (item_id,)).fetchone()
    if row is None:
        raise HTTPException(404, "no such item")
    return ItemOut(id=row[0], name=row[1], value=row[2])


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}

"""Start the real app as a subprocess (``python -m gridgov demo``) for tests that need a live server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from gridgov.auth.models import Account
from gridgov.auth.schemas import TokenCreate
from gridgov.auth.service import AuthService
from gridgov.config import Settings
from gridgov.db import Database

STARTUP_SECONDS = 180


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def demo_server(workdir: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Serve the demo county from a fresh SQLite file in ``workdir``; yield its base URL. ``extra_env`` adds
    settings (the storm test turns MQTT ingest on, which the test environment leaves off)."""
    port = _free_port()
    env = {
        **os.environ,
        "GRIDGOV_DATABASE_URL": f"sqlite:///{workdir / 'gridgov.db'}",
        "GRIDGOV_ENVIRONMENT": "test",
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    log_path = workdir / "server.log"
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gridgov", "demo", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not _healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    output = log_path.read_text("utf-8", errors="replace")[-4000:]
                    pytest.fail(f"gridgov demo did not become healthy at {url} (exit {process.poll()}):\n{output}")
                time.sleep(0.25)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def admin_token(workdir: Path) -> str:
    """A fresh API token for the demo's ``admin``, written straight into the live server's database."""
    database = Database.from_url(f"sqlite:///{workdir / 'gridgov.db'}")
    with database.session() as session:
        # IMMEDIATE: a read transaction turning into a write one fails at once ("database is locked") while the
        # live server writes; one that asks for the write lock first waits for it
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        admin = session.scalars(select(Account).where(Account.username == "admin")).one()
        token = AuthService(session, Settings(environment="test")).create_token(admin.id, TokenCreate(name="live"))
    database.engine.dispose()
    return token.token

"""Names the app processes sharing one ``data_dir`` take in turn: which of them runs the embedded broker,
and which MQTT client id each consumer uses.

A claim is an exclusive ``flock`` on a file under ``<data_dir>/mqtt/``: the kernel lets go of it when the
process ends, however it ends (kill -9 included), so a restarted process finds its predecessor's claim free.
"""

from __future__ import annotations

import fcntl
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path

MAX_SLOTS = 64


@dataclass
class Claim:
    path: Path
    fd: int

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing the descriptor lets go of the lock
            self.fd = -1


def claim(path: Path) -> Claim | None:
    """The claim on ``path``, or None while another process (or another claim in this one) holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return Claim(path, fd)


def holder(path: Path) -> str:
    """The process id written by whoever holds (or last held) the claim on ``path``."""
    try:
        return path.read_text().strip() or "?"
    except OSError:
        return "?"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:80]


def broker_claim_path(data_dir: Path, bind: str) -> Path:
    return data_dir / "mqtt" / f"broker-{_safe(bind)}.lock"


def claim_client_id(data_dir: Path, base: str) -> tuple[str, Claim]:
    """The first free client id of ``base``, ``base-1``, ``base-2`` …: each process gets its own, and a
    restarted one takes a free one again, so its persistent session (and what waits in it) is picked up."""
    for slot in range(MAX_SLOTS):
        taken = claim(data_dir / "mqtt" / f"client-{_safe(base)}-{slot}.lock")
        if taken is not None:
            return (base if slot == 0 else f"{base}-{slot}"), taken
    raise RuntimeError(
        f"已有 {MAX_SLOTS} 个进程使用 MQTT 客户端标识 {base} (more than {MAX_SLOTS} processes share this client id)"
    )


BIND_ENV = "GRIDGOV_MQTT_EMBEDDED_BIND"


def _bind_file(data_dir: Path) -> Path:
    return data_dir / "mqtt" / "embedded-bind"


def _free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the broker's listener binds
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def demo_bind(data_dir: Path, configured: str) -> tuple[str, bool]:
    """The address the demo's embedded broker takes: ``configured`` when its port is free, else a free port on
    the same host (then True). Recorded under ``data_dir`` so that ``simulate storm`` publishes there."""
    host, _, port = configured.rpartition(":")
    bind, moved = configured, False
    if not _free(host, int(port)):
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.bind((host, 0))
            bind, moved = f"{host}:{probe.getsockname()[1]}", True
    _bind_file(data_dir).parent.mkdir(parents=True, exist_ok=True)
    _bind_file(data_dir).write_text(bind + "\n", "utf-8")
    return bind, moved


def embedded_bind(data_dir: Path, configured: str) -> str:
    """Where the embedded broker of this ``data_dir`` listens: an explicit ``GRIDGOV_MQTT_EMBEDDED_BIND``, else
    the address the last ``gridgov demo`` took, else ``configured``."""
    if os.environ.get(BIND_ENV):
        return configured
    try:
        return _bind_file(data_dir).read_text("utf-8").strip() or configured
    except OSError:
        return configured

"""Photos and documents of cases: type sniffed from the bytes, size-limited, stored on disk by hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

from gridgov.errors import InvalidInput

SIGNATURES: list[tuple[bytes, int, str, str]] = [
    (b"\xff\xd8\xff", 0, "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", "png"),
    (b"WEBP", 8, "image/webp", "webp"),
    (b"%PDF-", 0, "application/pdf", "pdf"),
]


def sniff(data: bytes) -> tuple[str, str]:
    """(content type, extension) from the file's first bytes; what the client claims is ignored."""
    for magic, offset, content_type, extension in SIGNATURES:
        if data[offset : offset + len(magic)] == magic and (content_type != "image/webp" or data[:4] == b"RIFF"):
            return content_type, extension
    raise InvalidInput("只接受JPEG、PNG、WebP照片或PDF文件 (only JPEG, PNG, WebP or PDF)", field="file")


def store(root: Path, data: bytes, max_bytes: int) -> tuple[str, str, str]:
    """Write ``data`` under ``root``; returns (storage key, sha256, content type)."""
    if not data:
        raise InvalidInput("文件为空 (empty file)", field="file")
    if len(data) > max_bytes:
        raise InvalidInput(f"文件超过{max_bytes // (1024 * 1024)}MB (file too large)", field="file")
    content_type, extension = sniff(data)
    digest = hashlib.sha256(data).hexdigest()
    key = f"{digest[:2]}/{digest}.{extension}"
    target = root / key
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(target)
    return key, digest, content_type

#!/usr/bin/env python3
"""Vendor the front-end assets (Leaflet, htmx, Swagger UI) into src/gridgov/web/static/vendor/.

Run from anywhere:

    python tools/vendor_assets.py

It ``npm install``s pinned versions into a temporary directory, copies the
files the web UI needs, byte for byte, and writes ``VENDOR.md`` with each
package's version, licence and the sha256 of every copied file.  Only the
standard library is used (plus ``npm`` through subprocess).  The output is
deterministic: re-running with the same pins gives identical files.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

REPO_ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = REPO_ROOT / "src" / "gridgov" / "web" / "static" / "vendor"

# name, pinned version, required version prefix, destination folder,
# [(path in package, path under destination folder)]
PACKAGES = [
    (
        "leaflet",
        "1.9.4",
        "1.9.",
        "leaflet",
        [
            ("dist/leaflet.js", "leaflet.js"),
            ("dist/leaflet.css", "leaflet.css"),
            ("dist/images/*", "images/"),
            ("LICENSE", "LICENSE"),
        ],
    ),
    (
        "htmx.org",
        "2.0.11",
        "2.",
        "htmx",
        [
            ("dist/htmx.min.js", "htmx.min.js"),
            ("LICENSE", "LICENSE"),
        ],
    ),
    (
        "swagger-ui-dist",
        "5.35.0",
        "5.",
        "swagger-ui",
        [
            ("swagger-ui-bundle.js", "swagger-ui-bundle.js"),
            ("swagger-ui.css", "swagger-ui.css"),
            ("favicon-32x32.png", "favicon-32x32.png"),
            ("LICENSE", "LICENSE"),
        ],
    ),
]


def log(msg: str = "") -> None:
    print(msg, flush=True)


def fail(msg: str) -> NoReturn:
    print(f"ERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def npm_install(prefix: Path, specs: list[str]) -> None:
    npm = shutil.which("npm")
    if npm is None:
        fail("npm not found on PATH")
    cmd = [
        npm,
        "install",
        "--no-save",
        "--prefix",
        str(prefix),
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        *specs,
    ]
    log("$ " + " ".join(cmd[1:]))
    subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL)


def main() -> int:
    log("pinned: " + ", ".join(f"{name}@{version}" for name, version, *_ in PACKAGES))
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="gridgov-vendor-") as tmp:
        prefix = Path(tmp)
        npm_install(prefix, [f"{name}@{version}" for name, version, *_ in PACKAGES])
        VENDOR_DIR.mkdir(parents=True, exist_ok=True)
        for name, version, want_prefix, dest_name, files in PACKAGES:
            pkg = prefix / "node_modules" / name
            meta = json.loads((pkg / "package.json").read_text(encoding="utf-8"))
            if meta.get("version") != version or not version.startswith(want_prefix):
                fail(f"{name}: installed {meta.get('version')}, expected {version} ({want_prefix}x)")
            log(f"installed {name}@{meta['version']} (licence: {meta.get('license')})")
            dest = VENDOR_DIR / dest_name
            # Start from a clean folder so no stale file from an older version stays.
            if dest.exists():
                shutil.rmtree(dest)
            dest.mkdir(parents=True)
            copied: list[tuple[str, str, str]] = []
            for src_rel, dst_rel in files:
                if src_rel.endswith("/*"):
                    sources = sorted(p for p in (pkg / src_rel[:-2]).iterdir() if p.is_file())
                    if not sources:
                        fail(f"{name}: nothing in {src_rel}")
                    pairs = [(p, dest / dst_rel / p.name, f"{src_rel[:-2]}/{p.name}") for p in sources]
                else:
                    src = pkg / src_rel
                    if not src.is_file():
                        fail(f"{name}: {src_rel} missing from the package")
                    pairs = [(src, dest / dst_rel, src_rel)]
                for src, dst, shown in pairs:
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(src, dst)
                    rel = dst.relative_to(VENDOR_DIR).as_posix()
                    digest = sha256(dst)
                    copied.append((rel, shown, digest))
                    log(f"  {rel:<32} {dst.stat().st_size:>8,} bytes  sha256 {digest}")
            rows.append({"name": name, "version": meta["version"], "license": meta.get("license"), "files": copied})

    lines = [
        "# Vendored front-end assets",
        "",
        "Copied byte for byte from the npm packages below by `python tools/vendor_assets.py`;",
        "do not edit by hand. To upgrade, change the pinned versions in that script and re-run it.",
        "",
        "| package | version | licence | licence file |",
        "| --- | --- | --- | --- |",
    ]
    for row in rows:
        lic_file = next((rel for rel, shown, _ in row["files"] if shown == "LICENSE"), "")
        lines.append(f"| `{row['name']}` | {row['version']} | {row['license']} | `{lic_file}` |")
    for row in rows:
        lines += [
            "",
            f"## {row['name']} {row['version']}",
            "",
            "| file | from package path | sha256 |",
            "| --- | --- | --- |",
        ]
        lines += [f"| `{rel}` | `{shown}` | `{digest}` |" for rel, shown, digest in row["files"]]
    (VENDOR_DIR / "VENDOR.md").write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    log(f"wrote {(VENDOR_DIR / 'VENDOR.md').relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

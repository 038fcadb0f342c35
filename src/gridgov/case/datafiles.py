"""The case configuration that is data, as files administrators download and upload: the taxonomy as YAML
or XLSX (sheets 大类/小类/处置阶段), the holiday table as CSV rows (日期,休/班,名称). Pure: bytes in, a
validated value or every error out; nothing here touches the database."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml
from pydantic import ValidationError

from gridgov.case.calendar import UNIT_LABELS, TimeUnit
from gridgov.case.taxonomy import Category, Limit, Taxonomy, Tier
from gridgov.errors import InvalidInput
from gridgov.kit.tabular import CellError, Column, ImportFailed, Row, Sheet, read_xlsx, write_xlsx

MAJOR_SHEET = Sheet("大类", (Column("code", "代码"), Column("name", "名称")))
CATEGORY_SHEET = Sheet(
    "小类",
    (
        Column("code", "代码"),
        Column("name", "名称"),
        Column("severity", "等级"),
        Column("tier", "默认层级"),
        Column("unit", "处置单位", required=False),
        Column("limits.filing", "立案时限"),
        Column("limits.dispatch", "派遣时限"),
        Column("filing", "立案条件"),
        Column("closing", "结案条件"),
        Column("active", "启用", required=False),
        Column("public", "公开", required=False),
    ),
)
STAGE_SHEET = Sheet(
    "处置阶段",
    (
        Column("category", "小类代码"),
        Column("index", "序号", required=False),
        Column("name", "阶段名称"),
        Column("limit", "时限"),
        Column("result", "办结标准", required=False),
    ),
)
TIER_LABELS = {Tier.village: "村(社区)", Tier.township: "乡镇(街道)", Tier.county: "县(区)"}
TIER_ALIASES = {
    **{label: tier for tier, label in TIER_LABELS.items()},
    **dict.fromkeys(("村", "村级", "村社", "社区"), Tier.village),
    **dict.fromkeys(("乡镇", "乡镇级", "街道"), Tier.township),
    **dict.fromkeys(("县", "县级", "区", "区级"), Tier.county),
}
UNIT_ALIASES = {**{label: unit for unit, label in UNIT_LABELS.items()}, **{unit.value: unit for unit in TimeUnit}}
YES, NO = ("是", "yes", "true", "1", "y", "启用", ""), ("否", "no", "false", "0", "n", "停用")
PUBLIC = ("是", "yes", "true", "1", "y", "公开")
LIMIT_TEXT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([^\d\s].*?)\s*$")
MAX_YEAR_ROWS = 400


@dataclass(frozen=True)
class TaxonomyError:
    """One problem of an uploaded taxonomy: which category (None for the file as a whole), which field
    (dotted, as in the YAML: ``limits.filing.amount``, ``stages.0.limit``) and, for spreadsheets, where."""

    code: str | None
    field: str
    message: str
    where: str = ""

    def __str__(self) -> str:
        who = f"类别 {self.code}" if self.code else "文件"
        place = f"（{self.where}）" if self.where else ""
        return f"{who} {self.field}{place}: {self.message}"


class TaxonomyRejected(InvalidInput):
    """Raised with every error found; nothing has been saved."""

    def __init__(self, errors: Sequence[TaxonomyError]):
        shown = "; ".join(str(e) for e in errors[:10])
        super().__init__(
            f"分类文件有误，未保存 (taxonomy rejected, nothing saved): {shown}",
            field="file",
            extra={"errors": [e.__dict__ for e in errors]},
        )
        self.errors = list(errors)


@dataclass(frozen=True)
class TaxonomyUpload:
    taxonomy: Taxonomy
    """The active categories, as they will be used."""
    inactive: list[str] = field(default_factory=list)
    """Codes an XLSX marks 启用=否: validated, then left out (stored rows are deactivated)."""


# taxonomy: validation ----------------------------------------------------------------------------
def _location(raw: Any, loc: Sequence[int | str]) -> tuple[str | None, str]:
    """(category code, dotted field) of a pydantic error location inside the raw taxonomy."""
    if len(loc) >= 2 and loc[0] == "categories" and isinstance(loc[1], int):
        categories = raw.get("categories") if isinstance(raw, dict) else None
        entry = categories[loc[1]] if isinstance(categories, list) and loc[1] < len(categories) else None
        code = entry.get("code") if isinstance(entry, dict) else None
        return (str(code) if code else f"#{loc[1] + 1}"), ".".join(str(p) for p in loc[2:])
    return None, ".".join(str(p) for p in loc)


def _model_errors(raw: Any, exc: ValidationError, places: dict[tuple[str | None, str], str]) -> list[TaxonomyError]:
    errors = []
    for error in exc.errors():
        code, where = _location(raw, error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if not where and code and "needs a unit" in message:
            where = "unit"
        top = ".".join(where.split(".")[:2]) if where.startswith(("limits", "stages")) else where.split(".")[0]
        errors.append(TaxonomyError(code, where or "—", message, places.get((code, top), places.get((code, ""), ""))))
    return errors


def validate_taxonomy(
    raw: Any, *, inactive: Sequence[str] = (), places: dict[tuple[str | None, str], str] | None = None
) -> TaxonomyUpload:
    """Every error of a raw taxonomy (as parsed from YAML or built from a workbook), by category and field."""
    places = places or {}
    if not isinstance(raw, dict):
        raise TaxonomyRejected(
            [TaxonomyError(None, "—", "文件内容应为包含 majors 与 categories 的映射 (not a mapping)")]
        )
    raw = {"version": 1, **raw}
    try:
        taxonomy = Taxonomy.model_validate(raw)
    except ValidationError as exc:
        raise TaxonomyRejected(_model_errors(raw, exc, places)) from exc
    errors = [
        TaxonomyError(
            c.code, "code", f"大类 {c.major} 未定义 (major {c.major} is not in majors)", places.get((c.code, ""), "")
        )
        for c in taxonomy.categories
        if c.major not in taxonomy.majors
    ]
    errors += [
        TaxonomyError(None, f"majors.{code}", "大类代码应为两位数字 (a major code is two digits)")
        for code in taxonomy.majors
        if not re.fullmatch(r"\d{2}", code)
    ]
    active = [c for c in taxonomy.categories if c.code not in set(inactive)]
    if not active:
        errors.append(TaxonomyError(None, "categories", "至少需要一个启用的类别 (no active category)"))
    if errors:
        raise TaxonomyRejected(errors)
    kept = taxonomy.model_copy(update={"categories": active})
    return TaxonomyUpload(kept, [c for c in inactive if any(x.code == c for x in taxonomy.categories)])


def read_taxonomy_yaml(data: bytes) -> TaxonomyUpload:
    try:
        raw = yaml.safe_load(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise TaxonomyRejected([TaxonomyError(None, "—", "文件应为UTF-8编码 (not UTF-8)")]) from exc
    except yaml.YAMLError as exc:
        raise TaxonomyRejected([TaxonomyError(None, "—", f"YAML格式错误 (bad YAML): {exc}")]) from exc
    return validate_taxonomy(raw)


# taxonomy: spreadsheets --------------------------------------------------------------------------
def limit_text(limit: Limit) -> str:
    return str(limit)


def parse_limit(text: str) -> dict[str, Any] | None:
    """``3工作日``, ``0.5 紧急工作时``, ``2 working_days`` → a Limit's fields; None when unreadable."""
    match = LIMIT_TEXT.match(text)
    if not match or match.group(2) not in UNIT_ALIASES:
        return None
    return {"amount": float(match.group(1)), "unit": UNIT_ALIASES[match.group(2)].value}


def _code(value: str, width: int) -> str:
    """Spreadsheets drop leading zeros of codes typed as numbers: 101 → 0101."""
    return value.zfill(width) if value.isdigit() and len(value) < width else value


LIMIT_HINT = "时限应写作 数量+单位，如 3工作日、8工作时、2紧急工作时、5自然日 (amount and unit, e.g. 3工作日)"


def read_taxonomy_xlsx(data: bytes) -> TaxonomyUpload:
    sheets, cell_errors = read_xlsx(data, [MAJOR_SHEET, CATEGORY_SHEET, STAGE_SHEET])
    errors = [TaxonomyError(None, e.column, e.message, f"{e.sheet} 第{e.row}行") for e in cell_errors]
    errors += [
        TaxonomyError(None, "—", f"缺少工作表 {s.name} (missing sheet)")
        for s in (MAJOR_SHEET, CATEGORY_SHEET, STAGE_SHEET)
        if s.name not in sheets
    ]
    if errors:
        raise TaxonomyRejected(errors)
    places: dict[tuple[str | None, str], str] = {}

    def where(row: Row, key: str) -> str:
        letter = row.letters.get(key)
        return f"{row.sheet} 第{row.number}行" + (f" {letter}列" if letter else "")

    majors = {_code(r.values["code"], 2): r.values["name"] for r in sheets[MAJOR_SHEET.name]}
    categories: list[dict[str, Any]] = []
    inactive: list[str] = []
    for row in sheets[CATEGORY_SHEET.name]:
        v = row.values
        code = _code(v["code"], 4)
        places[(code, "")] = where(row, "code")
        entry: dict[str, Any] = {
            "code": code,
            "name": v["name"],
            "severity": v["severity"],
            "tier": TIER_ALIASES.get(v["tier"], v["tier"]),
            "unit": v.get("unit") or None,
            "filing": v["filing"],
            "closing": v["closing"],
            "limits": {},
            "stages": [],
        }
        for key in ("limits.filing", "limits.dispatch"):
            places[(code, key)] = where(row, key)
            limit = parse_limit(v[key])
            if limit is None:
                errors.append(TaxonomyError(code, key, f"{v[key]!r}: {LIMIT_HINT}", places[(code, key)]))
            entry["limits"][key.split(".")[1]] = limit
        for key, column in (("severity", "severity"), ("tier", "tier"), ("unit", "unit"), ("name", "name")):
            places[(code, key)] = where(row, column)
        active = v.get("active", "").strip().lower()
        if active not in YES + NO:
            errors.append(TaxonomyError(code, "active", "启用应填 是 或 否 (yes or no)", where(row, "active")))
        elif active in NO:
            inactive.append(code)
        public = v.get("public", "").strip().lower()
        if public not in PUBLIC + NO + ("",):
            errors.append(TaxonomyError(code, "public", "公开应填 是 或 否 (yes or no)", where(row, "public")))
        entry["public"] = public in PUBLIC
        categories.append(entry)
    by_code = {c["code"]: c for c in categories}

    def order(row: Row) -> tuple[int, int]:
        index = row.values.get("index", "")
        return (int(index) if index.isdigit() else 9999, row.number)

    for row in sorted(sheets[STAGE_SHEET.name], key=order):
        v = row.values
        code = _code(v["category"], 4)
        target = by_code.get(code)
        if target is None:
            errors.append(
                TaxonomyError(code, "stages", "小类表中没有此代码 (unknown category)", where(row, "category"))
            )
            continue
        index = len(target["stages"])
        places[(code, f"stages.{index}")] = where(row, "limit")
        limit = parse_limit(v["limit"])
        if limit is None:
            errors.append(
                TaxonomyError(code, f"stages.{index}.limit", f"{v['limit']!r}: {LIMIT_HINT}", where(row, "limit"))
            )
        target["stages"].append({"name": v["name"], "limit": limit, "result": v.get("result", "")})
    if errors:
        raise TaxonomyRejected(errors)
    return validate_taxonomy({"majors": majors, "categories": categories}, inactive=inactive, places=places)


def taxonomy_xlsx(majors: dict[str, str], categories: Sequence[tuple[Category, bool]]) -> bytes:
    """The workbook an administrator edits: every category with its active flag, stages on their own sheet."""
    category_rows = [
        [
            c.code,
            c.name,
            str(c.severity),
            TIER_LABELS[c.tier],
            c.unit or "",
            limit_text(c.limits.filing),
            limit_text(c.limits.dispatch),
            c.filing,
            c.closing,
            "是" if active else "否",
            "是" if c.public else "否",
        ]
        for c, active in categories
    ]
    stage_rows = [
        [c.code, str(i), s.name, limit_text(s.limit), s.result]
        for c, _active in categories
        for i, s in enumerate(c.stages, start=1)
    ]
    return write_xlsx(
        [
            (MAJOR_SHEET, [[code, name] for code, name in sorted(majors.items())]),
            (CATEGORY_SHEET, category_rows),
            (STAGE_SHEET, stage_rows),
        ]
    )


def read_taxonomy(data: bytes, filename: str) -> TaxonomyUpload:
    name = filename.lower()
    if name.endswith(".xlsx"):
        return read_taxonomy_xlsx(data)
    if name.endswith((".yaml", ".yml")):
        return read_taxonomy_yaml(data)
    raise TaxonomyRejected([TaxonomyError(None, "file", "请上传 .yaml 或 .xlsx 文件 (upload a .yaml or .xlsx file)")])


# holidays ----------------------------------------------------------------------------------------
HOLIDAY_SHEET = "节假日"
HOLIDAY_HEADERS = ("日期", "date")
WEEKDAYS = "一二三四五六日"


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput("CSV编码无法识别，请使用UTF-8或GB18030 (unknown CSV encoding)", field="file")


def read_holidays(data: bytes | str) -> list[tuple[date, bool, str]]:
    """Rows ``日期,类型,名称`` of the State Council's notice (``2027-01-01,休,元旦``; type 休/班 or off/work;
    comma, tab or full-width comma between cells; an optional header row). Every error by row and column,
    all or nothing (:class:`ImportFailed`)."""
    text = data if isinstance(data, str) else _decode(data)
    rows: list[tuple[date, bool, str]] = []
    errors: list[CellError] = []
    seen: dict[date, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        cells = [c.strip() for c in re.split(r"[,\t，]", line)]
        if not cells[0] or cells[0].lower() in HOLIDAY_HEADERS:
            continue
        try:
            day = date.fromisoformat(cells[0].replace("/", "-"))
        except ValueError:
            errors.append(CellError(HOLIDAY_SHEET, number, "A", f"日期应为YYYY-MM-DD (not a date: {cells[0]!r})"))
            continue
        kind = cells[1] if len(cells) > 1 else ""
        if kind not in ("休", "班", "off", "work"):
            errors.append(CellError(HOLIDAY_SHEET, number, "B", "类型应为 休 或 班 (type is 休 or 班)"))
            continue
        name = cells[2] if len(cells) > 2 else ""
        is_workday = kind in ("班", "work")
        if is_workday and day.weekday() < 5:
            errors.append(
                CellError(
                    HOLIDAY_SHEET,
                    number,
                    "B",
                    f"{day} 是星期{WEEKDAYS[day.weekday()]}，调休上班日应为周末 (a 班 day is a weekend day)",
                )
            )
        if len(name) > 60:
            errors.append(CellError(HOLIDAY_SHEET, number, "C", "名称不超过60字 (name longer than 60)"))
        if day in seen:
            errors.append(CellError(HOLIDAY_SHEET, number, "A", f"{day} 与第{seen[day]}行重复 (duplicate date)"))
        seen[day] = number
        rows.append((day, is_workday, name))
    if not rows and not errors:
        errors.append(CellError(HOLIDAY_SHEET, 1, "A", "没有可导入的日期 (no rows)"))
    if len(rows) > MAX_YEAR_ROWS:
        errors.append(CellError(HOLIDAY_SHEET, 1, "A", f"一次最多导入{MAX_YEAR_ROWS}行 (too many rows)"))
    if errors:
        raise ImportFailed(errors)
    return rows

"""The monthly evaluation report (月度综合评价报告): the county's indicators, the township ranking and, for
every township, its villages' 赛马比拼 with red and yellow flags; as PDF (Chinese font embedded) and XLSX.

The figures are those of the API: one ``Evaluation`` of the period, the rates under the scheme's rule set,
the ranking and flags of the flag document.

Font: WenQuanYi Micro Hei (文泉驿微米黑) from Debian's ``fonts-wqy-microhei`` package, licensed
"Apache-2.0 OR GPL-3.0-only WITH Font-embedding exception": either licence allows embedding it in a
document. It is a TrueType collection, which reportlab embeds as a subset (only the glyphs used).
``GRIDGOV_REPORT_FONT`` points to another TrueType font (.ttf/.ttc) if a deployment prefers one.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from gridgov.errors import AppError
from gridgov.evaluation.documents import LEVEL_LABELS, Level
from gridgov.evaluation.indicators import COUNT_LABELS, RATES, Counts, Rate
from gridgov.evaluation.periods import Period
from gridgov.evaluation.service import EvaluationService, RankRow, UnitFigures
from gridgov.kit.time import format_local
from gridgov.web.exports import Cell, table_xlsx

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
)
FONT_NAME = "GridgovCJK"
REPORT_RATES = ("close_rate", "on_time_close_rate", "handle_rate", "on_time_handle_rate", "rework_rate",
                "extension_rate", "overdue_rate", "accurate_dispatch_rate", "public_report_rate")  # fmt: skip
REPORT_COUNTS = ("received", "filed", "dispatched", "due_handle", "handled", "handled_on_time", "due_close", "closed",
                 "closed_on_time", "reworked", "extended", "overdue_waiting", "deferred", "hung")  # fmt: skip


class FontMissing(AppError):
    status_code = 500


def font_path() -> Path:
    chosen = os.environ.get("GRIDGOV_REPORT_FONT")
    for candidate in ([chosen] if chosen else []) + list(FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(
        "找不到中文字体：请安装 fonts-wqy-microhei 或设置 GRIDGOV_REPORT_FONT "
        "(no Chinese TrueType font: apt-get install fonts-wqy-microhei, or set GRIDGOV_REPORT_FONT)"
    )


@dataclass
class TownshipPart:
    unit: UnitFigures
    villages: list[RankRow]


@dataclass
class ReportData:
    period: Period
    generated_at: datetime
    county: UnitFigures
    rule_set: str
    rules: dict[str, tuple[str, ...]]
    scheme_key: str
    scheme_name: str
    scheme_source: str
    max_points: float
    townships: list[RankRow]
    units: list[RankRow]
    parts: list[TownshipPart] = field(default_factory=list)


def collect(service: EvaluationService, period: Period, township: str | None = None) -> ReportData:
    evaluation = service.evaluate(period, None)
    scheme_key, scheme = service.scheme()
    rule_set, rules = service.rule_set(scheme.rules)
    county_units = evaluation.level(Level.county)
    if not county_units:
        raise AppError(f"{period.label}没有案件，无法生成报告 (no cases in {period.key})")
    townships = service.ranking(evaluation, Level.township, scheme)
    villages = service.ranking(evaluation, Level.village, scheme)
    data = ReportData(
        period=period,
        generated_at=service.clock(),
        county=county_units[0],
        rule_set=rule_set,
        rules=rules,
        scheme_key=scheme_key,
        scheme_name=scheme.name,
        scheme_source=scheme.source,
        max_points=scheme.max_points,
        townships=townships,
        units=service.ranking(evaluation, Level.unit, scheme),
    )
    for row in sorted(townships, key=lambda r: r.unit.key):
        if township and row.unit.key != township:
            continue
        data.parts.append(TownshipPart(row.unit, [v for v in villages if v.unit.parent == row.unit.key]))
    return data


def _rate_text(rate: Rate) -> str:
    return f"{rate.percent}（{rate.numerator}/{rate.denominator}）"


def _flag_text(row: RankRow) -> str:
    if row.flag:
        return row.flag.label
    return "样本不足" if row.rank is None else ""


def _score(row: RankRow) -> str:
    return "—" if row.score is None else f"{row.score:.2f}"


def render_pdf(data: ReportData) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    path = font_path()
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
    title = ParagraphStyle("t", fontName=FONT_NAME, fontSize=18, leading=24, spaceAfter=8)
    h2 = ParagraphStyle("h2", fontName=FONT_NAME, fontSize=13, leading=18, spaceBefore=10, spaceAfter=6)
    body = ParagraphStyle("b", fontName=FONT_NAME, fontSize=9, leading=13)
    small = ParagraphStyle("s", fontName=FONT_NAME, fontSize=7.5, leading=10, textColor=colors.grey)

    def table(rows: list[list[str]], widths: list[float] | None = None) -> Table:
        t = Table(rows, colWidths=widths, repeatRows=1)
        style = [
            ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f2f5")),
            ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#c8ced6")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
        for index, row in enumerate(rows):
            if "红旗" in row:
                style.append(("TEXTCOLOR", (len(row) - 1, index), (len(row) - 1, index), colors.HexColor("#c62828")))
            if "黄旗" in row:
                style.append(("TEXTCOLOR", (len(row) - 1, index), (len(row) - 1, index), colors.HexColor("#a67c00")))
        t.setStyle(TableStyle(style))
        return t

    county = data.county
    rates = county.rates(data.rules)
    story: list[object] = [
        Paragraph(f"{county.name}{data.period.label}综合评价报告", title),
        Paragraph(
            f"评价期间：{data.period.label}（北京时间）；计分方案：{data.scheme_name}（满分{data.max_points:g}）；"
            f"分母规则：{data.rule_set}；生成时间：{format_local(data.generated_at)}。",
            body,
        ),
        Paragraph("一、全区主要指标", h2),
    ]
    rows = [["指标", "分子/分母", "数值"]]
    rows += [[r.label, f"{r.numerator}/{r.denominator}", r.percent] for r in (rates[k] for k in REPORT_RATES)]
    rows.append(["平均处置时长(小时)", f"{county.counts.handled}件", _hours(county.counts.mean_handle_hours)])
    rows.append(["P90处置时长(小时)", "", _hours(county.p90_hours)])
    story.append(table(rows, [55 * mm, 45 * mm, 35 * mm]))
    story.append(Spacer(1, 4 * mm))
    counts = [[COUNT_LABELS[k], str(getattr(county.counts, k))] for k in REPORT_COUNTS]
    half = (len(counts) + 1) // 2
    paired = [a + (counts[half + i] if half + i < len(counts) else ["", ""]) for i, a in enumerate(counts[:half])]
    story.append(table([["统计项", "件数", "统计项", "件数"], *paired], [40 * mm, 25 * mm, 40 * mm, 25 * mm]))
    story.append(Paragraph("二、乡镇(街道)排名与红黄旗", h2))
    rows = [["同类组", "名次", "乡镇(街道)", "得分", "样本", "结案率", "按期结案率", "旗帜"]]
    for row in data.townships:
        r = row.unit.rates(data.rules)
        rows.append([row.peer, str(row.rank or "—"), row.unit.name, _score(row), str(row.sample),
                     _rate_text(r["close_rate"]), _rate_text(r["on_time_close_rate"]), _flag_text(row)])  # fmt: skip
    story.append(table(rows))
    if data.units:
        story.append(Paragraph("三、处置单位排名", h2))
        rows = [["同类组", "名次", "单位", "得分", "样本", "按期处置率", "旗帜"]]
        for row in data.units:
            r = row.unit.rates(data.rules)
            rows.append([row.peer, str(row.rank or "—"), row.unit.name, _score(row), str(row.sample),
                         _rate_text(r["on_time_handle_rate"]), _flag_text(row)])  # fmt: skip
        story.append(table(rows))
    for number, part in enumerate(data.parts, start=1):
        story.append(PageBreak())
        r = part.unit.rates(data.rules)
        story.append(Paragraph(f"附{number}　{part.unit.name}{data.period.label}评价", h2))
        story.append(
            Paragraph(
                "　".join(f"{k.label}：{_rate_text(r[k.key])}" for k in RATES if k.key in REPORT_RATES[:5])
                + f"　受理数：{part.unit.counts.received}　结案数：{part.unit.counts.closed}",
                body,
            )
        )
        rows = [["名次", "村(社区)", "得分", "样本", "结案率", "按期结案率", "返工数", "旗帜"]]
        for row in part.villages:
            vr = row.unit.rates(data.rules)
            rows.append([str(row.rank or "—"), row.unit.name, _score(row), str(row.sample),
                         _rate_text(vr["close_rate"]), _rate_text(vr["on_time_close_rate"]),
                         str(row.unit.counts.reworked), _flag_text(row)])  # fmt: skip
        story.append(table(rows))
    story.append(Spacer(1, 6 * mm))
    story.append(
        Paragraph(
            "说明：结案率＝结案数÷应结案数，按期结案率＝按期结案数÷应结案数（金华规则剔除缓办数）；"
            "处置率＝处置数÷应处置数；返工率＝返工数÷应结案数；超期待处置率＝超期待处置数÷应处置数；"
            "延期率＝延期数÷应处置数。样本量不足的单位不排名、不授旗。" + data.scheme_source,
            small,
        )
    )
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{county.name}{data.period.label}综合评价报告",
        author="gridgov 基层智治平台",
    )
    doc.build(story)
    return buffer.getvalue()


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _unit_rows(units: list[UnitFigures], rules: dict[str, tuple[str, ...]]) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for unit in units:
        rates = unit.rates(rules)
        rows.append(
            [
                unit.key,
                unit.name,
                unit.parent,
                *(getattr(unit.counts, k) for k in Counts.KEYS),
                *(_percent(rates[k].value) for k in REPORT_RATES),
                *(f"{rates[k].numerator}/{rates[k].denominator}" for k in REPORT_RATES),
                None if unit.counts.mean_handle_hours is None else round(unit.counts.mean_handle_hours, 1),
                None if unit.p90_hours is None else round(unit.p90_hours, 1),
            ]
        )
    return rows


def render_xlsx(data: ReportData, service: EvaluationService) -> bytes:
    evaluation = service.evaluate(data.period, None)
    headers = [
        "编码",
        "名称",
        "上级",
        *(COUNT_LABELS[k] for k in Counts.KEYS),
        *(f"{k}(%)" for k in (RATES_BY[k] for k in REPORT_RATES)),
        *(f"{k}分子/分母" for k in (RATES_BY[k] for k in REPORT_RATES)),
        "平均处置时长(小时)",
        "P90处置时长(小时)",
    ]
    sheets: list[tuple[str, list[str], list[list[Cell]]]] = []
    for level in (Level.county, Level.township, Level.village, Level.grid, Level.unit, Level.member):
        sheets.append((LEVEL_LABELS[level], headers, _unit_rows(evaluation.level(level), data.rules)))
    rank_headers = ["同类组", "名次", "编码", "名称", "得分", "样本", "旗帜"]
    for label, ranked in (("乡镇排名", data.townships), ("处置单位排名", data.units)):
        sheets.append((label, rank_headers, [_rank_row(r) for r in ranked]))
    villages = [_rank_row(r) for part in data.parts for r in part.villages]
    sheets.append(("村社赛马比拼", rank_headers, villages))
    notes: list[list[Cell]] = [
        ["评价期间", data.period.label],
        ["计分方案", f"{data.scheme_name}（{data.scheme_key}），满分{data.max_points:g}"],
        ["分母规则", data.rule_set],
        ["生成时间", format_local(data.generated_at)],
        ["说明", data.scheme_source],
    ]
    sheets.append(("说明", ["项目", "内容"], notes))
    return table_xlsx(sheets)


RATES_BY = {r.key: r.label for r in RATES}


def _rank_row(row: RankRow) -> list[Cell]:
    return [
        row.peer,
        row.rank,
        row.unit.key,
        row.unit.name,
        None if row.score is None else round(row.score, 2),
        row.sample,
        _flag_text(row),
    ]

"""The monthly carbon monitoring report (碳排放监测专报), PDF (Chinese font embedded, through the core's font
lookup) or XLSX: the month's emissions, the park's monthly trend (a chart), the year-to-date ranking with grades,
the bands and their models, the potential with the tail list, and the rooftop PV list. Every figure is the
API's, over the whole county, and the report names the factor versions it used."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

from gridgov.carbon.calc import INDICATORS
from gridgov.carbon.service import CarbonService, PvRow, Result, month_start, pv_advice
from gridgov.evaluation.report import FONT_NAME, font_path
from gridgov.kit.tabular import Cell
from gridgov.kit.time import format_local, utcnow
from gridgov.web.exports import table_xlsx

LABELS = {"land": "单位面积碳排放(t/亩·年)", "output": "单位产值碳排放(t/万元)", "tax": "单位税收碳排放(t/万元)",
          "per_capita": "人均产值碳排放(t/人)", "pv": "光伏碳减量(占比)"}  # fmt: skip
GRADES = "ABCD"


@dataclass
class ReportData:
    month: date
    month_result: Result
    year: Result
    trend: list[tuple[str, float, int]]
    """(YYYY-MM, park emissions t, enterprises reported) for each month of the year to date."""
    pv: list[PvRow]
    pv_version: str
    generated_at: datetime


def parse_month(text: str) -> date:
    try:
        year, month = (int(p) for p in text.strip().split("-"))
        return date(year, month, 1)
    except ValueError as exc:
        raise ValueError(f"月份应为YYYY-MM (month must be YYYY-MM): {text!r}") from exc


def collect(service: CarbonService, month: date, factors: str | None = None) -> ReportData:
    following = month_start(month.year, month.month + 1)
    month_result = service.compute(f"{month:%Y-%m}", month, following, None, factors)
    year = service.compute(f"{month.year}-01…{month:%m}", date(month.year, 1, 1), following, None, factors)
    trend = []
    for m in range(1, month.month + 1):
        start = date(month.year, m, 1)
        one = service.compute(f"{start:%Y-%m}", start, month_start(month.year, m + 1), None, factors)
        trend.append((f"{start:%Y-%m}", one.industry_total, sum(1 for r in one.rows if r.months)))
    found = pv_advice(service, year, utcnow().date())
    return ReportData(month, month_result, year, trend, found.rows[:20], found.version, utcnow())


def _basis(data: ReportData) -> str:
    y = data.year
    chosen = f"（指定版本{y.explicit_version}重新核算）" if y.explicit_version else ""
    weights = "、".join(f"{LABELS[k].split('(')[0]}{w:.3f}" for k, w in zip(INDICATORS, y.weights, strict=True))
    method = "TOPSIS" if y.method == "topsis" else "加权求和"
    weighting = "熵权法" if y.weighting == "entropy" else "专家权重"
    return (f"对标行业：{y.industry}；排放因子版本：{'、'.join(y.versions)}{chosen}；评价方法：{method}，{weighting}"
            f"（{weights}）；生成时间：{format_local(data.generated_at)}。")  # fmt: skip


def ranking_rows(result: Result) -> list[list[Cell]]:
    return [
        [r.rank, r.enterprise.name, r.enterprise.credit_code, r.band, None if r.score is None else round(r.score, 2),
         r.grade, round(r.emissions["total"], 2), *[None if v is None else round(v, 6) for v in r.values]]
        for r in result.rows
    ]  # fmt: skip


def render_xlsx(data: ReportData) -> bytes:
    y = data.year
    names = {r.enterprise.id: r.enterprise.name for r in y.rows}
    return table_xlsx(
        [
            ("说明", ["项目", "内容"], [["报告", f"{data.month:%Y年%m月}碳排放监测专报"], ["口径", _basis(data)],
                                       ["本月碳排放(t)", round(data.month_result.industry_total, 3)],
                                       ["年内减排潜力(t)", round(y.potential, 3)],
                                       ["占行业排放", None if y.share is None else round(100 * y.share, 3)]]),
            ("月度趋势", ["月份", "碳排放(t)", "报送企业数"], [list(t) for t in data.trend]),
            ("年内排名", ["排名", "企业", "统一社会信用代码", "容量区间", "指数", "等级", "碳排放(t)",
                          *[LABELS[k] for k in INDICATORS]], ranking_rows(y)),
            ("容量区间对标", ["区间", "企业数", "样板企业", "头部单位产值碳排放(t/万元)"],
             [[b.label, len(b.members), names.get(b.model) if b.model else None, b.benchmark_intensity]
              for b in y.bands]),
            ("减排潜力", ["企业", "区间", "碳排放(t)", "产值(万元)", "单位产值碳排放", "头部强度", "头部强度下排放(t)",
                          "可减排量(t)"],
             [[t.name, t.band, t.emissions, t.output_value, t.intensity, t.benchmark_intensity, t.at_benchmark,
               t.contribution] for t in y.tail]),
            ("屋顶光伏建议", ["企业", "可装机(kWp)", "年发电量(kWh)", "自用电量(kWh)", "年减碳(t)", "投资(元)",
                              "回收期(年)"],
             [[p.enterprise.name, p.advice.capacity_kwp, p.advice.yield_kwh, p.advice.self_kwh, p.advice.avoided_t,
               p.advice.cost_yuan, p.advice.payback_years] for p in data.pv]),
        ]
    )  # fmt: skip


def render_pdf(data: ReportData) -> bytes:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path()), subfontIndex=0))
    title = ParagraphStyle("t", fontName=FONT_NAME, fontSize=18, leading=24, spaceAfter=8)
    h2 = ParagraphStyle("h2", fontName=FONT_NAME, fontSize=13, leading=18, spaceBefore=10, spaceAfter=6)
    body = ParagraphStyle("b", fontName=FONT_NAME, fontSize=9, leading=13)

    def table(rows: list[list[str]]) -> Table:
        t = Table(rows, repeatRows=1)
        t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT_NAME), ("FONTSIZE", (0, 0), (-1, -1), 7.5),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f2f5")),
                               ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#c8ced6"))]))  # fmt: skip
        return t

    y, m = data.year, data.month_result
    share = "—" if y.share is None else f"{100 * y.share:.2f}%"
    story: list[object] = [
        Paragraph(f"{data.month:%Y年%m月}园区碳排放监测专报", title),
        Paragraph(_basis(data), body),
        Paragraph("一、本月概况", h2),
        Paragraph(
            f"本月对标企业{len(m.rows)}家，报送{sum(1 for r in m.rows if r.months)}家，碳排放"
            f"{m.industry_total:,.1f} t；年内累计{y.industry_total:,.1f} t。若尾部企业达到所在容量区间头部企业的"
            f"单位产值碳排放，年内可减排{y.potential:,.1f} t，占行业排放的{share}。",
            body,
        ),  # fmt: skip
    ]
    chart = Drawing(170 * mm, 60 * mm)
    bars = VerticalBarChart()
    bars.x, bars.y, bars.width, bars.height = 30, 20, 160 * mm - 30, 50 * mm
    bars.data = [[round(t[1], 1) for t in data.trend] or [0]]
    bars.categoryAxis.categoryNames = [t[0][5:] + "月" for t in data.trend] or [""]
    bars.categoryAxis.labels.fontName = bars.valueAxis.labels.fontName = FONT_NAME
    bars.bars[0].fillColor = colors.HexColor("#42a5f5")
    bars.valueAxis.valueMin = 0
    chart.add(bars)
    chart.add(String(30, 56 * mm, "月度碳排放(t)", fontName=FONT_NAME, fontSize=8))
    story += [Paragraph("二、月度趋势", h2), chart, Paragraph("三、碳排放综合评价指数排名（年内）", h2)]
    rows = [["排名", "企业", "区间", "指数", "等级", "碳排放(t)"]]
    rows += [[str(r.rank or "—"), r.enterprise.name, r.band or "—", "—" if r.score is None else f"{r.score:.1f}",
              r.grade or "—", f"{r.emissions['total']:,.1f}"] for r in y.rows]  # fmt: skip
    story.append(table(rows))
    names = {r.enterprise.id: r.enterprise.name for r in y.rows}
    story.append(Paragraph("四、容量区间对标与样板企业", h2))
    rows = [["区间", "企业数", "样板企业", "头部单位产值碳排放(t/万元)"]]
    rows += [[b.label, str(len(b.members)), names.get(b.model, "—") if b.model else "—",
              "—" if b.benchmark_intensity is None else f"{b.benchmark_intensity:.4f}"] for b in y.bands]  # fmt: skip
    story.append(table(rows))
    story.append(Paragraph(f"五、减排潜力（合计{y.potential:,.1f} t，占行业{share}）", h2))
    rows = [["企业", "区间", "碳排放(t)", "单位产值碳排放", "头部强度", "可减排量(t)"]]
    rows += [[t.name, t.band, f"{t.emissions:,.1f}", f"{t.intensity:.4f}", f"{t.benchmark_intensity:.4f}",
              f"{t.contribution:,.1f}"] for t in y.tail]  # fmt: skip
    story.append(table(rows))
    story.append(Paragraph(f"六、屋顶光伏建议（电网因子版本{data.pv_version}）", h2))
    rows = [["企业", "可装机(kWp)", "年发电量(kWh)", "年减碳(t)", "回收期(年)"]]
    rows += [[p.enterprise.name, f"{p.advice.capacity_kwp:,.0f}", f"{p.advice.yield_kwh:,.0f}",
              f"{p.advice.avoided_t:,.1f}", "—" if p.advice.payback_years is None else f"{p.advice.payback_years:.1f}"]
             for p in data.pv]  # fmt: skip
    story += [table(rows), Spacer(1, 4 * mm)]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                      bottomMargin=15 * mm, title=f"{data.month:%Y年%m月}碳排放监测专报",
                      author="gridgov 基层智治平台").build(story)  # fmt: skip
    return buffer.getvalue()


def report_bytes(service: CarbonService, month: date, fmt: str, factors: str | None = None) -> bytes:
    data = collect(service, month, factors)
    return render_pdf(data) if fmt == "pdf" else render_xlsx(data)

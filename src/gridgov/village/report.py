"""The year's assessment report of a township (村级班子考核结果): villages ranked with their points, the cadres'
1:1:1 results, grades and bonuses; as PDF (the evaluation report's embedded Chinese font) and XLSX."""

from __future__ import annotations

import io

from gridgov.evaluation.report import FONT_NAME, font_path
from gridgov.village.services_assessment import YearResult
from gridgov.web.exports import Cell, table_xlsx

VILLAGE_HEADERS = ["名次", "村社", "代码", "得分", "得分率(%)"]
CADRE_HEADERS = ["村社", "姓名", "岗位", "村社得分率(%)", "个人履职", "民主评议", "综合得分", "等次", "绩效奖金(元)"]


def village_rows(result: YearResult) -> list[list[Cell]]:
    return [[rank, v.name, v.code, points, percent] for v, points, percent, rank in result.villages]


def cadre_rows(result: YearResult, posts: dict[str, str]) -> list[list[Cell]]:
    names = {v.code: v.name for v, *_rest in result.villages}
    return [
        [
            names.get(c.cadre.village_code, c.cadre.village_code),
            c.name,
            posts.get(c.cadre.post, c.cadre.post),
            c.village_percent,
            c.cadre.duty,
            c.cadre.appraisal,
            c.total,
            c.grade,
            float(c.bonus),
        ]
        for c in result.cadres
    ]


def render_xlsx(result: YearResult, posts: dict[str, str]) -> bytes:
    return table_xlsx(
        [
            (f"{result.year}村社考核", VILLAGE_HEADERS, village_rows(result)),
            ("村社干部", CADRE_HEADERS, cadre_rows(result, posts)),
        ]
    )


def render_pdf(result: YearResult, posts: dict[str, str]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path()), subfontIndex=0))
    title = ParagraphStyle("t", fontName=FONT_NAME, fontSize=16, leading=22, spaceAfter=8)
    h2 = ParagraphStyle("h2", fontName=FONT_NAME, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("b", fontName=FONT_NAME, fontSize=9, leading=13)

    def table(headers: list[str], rows: list[list[Cell]]) -> Table:
        t = Table([headers, *[["" if c is None else str(c) for c in r] for r in rows]], repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
                    ("FONTSIZE", (0, 0), (-1, -1), 7.5),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f2f5")),
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#c8ced6")),
                ]
            )
        )
        return t

    story = [
        Paragraph(f"{result.township.name}{result.year}年度村级班子考核结果", title),
        Paragraph(
            f"村社{len(result.villages)}个；干部{len(result.cadres)}名；绩效奖金池{result.pool}元，按等次系数×岗位系数分配。",
            body,
        ),
        Paragraph("一、村社考核排名", h2),
        table(VILLAGE_HEADERS, village_rows(result)),
        Spacer(1, 6),
        Paragraph("二、村社干部1:1:1差异化考核与绩效奖金", h2),
        table(CADRE_HEADERS, cadre_rows(result, posts)),
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=f"{result.township.name}{result.year}村级班子考核").build(story)
    return buffer.getvalue()

"""The 用水进度提醒函 (monthly progress reminder letter) of one intake user as a PDF, in Chinese with the evaluation
report's embedded CJK font: use against plan over the year to date, its level, and the month's bill when issued."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from gridgov.evaluation.periods import ZONE, Period
from gridgov.evaluation.report import FONT_NAME, font_path
from gridgov.water.models import Bill, IntakeUser, Letter
from gridgov.water.progress import Level
from gridgov.water.service import LEVEL_NAMES

ADVICE = {
    Level.normal: "请继续做好计划用水和节约用水工作。",
    Level.warning: "贵单位用水进度已接近计划，请加强用水管理，合理安排用水，避免超计划取水。",
    Level.over: "贵单位已超计划用水，超计划部分按规定实行累进加价。请立即采取节水措施，严格按计划取水。",
}


def letter_text(letter: Letter, user: IntakeUser) -> list[str]:
    """The letter's paragraphs (also what the inbox and the page say of it)."""
    period = Period.parse(f"{letter.year}-{letter.month:02d}")
    share = "—" if letter.ratio is None else f"{100 * letter.ratio:.1f}%"
    return [
        f"{user.name}（统一社会信用代码：{user.credit_code}）：",
        f"根据计划用水管理规定，现将贵单位{letter.year}年1月至{letter.month}月（截至{period.label}底）的用水进度告知如下：",
        f"累计计划用水量{letter.planned_to_date_m3} m³，累计实际用水量{letter.used_to_date_m3} m³，"
        f"用水进度{share}，状态：{LEVEL_NAMES[Level(letter.level)]}。",
        ADVICE[Level(letter.level)],
    ]


def render_letter(letter: Letter, user: IntakeUser, bill: Bill | None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path()), subfontIndex=0))
    title = ParagraphStyle("t", fontName=FONT_NAME, fontSize=18, leading=26, alignment=1, spaceAfter=12)
    body = ParagraphStyle("b", fontName=FONT_NAME, fontSize=11, leading=18, spaceAfter=6)
    small = ParagraphStyle("s", fontName=FONT_NAME, fontSize=8, leading=11, textColor=colors.grey)
    story: list[object] = [Paragraph("用水进度提醒函", title)]
    story += [Paragraph(text, body) for text in letter_text(letter, user)]
    if bill is not None:
        rows = [["项目", "水量(m³)", "单价(元/m³)", "金额(元)"]]
        for line in bill.lines:
            name = "基本水费" if line["above"] is None else f"超计划{_share(line['above'])}起累进加价"
            rows.append([name, line["volume_m3"], line["rate"], line["amount"]])
        rows.append(["合计", "", "", str(bill.total)])
        table = Table(rows, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
                    ("FONTSIZE", (0, 0), (-1, -1), 9),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f2f5")),
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#c8ced6")),
                ]
            )
        )
        story += [
            Paragraph(
                f"{bill.year}年{bill.month}月用水{bill.used_m3} m³，当月计划{bill.planned_m3} m³，水费如下：", body
            ),
            table,
        ]
    issued = letter.issued_at.astimezone(ZoneInfo(ZONE)).date()
    story += [
        Spacer(1, 18),
        Paragraph(f"出具日期：{issued.year}年{issued.month}月{issued.day}日", body),
        Paragraph("本函由基层智治平台按月生成，数据来自取水在线计量；如有异议请联系当地水行政主管部门。", small),
    ]
    buffer = io.BytesIO()
    name = f"用水进度提醒函-{user.credit_code}-{letter.year}{letter.month:02d}"
    SimpleDocTemplate(buffer, pagesize=A4, title=name).build(story)
    return buffer.getvalue()


def _share(text: str) -> str:
    return f"{float(text) * 100:g}%"

"""The weekly progress report of key projects as PDF, with the core report's embedded Chinese font."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from gridgov.evaluation.report import FONT_NAME, font_path
from gridgov.kit.tabular import Cell

COLOURS = {"红": colors.HexColor("#fde2e1"), "黄": colors.HexColor("#fff4ce")}


def weekly_pdf(title: str, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path()), subfontIndex=0))
    small = ParagraphStyle("cell", fontName=FONT_NAME, fontSize=7.5, leading=9)
    heading = ParagraphStyle("title", fontName=FONT_NAME, fontSize=14, leading=18, spaceAfter=8)
    data = [[Paragraph(str(h), small) for h in header]]
    data += [[Paragraph("" if c is None else str(c), small) for c in row] for row in rows]
    table = Table(data, repeatRows=1)
    style = [("GRID", (0, 0), (-1, -1), 0.3, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7"))]
    for index, row in enumerate(rows, start=1):
        fill = COLOURS.get(str(row[-1]))
        if fill is not None:
            style.append(("BACKGROUND", (0, index), (-1, index), fill))
    table.setStyle(TableStyle(style))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=landscape(A4), title=title).build([Paragraph(title, heading), table])
    return buffer.getvalue()

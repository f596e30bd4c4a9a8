"""A tool as a printable PDF sheet (fpdf2, DejaVu for every European character)."""

import re
from html import unescape
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from fpdf import FPDF

from toolkit.markdown import render_markdown
from toolkit.models import Tool

FONT_DIR = Path(getattr(settings, "PDF_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))


class Sheet(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.add_font("DejaVu", "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font("DejaVu", "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.add_font("DejaVu", "I", FONT_DIR / "DejaVuSans-Oblique.ttf")
        self.add_font("DejaVu", "BI", FONT_DIR / "DejaVuSans-BoldOblique.ttf")
        self.set_font("DejaVu", size=10)
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=18)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", size=8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 6, f"{self.footer_text} · {self.page_no()}", align="C")


def _write_section(pdf: FPDF, html: str) -> None:
    """Write sanitised HTML; what fpdf cannot lay out (wide tables, odd nesting) goes in as text."""
    # A link whose address the sanitiser removed is just its text.
    html = re.sub(r"<a(?![^>]*\bhref=)[^>]*>(.*?)</a>", r"\1", html, flags=re.DOTALL)
    try:
        pdf.write_html(html)
    except Exception:  # fpdf raises several kinds on layouts it cannot handle
        text = unescape(re.sub(r"<[^>]+>", " ", html))
        pdf.multi_cell(0, 5, re.sub(r"[ \t]+", " ", text).strip(), new_x="LMARGIN", new_y="NEXT")


def tool_pdf(tool: Tool, request: HttpRequest) -> bytes:
    url = request.build_absolute_uri(tool.get_absolute_url())
    pdf = Sheet(f"Cities of Making · {url}")
    pdf.add_page()
    pdf.set_text_color(11, 42, 74)
    pdf.set_font("DejaVu", "B", 18)
    pdf.multi_cell(0, 9, tool.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 6, tool.summary, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 9)
    effort = [
        (_("Effort"), tool.get_effort_level_display()),
        (_("Time"), tool.effort_time),
        (_("Cost"), tool.effort_cost),
        (_("Skills"), tool.effort_skills),
        (_("Data"), tool.effort_data),
    ]
    for label, value in effort:
        if value:
            pdf.set_font("DejaVu", "B", 9)
            pdf.cell(22, 5, str(label))
            pdf.set_font("DejaVu", "", 9)
            pdf.multi_cell(0, 5, str(value), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    for label, text in (
        (_("Context"), tool.context),
        (_("Problem"), tool.problem),
        (_("Forces"), tool.forces),
        (_("Solution"), tool.solution),
        (_("Steps"), tool.steps),
        (_("Resources"), tool.resources),
    ):
        if not text:
            continue
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", 13)
        pdf.set_text_color(11, 42, 74)
        pdf.cell(0, 8, str(label), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("DejaVu", "", 10)
        _write_section(pdf, str(render_markdown(text)))
    return bytes(pdf.output())

"""The certificate as an A4 PDF (ReportLab), with a Chinese TrueType font embedded (subset) so that it prints and
reads the same on any machine, and the QR code of its public verification page.

The font: DATAREG_CJK_FONT, else the first of FONT_CANDIDATES found (Debian's fonts-wqy-microhei, which `make
test-tools` installs, first). ReportLab embeds TrueType outlines only (not the CFF outlines of Noto Sans CJK).
"""
from __future__ import annotations

import io
import os
from functools import lru_cache
from pathlib import Path

from api.schemas import Certificate
from api.views.certificate import fact_lines, holder_lines, qr_png
from registry.errors import ConfigurationError

#: TrueType fonts with Chinese glyphs, by Debian package: fonts-wqy-microhei, fonts-wqy-zenhei,
#: fonts-arphic-uming, fonts-droid-fallback.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
FONT_NAME = "DataregCJK"
#: The most characters one cell of the PDF prints (see render_pdf).
CELL_CHARS = 600


class NoCjkFont(ConfigurationError):
    """No TrueType font with Chinese glyphs is installed: the PDF cannot be made (the API answers 503)."""

    code = "font_unavailable"


def find_cjk_font() -> Path | None:
    configured = os.environ.get("DATAREG_CJK_FONT")
    if configured:
        return Path(configured) if Path(configured).is_file() else None
    return next((Path(p) for p in FONT_CANDIDATES if Path(p).is_file()), None)


@lru_cache(maxsize=4)
def _register(path: str) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
    return FONT_NAME


def render_pdf(cert: Certificate) -> bytes:
    """The certificate as PDF bytes; NoCjkFont when no usable font is installed."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    path = find_cjk_font()
    if path is None:
        raise NoCjkFont("No Chinese TrueType font is installed for the PDF certificate: install Debian's "
                        "fonts-wqy-microhei or set DATAREG_CJK_FONT to a .ttf/.ttc file; ?format=html works "
                        "without one.")
    try:
        font = _register(str(path))
    except Exception as error:  # a file that is not a TrueType font
        raise NoCjkFont(f"The font {path.name} cannot be embedded ({error}); set DATAREG_CJK_FONT to a TrueType "
                        "(.ttf/.ttc) font with Chinese glyphs.") from None

    base = ParagraphStyle("cell", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    label = ParagraphStyle("label", parent=base, fontSize=9)
    title = ParagraphStyle("title", parent=base, fontSize=20, leading=26, alignment=1)
    subtitle = ParagraphStyle("subtitle", parent=base, fontSize=11, leading=14, alignment=1)
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=10)

    def para(text: str, style: ParagraphStyle = base) -> Paragraph:
        # A cell must fit on a page (ReportLab splits tables between rows, not within one): text on chain, such
        # as an order reference, is cut at CELL_CHARS here; the JSON and the page give it whole.
        text = text if len(text) <= CELL_CHARS else text[:CELL_CHARS] + "…"
        return Paragraph("<br/>".join(escape(part) for part in text.split("\n")), style)

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=f"数据产权登记证书 {cert.certificate_number}",
                            author=cert.registrar_name or cert.registrar, subject="Data Property Registration "
                            "Certificate", creator="datareg")
    width = A4[0] - 32 * mm
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#444444")),
                       ("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), font),
                       ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2"))])
    # One row per line of a fact (each remark, each line of the evidence), so that a long list of remarks
    # continues on the next page instead of overflowing one.
    rows = [[para(k if i == 0 else "", label), para(line)]
            for k, v in fact_lines(cert) for i, line in enumerate(v.split("\n"))]
    facts = Table(rows, colWidths=[36 * mm, width - 36 * mm], style=grid)
    header = [para(h, label) for h in ("权利 Right", "权利人 Holder", "期限 Term", "状态 State")]
    holder_rows, spans = [header], []
    for right, who, term, limits, state in holder_lines(cert):
        holder_rows.append([para(right), para(who), para(term), para(state)])
        holder_rows.append([para("限制 Limits", label), para(limits), "", ""])
        spans.append(("SPAN", (1, len(holder_rows) - 1), (-1, len(holder_rows) - 1)))
    holders = Table(holder_rows, colWidths=[26 * mm, 78 * mm, 50 * mm, width - 154 * mm], repeatRows=1,
                    style=TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#444444")),
                                      ("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), font),
                                      ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")), *spans]))
    qr = Image(io.BytesIO(qr_png(cert.verification_url)), width=32 * mm, height=32 * mm)
    verify = Table([[qr, para(f"扫码核验 Scan to verify\n{cert.verification_url}", small)]],
                   colWidths=[36 * mm, width - 36 * mm], style=TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                                              ("FONTNAME", (0, 0), (-1, -1), font)]))

    def canvas(*args, **kwargs):  # the CJK font from the start: no unembedded standard font in the file
        from reportlab.pdfgen.canvas import Canvas

        # invariant: no creation time or random id in the file, so the same certificate gives the same bytes.
        return Canvas(*args, **{**kwargs, "initialFontName": font, "lang": "zh-CN", "invariant": 1})

    doc.build([
        para("数据产权登记证书", title), para("Data Property Registration Certificate", subtitle), Spacer(1, 6 * mm),
        facts, Spacer(1, 4 * mm), para("权利人 Right holders", subtitle), Spacer(1, 2 * mm), holders,
        Spacer(1, 5 * mm), verify,
    ], canvasmaker=canvas)
    return buffer.getvalue()

"""The annotated corrections report as a PDF (reportlab): what units and reviewers read.

Order: a cover (unit, rule set, counts by severity, each group's ratings against the cap on
HTXSNV), a page per person or collective (their ratings from every source, the vote, what was
found), then every page of every document with numbered frames on the values in question and,
below, the table of those findings (rule, source, what is wrong, what would be right, and the
picture of any value that could not be read). A reviewer decides each problem from here alone.

Text is set in DejaVu Sans (full Vietnamese coverage), embedded. Every string that comes from a
document or a person is escaped before it reaches reportlab's paragraph markup.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from domain.errors import KiemdiemError
from domain.model import Rating, Severity
from parsers.pictures import PageView
from reports.annotate import COLOURS, Callout, ReportPage
from reports.content import ReportContent, cap_words
from reports.text_summary import SEVERITY_NAMES
from rules.overview import CapOverview, SubjectOverview

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"),
             Path("/usr/local/share/fonts"))
FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
MARGIN = 1.5 * cm
FRAME_W = A4[0] - 2 * MARGIN
PAGE_IMAGE_H = 15.5 * cm  # leaves room on the same page for the first rows of the findings table
CROP_MAX = (FRAME_W - 2 * cm, 5 * cm)


class ReportError(KiemdiemError):
    """The report cannot be drawn on this machine (a font is missing)."""


def _fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont(FONT, str(regular)))
            pdfmetrics.registerFont(TTFont(BOLD, str(bold)))
            return
    raise ReportError("Thiếu phông chữ DejaVu Sans để in báo cáo tiếng Việt; hãy cài gói fonts-dejavu-core.",
                      detail=f"DejaVuSans.ttf not in {', '.join(map(str, FONT_DIRS))}")


def _style(size: float = 9, bold: bool = False, colour: str = "#000000", **kw: Any) -> ParagraphStyle:
    return ParagraphStyle("s", fontName=BOLD if bold else FONT, fontSize=size, leading=size * 1.3,
                          textColor=colors.HexColor(colour), **kw)


BODY = _style()
SMALL = _style(7.5)
H1 = _style(15, bold=True, alignment=TA_CENTER, spaceAfter=8)
H2 = _style(12, bold=True, spaceBefore=6, spaceAfter=4)
H3 = _style(10, bold=True, spaceAfter=3)


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text: escaped, line breaks kept."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _grid(rows: Sequence[Sequence[Any]], widths: Sequence[float], header: bool = True) -> Table:
    table = Table(list(rows), colWidths=list(widths), repeatRows=1 if header else 0)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9e9e9e")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eceff1")))
    table.setStyle(TableStyle(commands))
    return table


class PageWithCallouts(Flowable):  # type: ignore[misc]
    """A document page drawn with a numbered frame on each value in question."""

    def __init__(self, view: PageView, callouts: list[Callout], max_w: float, max_h: float) -> None:
        super().__init__()
        self.view = view
        self.callouts = [c for c in callouts if c.box is not None]
        self.scale = min(max_w / view.width_pt, max_h / view.height_pt)
        self.width, self.height = view.width_pt * self.scale, view.height_pt * self.scale

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.drawImage(ImageReader(io.BytesIO(self.view.jpeg)), 0, 0, self.width, self.height)
        c.setStrokeColor(colors.HexColor("#616161"))
        c.setLineWidth(0.5)
        c.rect(0, 0, self.width, self.height)
        taken: list[tuple[float, float]] = []
        for callout in self.callouts:
            assert callout.box is not None
            x0, y0, x1, y1 = (v * self.scale for v in callout.box)
            colour = colors.HexColor(COLOURS[callout.kind])
            c.setStrokeColor(colour)
            c.setLineWidth(1.4)
            c.rect(x0, self.height - y1, x1 - x0, y1 - y0, stroke=1, fill=0)
            tag_x, tag_y = x0 - 2, self.height - y0 + 1
            while any(abs(tag_x - tx) < 15 and abs(tag_y - ty) < 9 for tx, ty in taken):
                tag_x += 16  # two findings on one value: their numbers side by side
            taken.append((tag_x, tag_y))
            width = pdfmetrics.stringWidth(callout.label, BOLD, 7) + 4
            c.setFillColor(colour)
            c.rect(tag_x, tag_y, width, 9, stroke=0, fill=1)
            c.setFillColor(colors.white)
            c.setFont(BOLD, 7)
            c.drawString(tag_x + 2, tag_y + 2, callout.label)


def _cover(content: ReportContent) -> list[Flowable]:
    d = content.dossier
    readable = [doc for doc in d.documents if doc.rejected is None]
    facts = [
        ("Đơn vị", d.unit or "(chưa xác định)"),
        ("Bộ quy định", f"{d.rule_set} — {content.rule_set_name}"),
        ("Ngày đánh giá", f"{d.evaluation_date:%d/%m/%Y}" if d.evaluation_date else "(chưa xác định)"),
        ("Ngày lập báo cáo", f"{content.generated:%d/%m/%Y %H:%M}"),
        ("Tệp đã nhận", f"{len(d.documents)} (đọc được {len(readable)}, "
                        f"không đọc được {len(d.documents) - len(readable)})"),
        ("Biểu mẫu đọc được", str(sum(len(doc.forms) for doc in d.documents))),
    ]
    out: list[Flowable] = [_p(content.title.upper(), H1), Spacer(1, 4)]
    out.append(_grid([[_p(k, _style(bold=True)), _p(v)] for k, v in facts], [5 * cm, FRAME_W - 5 * cm],
                     header=False))
    out += [Spacer(1, 8), _p("Số phát hiện theo mức độ", H2)]
    counts = content.counts
    row = [_p(f"{SEVERITY_NAMES[s]}: {counts[s]}", _style(10, bold=True, colour=COLOURS[s.value])) for s in Severity]
    out.append(_grid([row], [FRAME_W / 4] * 4, header=False))
    if content.overview.caps:
        out += [Spacer(1, 8), _p("Phân bố xếp loại và tỷ lệ HTXSNV tối đa", H2)]
        out += [KeepTogether([_cap_chart(cap), _p(cap_words(cap), SMALL), Spacer(1, 6)])
                for cap in content.overview.caps]
    if d.corrections:
        out += [Spacer(1, 8), _p("Giá trị đã được người kiểm tra xác nhận hoặc sửa", H2)]
        out.append(_corrections_table(content))
    return out


def _cap_chart(cap: CapOverview) -> Drawing:
    """Four bars (one per rating) and a dashed line at the cap over the HTXSNV bar."""
    w, h, bottom, left = FRAME_W, 4.2 * cm, 14.0, 40.0
    drawing = Drawing(w, h)
    top = max([*cap.counts.values(), cap.cap, 1])
    unit = (h - bottom - 16) / top
    bar_w = (w - left) / 4
    for i, rating in enumerate(Rating):
        n = cap.counts.get(rating, 0)
        x = left + i * bar_w + bar_w * 0.2
        over = rating is Rating.HTXSNV and cap.over
        drawing.add(Rect(x, bottom, bar_w * 0.6, n * unit, fillColor=colors.HexColor("#c62828" if over else "#546e7a"),
                         strokeColor=None))
        drawing.add(String(x + bar_w * 0.3, bottom + n * unit + 3, str(n), fontName=BOLD, fontSize=8,
                           textAnchor="middle"))
        drawing.add(String(x + bar_w * 0.3, 2, rating.abbreviation, fontName=FONT, fontSize=8, textAnchor="middle"))
        if rating is Rating.HTXSNV:
            y = bottom + cap.cap * unit
            drawing.add(Line(x - 8, y, x + bar_w * 0.6 + 8, y, strokeColor=colors.HexColor("#c62828"),
                             strokeDashArray=[3, 2], strokeWidth=1.2))
            drawing.add(String(x + bar_w * 0.6 + 10, y - 3, f"tối đa {cap.cap}", fontName=FONT, fontSize=7,
                               fillColor=colors.HexColor("#c62828")))
    drawing.add(Line(left, bottom, w, bottom, strokeColor=colors.HexColor("#9e9e9e")))
    return drawing


def _corrections_table(content: ReportContent) -> Table:
    rows: list[list[Any]] = [[_p(h, _style(8, bold=True)) for h in ("Số", "Tệp, giá trị", "Cũ → mới", "Người, lúc")]]
    for label, c in content.corrections:
        rows.append([_p(label, SMALL), _p(f"{c.document}, biểu mẫu {c.form + 1}: {c.field}", SMALL),
                     _p(f"{c.old or '(chưa đọc được)'} → {c.new}", SMALL),
                     _p(f"{c.by}, {c.at:%d/%m/%Y %H:%M}" + (f" — {c.note}" if c.note else ""), SMALL)])
    return _grid(rows, [1.2 * cm, 7 * cm, 4 * cm, FRAME_W - 12.2 * cm])


def _person(content: ReportContent, subject: SubjectOverview, labels: dict[int, str]) -> list[Flowable]:
    d = content.dossier
    title = subject.name + (f" — {subject.position}" if subject.position else "")
    out: list[Flowable] = [_p(title, H2)]
    if not subject.in_roster:
        out.append(_p("(không có trong danh sách đảng viên đã nạp)", SMALL))
    effective = subject.effective
    out.append(_p("Xếp loại cuối cùng: " + (f"{effective.abbreviation} — {effective.label}" if effective
                                              else "chưa có xếp loại nào trong hồ sơ"), _style(10, bold=True)))
    if subject.tally is not None:
        t = subject.tally
        votes = ", ".join(f"{r.abbreviation} {t.votes.get(r, 0)}" for r in Rating)
        out.append(_p(f"Biểu quyết: {votes}; có mặt {t.present if t.present is not None else '?'}"
                      f"/{t.total if t.total is not None else '?'}; kết quả "
                      f"{t.result.abbreviation if t.result else '(không ghi)'}."))
    if subject.ratings:
        rows: list[list[Any]] = [[_p(h, _style(8, bold=True)) for h in ("Nguồn", "Xếp loại", "Tệp, trang")]]
        for r in subject.ratings:
            file = d.documents[r.document].file
            rows.append([_p(r.label, SMALL), _p(r.rating.abbreviation, _style(8, bold=True)),
                         _p(f"{file}, trang {r.page or 1}", SMALL)])
        out += [Spacer(1, 4), _grid(rows, [9.5 * cm, 2.2 * cm, FRAME_W - 11.7 * cm])]
    out += [Spacer(1, 6), _p("Phát hiện", H3)]
    if not subject.findings:
        out.append(_p("Không có phát hiện nào."))
    for i in subject.findings:
        f = content.findings[i]
        out.append(_p(f"[{labels.get(i, '?')}] {SEVERITY_NAMES[f.severity]} ({f.rule}): {f.message}",
                      _style(9, colour=COLOURS[f.severity.value])))
    return out


def _findings_table(content: ReportContent, callouts: list[Callout], page: ReportPage | None) -> list[Flowable]:
    head = ["Số", "Mức độ, quy tắc", "Sai ở đâu, vì sao", "Đúng phải là", "Căn cứ"]
    widths = [1.3 * cm, 2.8 * cm, 6.0 * cm, 4.2 * cm, FRAME_W - 14.3 * cm]
    rows: list[list[Any]] = [[_p(h, _style(8, bold=True)) for h in head]]
    spans: list[tuple[Any, ...]] = []
    for c in callouts:
        where = _where(c, page)
        colour = COLOURS[c.kind]
        if c.correction is not None:
            k = c.correction
            rows.append([_p(f"{c.label}\n{where}", _style(7.5, bold=True, colour=colour)),
                         _p("Đã sửa", _style(8, bold=True, colour=colour)),
                         _p(f"{k.field}: {k.old or '(chưa đọc được)'}", SMALL), _p(k.new, SMALL),
                         _p(f"{k.by}, {k.at:%d/%m/%Y %H:%M}" + (f" — {k.note}" if k.note else ""), SMALL)])
            continue
        f = c.finding
        assert f is not None
        rows.append([_p(f"{c.label}\n{where}", _style(7.5, bold=True, colour=colour)),
                     _p(f"{SEVERITY_NAMES[f.severity]}\n{f.rule}", _style(8, bold=True, colour=colour)),
                     _p(f.message, SMALL), _p(f.fix or "—", SMALL), _p(f.source or "—", SMALL)])
        crop = f.location.crop if f.location else None
        if crop and crop in content.crops:
            rows.append(["", _crop_image(content.crops[crop]), "", "", ""])
            spans.append(("SPAN", (1, len(rows) - 1), (-1, len(rows) - 1)))
    table = _grid(rows, widths)
    if spans:
        table.setStyle(TableStyle(spans))
    return [table]


def _where(c: Callout, page: ReportPage | None) -> str:
    if page is not None or c.document is None:
        return f"trang {c.page}" if c.page else ""
    return f"tệp {c.document + 1}" + (f", trang {c.page}" if c.page else "")


def _crop_image(png: bytes) -> Image:
    reader = ImageReader(io.BytesIO(png))
    w, h = reader.getSize()
    scale = min(CROP_MAX[0] / w, CROP_MAX[1] / h, 2.0)
    return Image(io.BytesIO(png), width=w * scale, height=h * scale, hAlign="LEFT")


def _document_page(content: ReportContent, page: ReportPage, total: int) -> list[Flowable]:
    heading = f"Tệp {page.document + 1}/{total}: {page.file} — trang {page.number}/{page.count}"
    out: list[Flowable] = [_p(heading, H2)]
    if page.forms:
        out.append(_p("; ".join(page.forms), SMALL))
    out.append(Spacer(1, 4))
    if page.view is not None:
        out.append(PageWithCallouts(page.view, page.callouts, FRAME_W, PAGE_IMAGE_H))
    else:
        out.append(_p("(Không dựng được hình trang này; các phát hiện được liệt kê dưới đây.)", SMALL))
    out.append(Spacer(1, 6))
    if page.callouts:
        out += _findings_table(content, page.callouts, page)
    else:
        out.append(_p("Không có phát hiện nào trên trang này.", SMALL))
    return out


def _closing(content: ReportContent) -> list[Flowable]:
    d = content.dossier
    out: list[Flowable] = []
    general = content.annotated.general
    out += [_p("Phát hiện chung của hồ sơ", H2)]
    out += _findings_table(content, general, None) if general else [_p("Không có.", SMALL)]
    rejected = [doc for doc in d.documents if doc.rejected]
    if rejected:
        out += [_p("Tệp không đọc được", H2)]
        out += [_p(f"• {doc.file}: {doc.rejected}") for doc in rejected]
    if content.skipped:
        out += [_p("Quy định chưa kiểm tra được (thiếu dữ kiện)", H2)]
        out += [_p(f"• {s.rule}: {s.why}", SMALL) for s in content.skipped]
    if d.roster and d.roster.issues:
        out += [_p("Lỗi trong danh sách đảng viên", H2)]
        out += [_p(f"• {i.message}", SMALL) for i in d.roster.issues]
    return out


def render_pdf(content: ReportContent) -> bytes:
    _fonts()
    rl_config.useA85 = 0  # binary image streams: reportlab's pure-Python ASCII85 took 2/3 of the time, +25% size
    story: list[Flowable] = _cover(content)
    for subject in content.overview.subjects:
        story += [PageBreak(), *_person(content, subject, content.labels)]
    total = len(content.dossier.documents)
    for page in content.annotated.pages:
        story += [PageBreak(), *_document_page(content, page, total)]
    story += [PageBreak(), *_closing(content)]
    buffer = io.BytesIO()
    footer = f"{content.title} — {content.dossier.unit or ''}".rstrip(" —")

    def decorate(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(colors.HexColor("#757575"))
        canvas.drawString(MARGIN, MARGIN / 2, footer)
        canvas.drawRightString(A4[0] - MARGIN, MARGIN / 2, f"Trang {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN, title=content.title, author="kiemdiem", lang="vi")
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()

"""`summary.xlsx`: the report laid out like Mẫu 06 (tổng hợp đề xuất mức chất lượng), the table a
committee already knows, with the vote, the rating that counts and the findings beside each person.

It is rendered from the report dict (`reports.json_report.build_report`), never from the dossier,
so the workbook can only say what `report.json` says.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from domain.errors import ConfigError
from domain.forms import FormDefinition, FormKind, RatingFieldDef, catalog
from domain.model import Rating, Severity
from domain.rule_sets import RuleSet, rule_set
from reports.text_summary import SEVERITY_NAMES

FALLBACK_SUMMARY_FORM = "2018/mau-06"
VOTE_GROUP = "Kết quả biểu quyết"
VOTE_COLUMNS = [*(r.abbreviation for r in Rating), "Có mặt/Tổng số", "Kết quả"]

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_ERROR_FILL = PatternFill("solid", fgColor="F8D7DA")  # a row with an error finding
_DIFFERS_FILL = PatternFill("solid", fgColor="FFF3CD")  # a rating other than the one that counts
_HEADER_FILL = PatternFill("solid", fgColor="E7E6E6")
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
_HEADER_ALIGN = Alignment(wrap_text=True, horizontal="center", vertical="center")


def summary_xlsx(report: dict[str, Any]) -> bytes:
    """The workbook, rendered from the report JSON so the two always agree."""
    wb = Workbook()
    _summary_sheet(wb.active, report)
    _findings_sheet(wb.create_sheet("Phát hiện"), report)
    if report["corrections"]:
        _corrections_sheet(wb.create_sheet("Đã sửa"), report)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def summary_form(rules: RuleSet | None) -> FormDefinition:
    """Mẫu 06 of the rule set's form family; families without one still get the 2018 shape, the
    only official summary table there is."""
    family = rules.form_family if rules else None
    forms = catalog()
    return next((d for d in forms if d.kind is FormKind.SUMMARY and d.rule_set == family), forms[FALLBACK_SUMMARY_FORM])


def _rule_set(rule_set_id: str) -> RuleSet | None:
    """None for a report of a rule set this installation does not know (an old report re-rendered)."""
    try:
        return rule_set(rule_set_id)
    except ConfigError:
        return None


def _write(ws: Any, row: int, col: int, value: str | int | None) -> Any:
    """Write a plain value. User text is never a formula (a name like «=HYPERLINK(…)» stays text)
    and loses the control characters XML cannot hold, which OCR and Word files sometimes carry."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def _put(ws: Any, row: int, col: int, value: str | int | None, *, fill: PatternFill | None = None) -> Any:
    """A table cell: bordered, wrapped, filled when it needs the reader's eye."""
    cell = _write(ws, row, col, value)
    cell.border = _BORDER
    cell.alignment = _WRAP
    if fill is not None:
        cell.fill = fill
    return cell


def _header(ws: Any, row: int, col: int, text: str) -> None:
    cell = _put(ws, row, col, text, fill=_HEADER_FILL)
    cell.font = _BOLD
    cell.alignment = _HEADER_ALIGN


def _abbreviation(value: str | None) -> str:
    return Rating(value).abbreviation if value else ""


def _severity_word(severity: str) -> str:
    return SEVERITY_NAMES[Severity(severity)]


def _source_ratings(person: dict[str, Any], column: RatingFieldDef) -> list[str]:
    """The person's distinct ratings in one Mẫu 06 column, in the report's order. The self column is
    the party self-rating: the civil-servant self-rating has no column of its own on Mẫu 06."""
    values = [r["rating"] for r in person["ratings"]
              if r["evaluator"] == column.evaluator and not (column.evaluator == "self" and r["civil_servant"])]
    return list(dict.fromkeys(values))


# ---- Sheet 1: Tổng hợp -------------------------------------------------------------------------


def _summary_sheet(ws: Any, report: dict[str, Any]) -> None:
    ws.title = "Tổng hợp"
    rules = _rule_set(report["rule_set"])
    form = summary_form(rules)
    sources = form.summary_columns
    width = 3 + len(sources) + len(VOTE_COLUMNS) + 3
    titles = [
        form.title,
        f"Đơn vị: {report['unit'] or 'không rõ'}",
        f"Bộ quy định: {report['rule_set']}" + (f" — {rules.name}" if rules else ""),
        f"Ngày đánh giá: {report['evaluation_date'] or 'không rõ'}",
    ]
    for row, text in enumerate(titles, start=1):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        cell = _write(ws, row, 1, text)
        cell.font = Font(bold=True, size=14) if row == 1 else _BOLD
        cell.alignment = Alignment(horizontal="center")

    top = len(titles) + 2
    widths = [6, 24, 22, *[16] * len(sources), *[9] * 4, 10, 10, 10, 10, 70]
    singles = ["STT", "Họ và tên", "Chức vụ", *(c.label for c in sources)]
    for col, label in enumerate(singles, start=1):
        _header(ws, top, col, label)
        ws.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
    vote_first = len(singles) + 1
    _header(ws, top, vote_first, VOTE_GROUP)
    for offset, label in enumerate(VOTE_COLUMNS):
        _header(ws, top + 1, vote_first + offset, label)
    ws.merge_cells(start_row=top, start_column=vote_first, end_row=top, end_column=vote_first + len(VOTE_COLUMNS) - 1)
    for col, label in enumerate(["Xếp loại", "Số phát hiện", "Phát hiện"], start=vote_first + len(VOTE_COLUMNS)):
        _header(ws, top, col, label)
        ws.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
    for col, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = w
    ws.freeze_panes = ws.cell(row=top + 2, column=4)

    row = top + 2
    for number, person in enumerate(report["people"], start=1):
        _person_row(ws, row, number, person, sources, report["findings"])
        row += 1
    _caps(ws, row + 1, report["caps"])


def _person_row(ws: Any, row: int, number: int, person: dict[str, Any], sources: Sequence[RatingFieldDef],
                findings: list[dict[str, Any]]) -> None:
    mine = [findings[i] for i in person["findings"]]
    base = _ERROR_FILL if any(f["severity"] == Severity.ERROR for f in mine) else None
    effective = person["effective"]

    def rating_fill(values: list[str]) -> PatternFill | None:
        return _DIFFERS_FILL if effective and any(v != effective for v in values) else base

    cells: list[tuple[str | int | None, PatternFill | None]] = [
        (number, base), (person["name"], base), (person["position"], base)]
    for column in sources:
        values = _source_ratings(person, column)
        cells.append(("; ".join(_abbreviation(v) for v in values), rating_fill(values)))
    vote = person["vote"]
    if vote:
        present, total = vote["present"], vote["total"]
        attendance = f"{'?' if present is None else present}/{'?' if total is None else total}"
        result = [vote["result"]] if vote["result"] else []
        cells += [(vote["votes"].get(r.value), base) for r in Rating]
        cells += [(attendance, base), (_abbreviation(vote["result"]), rating_fill(result))]
    else:
        cells += [(None, base)] * len(VOTE_COLUMNS)
    messages = "\n".join(f"{_severity_word(f['severity'])}: {f['message']}" for f in mine)
    cells += [(_abbreviation(effective), base), (len(mine), base), (messages, base)]
    for col, (value, fill) in enumerate(cells, start=1):
        _put(ws, row, col, value, fill=fill)


def _caps(ws: Any, row: int, caps: list[dict[str, Any]]) -> None:
    """Each group's distribution and its cap on HTXSNV, under the table as a committee reads it."""
    for cap in caps:
        _write(ws, row, 2, f"Nhóm {cap['group']}").font = _BOLD
        row += 1
        for r in Rating:
            _put(ws, row, 2, r.abbreviation)
            _put(ws, row, 3, cap["counts"].get(r.value, 0))
            row += 1
        _write(ws, row, 2, f"Tối đa HTXSNV: {cap['cap']} ({cap['ratio']:.0%} của {cap['base']} "
                           f"người xếp loại {cap['base_words']}, làm tròn xuống)")
        row += 1
        verdict = _write(ws, row, 2, "Vượt tỷ lệ: " + _over_words(cap))
        if cap["over"]:
            verdict.font = _BOLD
            verdict.fill = _ERROR_FILL
        row += 2


def _over_words(cap: dict[str, Any]) -> str:
    if cap["over"]:
        return f"Có ({cap['excellent']} người HTXSNV, tối đa {cap['cap']})."
    if cap["small_unit"] and cap["excellent"] > cap["cap"]:
        return "Không (ngoại lệ đơn vị dưới 05 người, 100% đạt HTTNV trở lên: được chọn 01 người HTXSNV)."
    return "Không."


# ---- Sheets 2 and 3: Phát hiện, Đã sửa ---------------------------------------------------------


def _table(ws: Any, columns: Sequence[tuple[str, int]], rows: Sequence[Sequence[str | int | None]],
           fills: Sequence[PatternFill | None]) -> None:
    for col, (label, w) in enumerate(columns, start=1):
        _header(ws, 1, col, label)
        ws.column_dimensions[get_column_letter(col)].width = w
    ws.freeze_panes = "A2"
    for row, (values, fill) in enumerate(zip(rows, fills, strict=True), start=2):
        for col, value in enumerate(values, start=1):
            _put(ws, row, col, value, fill=fill)


def _findings_sheet(ws: Any, report: dict[str, Any]) -> None:
    files = [d["file"] for d in report["documents"]]
    findings = report["findings"]
    rows = [[n, _severity_word(f["severity"]), f["rule"], f["subject"],
             files[f["document"]] if f["document"] is not None else None, f["page"], f["message"], f["fix"], f["source"]]
            for n, f in enumerate(findings, start=1)]
    fills = [_ERROR_FILL if f["severity"] == Severity.ERROR else None for f in findings]
    _table(ws, [("STT", 6), ("Mức độ", 12), ("Quy tắc", 22), ("Người/đơn vị", 24), ("Tệp", 30), ("Trang", 7),
                ("Nội dung", 70), ("Cách sửa", 40), ("Căn cứ", 30)], rows, fills)


def _corrections_sheet(ws: Any, report: dict[str, Any]) -> None:
    forms = {d["file"]: [f["form"] for f in d["forms"]] for d in report["documents"]}
    rows = []
    for c in report["corrections"]:
        ids = forms.get(c["document"], [])
        form = ids[c["form"]] if c["form"] < len(ids) else f"biểu mẫu thứ {c['form'] + 1}"
        at = dt.datetime.fromisoformat(c["at"]).strftime("%d/%m/%Y %H:%M")
        rows.append([c["document"], form, c["field"], c["old"], c["new"], c["by"], at, c["note"]])
    _table(ws, [("Tệp", 30), ("Biểu mẫu", 16), ("Giá trị", 28), ("Cũ", 20), ("Mới", 20), ("Người sửa", 20),
                ("Thời điểm", 17), ("Ghi chú", 40)], rows, [None] * len(rows))

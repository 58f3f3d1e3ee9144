"""The readable Vietnamese summary `kiemdiem check` prints without --json."""

from __future__ import annotations

from collections import Counter

from domain.model import Dossier, Finding, Severity, SkippedRule

SEVERITY_WORDS = {
    Severity.ERROR: "LỖI",
    Severity.WARNING: "CẢNH BÁO",
    Severity.REVIEW: "CẦN XEM LẠI",
    Severity.INFO: "GHI CHÚ",
}
SEVERITY_NAMES = {s: w.capitalize() for s, w in SEVERITY_WORDS.items()}  # "Cần xem lại", in running text


def render_text(dossier: Dossier, findings: list[Finding], skipped: list[SkippedRule]) -> str:
    lines = [f"Bộ quy định: {dossier.rule_set}" + (f" — đơn vị: {dossier.unit}" if dossier.unit else "")]
    if dossier.evaluation_date:
        lines.append(f"Ngày đánh giá: {dossier.evaluation_date:%d/%m/%Y}")
    lines.append(f"Tệp đã nhận: {len(dossier.documents)}; biểu mẫu đọc được: "
                 f"{sum(len(d.forms) for d in dossier.documents)}")
    for d in dossier.documents:
        forms = ", ".join(f.form_id + (f" ({f.subject.name})" if f.subject.name else "") for f in d.forms)
        lines.append(f"  • {d.file}: {forms or 'không đọc được'}")
    counts = Counter(f.severity for f in findings)
    lines.append("")
    lines.append("Kết quả kiểm tra: " + ", ".join(f"{counts.get(s, 0)} {SEVERITY_WORDS[s].lower()}" for s in Severity))
    for f in findings:
        where = f" [tệp {f.document + 1}" + (f", trang {f.page}" if f.page else "") + "]" if f.document is not None else ""
        lines.append(f"- {SEVERITY_WORDS[f.severity]} ({f.rule}){where}: {f.message}")
        if f.fix:
            lines.append(f"    Cách sửa: {f.fix}")
        if f.source:
            lines.append(f"    Căn cứ: {f.source}")
    if skipped:
        lines.append("")
        lines.append("Quy định chưa kiểm tra được (thiếu dữ kiện):")
        lines.extend(f"- {s.rule}: {s.why}" for s in skipped)
    if dossier.roster and dossier.roster.issues:
        lines.append("")
        lines.append("Lỗi trong danh sách đảng viên:")
        lines.extend(f"- {i.message}" for i in dossier.roster.issues)
    return "\n".join(lines)

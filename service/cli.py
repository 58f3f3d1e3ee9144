"""The `kiemdiem` command. Errors of the product are translated to Vietnamese messages here, at
the boundary; everything below raises typed errors."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from domain.errors import KiemdiemError
from domain.text import parse_date

EXIT_USAGE = 2


class VietnameseArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"kiemdiem: tham số không hợp lệ: {message}\n")
        raise SystemExit(EXIT_USAGE)


def _date(text: str) -> dt.date:
    date = parse_date(text)
    if date is None:
        raise argparse.ArgumentTypeError(f"«{text}» không phải ngày dạng dd/mm/yyyy")
    return date


def _year(text: str) -> int:
    if not (text.isdigit() and len(text) == 4 and 2000 <= int(text) <= 2100):
        raise argparse.ArgumentTypeError(f"năm không hợp lệ: {text} (cần dạng YYYY, ví dụ 2026)")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = VietnameseArgumentParser(prog="kiemdiem", description="Đọc và kiểm tra hồ sơ kiểm điểm, xếp loại chất lượng.")
    parser.add_argument("-v", "--verbose", action="store_true", help="ghi nhật ký chi tiết ra stderr")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=VietnameseArgumentParser)

    sub.add_parser("forms", help="liệt kê các mẫu biểu đọc và tạo được")

    template = sub.add_parser("template", help="tạo mẫu biểu điền sẵn từ danh sách đảng viên")
    template.add_argument("form_id", metavar="FORM_ID", help="mã mẫu biểu (xem: kiemdiem forms)")
    template.add_argument("--out", type=Path, required=True, help="thư mục ghi các tệp")
    template.add_argument("--roster", type=Path, help="danh sách đảng viên (.csv hoặc .xlsx)")
    template.add_argument("--unit", help="tên chi bộ in trên mẫu (mặc định: chi bộ trong danh sách)")
    template.add_argument("--year", type=_year, help="năm đánh giá (mặc định: năm nay)")
    template.add_argument("--pdf", action="store_true", help="xuất thêm tệp PDF cho mỗi tệp Word")
    template.add_argument("--parent", default="", help="tên đảng bộ cấp trên in ở góc trái")
    template.add_argument("--place", default="", help="địa danh in trước ngày tháng")
    template.add_argument("--date", type=_date, help="ngày in trên mẫu (dd/mm/yyyy); mặc định để trống")

    check = sub.add_parser("check", help="đọc và kiểm tra một hồ sơ")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.add_argument("--roster", type=Path, help="danh sách đảng viên (.csv hoặc .xlsx)")
    check.add_argument("--rule-set", dest="rule_set", help="bộ quy định: 2018, 2019, 2023 hoặc 2025")
    check.add_argument("--json", action="store_true", help="in báo cáo dạng JSON")
    check.add_argument("--report-dir", type=Path, help="thư mục ghi các tệp báo cáo")
    check.add_argument("--date", type=_date, help="ngày đánh giá (dd/mm/yyyy); mặc định: ngày muộn nhất trên các mẫu")
    check.add_argument("--submitted", type=_date, help="ngày nộp hồ sơ (dd/mm/yyyy), để kiểm tra thời hạn")
    check.add_argument("--settings", type=Path, help="thiết lập riêng của cấp ủy cấp trên (.yaml/.json)")
    check.add_argument("--corrections", type=Path, help="tệp sửa/xác nhận giá trị đã đọc (.json)")
    return parser


def cmd_forms() -> int:
    from domain.forms import catalog

    for d in catalog():
        print(f"{d.id}\t{d.title}")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from parsers.roster import load_roster
    from templating.generate import definition_of, unit_of, write_forms
    from templating.prefill import Occasion

    definition_of(args.form_id)  # an unknown form fails before the roster is read
    roster = load_roster(args.roster) if args.roster else None
    unit, people = unit_of(roster, args.unit)
    year = args.year or (args.date.year if args.date else dt.date.today().year)
    occasion = Occasion(unit=unit, year=year, parent=args.parent, place=args.place, date=args.date)
    written = write_forms(args.form_id, args.out, occasion, people, pdf=args.pdf)
    for path in written.paths():
        print(path)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from domain.rule_sets import LocalSettings, load_local_settings
    from parsers.roster import load_roster
    from reports.text_summary import render_text
    from worker.corrections import load_corrections
    from worker.pipeline import check

    missing = [str(p) for p in args.files if not p.exists()]
    if missing:
        sys.stderr.write("kiemdiem: không tìm thấy tệp: " + ", ".join(missing) + "\n")
        return EXIT_USAGE
    roster = load_roster(args.roster) if args.roster else None
    settings = load_local_settings(args.settings) if args.settings else LocalSettings()
    corrections = load_corrections(args.corrections) if args.corrections else None
    result = check(args.files, roster=roster, rule_set_id=args.rule_set, settings=settings,
                   date=args.date, submitted=args.submitted, corrections=corrections)
    report = result.report()
    if args.report_dir:
        result.write_report(args.report_dir, report)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(render_text(result.dossier, result.findings, result.skipped))
    if result.readable_documents == 0:
        sys.stderr.write("kiemdiem: không đọc được tệp nào trong hồ sơ (xem các lỗi file-rejected).\n")
        return EXIT_USAGE
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from service.log import configure_logging

    args = build_parser().parse_args(argv)
    configure_logging(args.verbose)
    try:
        if args.command == "forms":
            return cmd_forms()
        if args.command == "template":
            return cmd_template(args)
        return cmd_check(args)
    except KiemdiemError as e:
        sys.stderr.write(f"kiemdiem: {e.user_message}\n")
        return e.exit_code


if __name__ == "__main__":
    raise SystemExit(main())

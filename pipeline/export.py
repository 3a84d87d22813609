"""The consolidated table the Department sends upward, from the last run's Parquet.

One sheet per reporting period; rows are the canonical indicators in template order,
grouped by section; columns are the agencies that reported for that period. The province
total is a sum only where adding up makes sense (counts); for a yes/no indicator it is the
number of agencies answering "Có"; a rate, a score, a code or a text has no total.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

LEVEL_ORDER = {"tinh": 0, "so": 1, "huyen": 2, "xa": 3, "unknown": 4}
PERIOD_NAME = {"quy": "Quý {n}-{y}", "6thang": "6 tháng-{y}", "9thang": "9 tháng-{y}", "nam": "Năm {y}"}
FORMATS = {"count": "#,##0", "percent": "0.00", "decimal": "0.00##", "bool": "0", "code": "0"}
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
SECTION_FILL = PatternFill("solid", fgColor="F2F2F2")


def export_xlsx(out_dir: Path, target: Path) -> list[str]:
    """Write the workbook; returns the sheet names (one per period)."""
    reports = [
        r
        for r in pq.read_table(out_dir / "reports.parquet").to_pylist()
        if r["status"] != "failed" and r["agency"] and r["period_type"] != "unknown" and r["year"]
    ]
    facts = pq.read_table(
        out_dir / "facts.parquet",
        columns=["report_id", "source_file", "indicator_id", "value_kind", "value_num", "value_text"],
    ).to_pylist()
    indicators = pq.read_table(out_dir / "indicators.parquet").to_pylist()
    order = {i["indicator_id"]: n for n, i in enumerate(indicators)}
    by_id = {i["indicator_id"]: i for i in indicators}
    values: dict[str, dict[str, dict]] = {}  # source_file -> indicator_id -> fact (first one)
    for f in facts:
        if f["indicator_id"]:
            values.setdefault(f["source_file"], {}).setdefault(f["indicator_id"], f)

    wb = Workbook()
    wb.remove(wb.active)
    periods: dict[tuple, list[dict]] = {}
    for r in reports:
        periods.setdefault((r["year"], r["period_type"], r["period_num"] or 0), []).append(r)
    names = []
    for (year, ptype, pnum), group in sorted(periods.items()):
        # one column per agency: the first of its files (duplicate submissions are flagged elsewhere)
        agencies: dict[str, dict] = {}
        for r in sorted(group, key=lambda r: r["source_file"]):
            agencies.setdefault(r["agency"], r)
        columns = sorted(agencies.values(), key=lambda r: (LEVEL_ORDER.get(r["agency_level"], 9), r["agency"]))
        used = sorted({i for r in columns for i in values.get(r["source_file"], {})}, key=order.get)
        if not used:  # e.g. an analysis report without a statistics table
            continue
        name = PERIOD_NAME[ptype].format(n=pnum, y=year)
        _sheet(wb.create_sheet(name), columns, used, by_id, values)
        names.append(name)
    if not names:
        wb.create_sheet("Không có dữ liệu")["A1"] = "No report with a known agency and period in this output."
    tmp = target.with_name(f".{target.name}.tmp")
    wb.save(tmp)
    tmp.replace(target)
    return names


def _sheet(
    ws, columns: list[dict], used: list[str], by_id: dict[str, dict], values: dict[str, dict[str, dict]]
) -> None:
    heads = ["Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", *(r["agency"] for r in columns), "Tổng toàn tỉnh"]
    for c, text in enumerate(heads, start=1):
        cell = ws.cell(1, c, text)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for c, r in enumerate(columns, start=4):
        ws.cell(2, c, r["source_file"]).font = Font(italic=True, size=8)
    ws.freeze_panes = "D3"
    row, section = 3, None
    total_col = 4 + len(columns)
    for ind_id in used:
        ind = by_id[ind_id]
        if ind["section"] != section:
            section = ind["section"]
            top = next((i for i in by_id.values() if i["section"] == section and not i["parent_id"]), None)
            ws.cell(row, 1, section).font = Font(bold=True)
            ws.cell(row, 2, top["label"] if top else f"Phần {section}").font = Font(bold=True)
            for c in range(1, total_col + 1):
                ws.cell(row, c).fill = SECTION_FILL
            row += 1
        kind = ind["value_type"]
        ws.cell(row, 1, ind_id).font = Font(size=8)
        ws.cell(row, 2, ind["label"]).alignment = Alignment(wrap_text=True)
        ws.cell(row, 3, ind["unit"])
        numbers = []
        for c, r in enumerate(columns, start=4):
            f = values.get(r["source_file"], {}).get(ind_id)
            if f is None:
                continue
            cell = ws.cell(row, c)
            if f["value_num"] is not None:
                cell.value = f["value_num"]
                cell.number_format = FORMATS.get(f["value_kind"], "General")
                numbers.append(f["value_num"])
            elif f["value_text"]:
                cell.value = f["value_text"]
        if kind == "count" and numbers:
            ws.cell(row, total_col, sum(numbers)).number_format = FORMATS["count"]
        elif kind == "bool" and numbers:
            ws.cell(row, total_col, sum(1 for v in numbers if v == 1))  # agencies answering "Có"
        row += 1
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 12
    for c in range(4, total_col + 1):
        ws.column_dimensions[get_column_letter(c)].width = 16

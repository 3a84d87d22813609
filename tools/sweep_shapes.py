"""Sweep the four table seeds through the table shapes agencies type, and count the rows
each shape loses or misreads. Prints a line per seed and shape; exits 1 if any row was
read as another indicator or another value.

    .venv/bin/python tools/sweep_shapes.py [SHAPE ...]

A row is compared with the same source line of the unedited seed: it must keep its
indicator and value, or lose them (None), never take others. `lost` counts the seed's
matched rows that did not come out the same; a wrong number is worse than a lost one.
The tests pin each shape that once lost a report (tests/test_assemble.py,
tests/test_broken_tables.py); this walks them all at once in about a second.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from normalize.text import strip_diacritics
from pipeline.run_file import Context, ingest_file
from tests.conftest import SEED

SEEDS = ("000", "001", "002", "003")
Cells = list[str]
LineMap = Callable[[int], int | None]  # edited line number -> the seed's, None for lines added


def _same(n: int) -> int | None:
    return n


def _is_unit_row(c: Cells) -> bool:
    """The second header row ('Đơn vị tính | Số liệu')."""
    return c[2] == "Đơn vị tính" or (not c[0] and not c[1] and "Số liệu" in c[3])


def _cells_edited(lines: list[str], edit: Callable[[Cells], Cells]) -> list[str]:
    """Every table line (4+ cells) edited; other lines as they are. A four-cell line lacks
    its STT cell (000's last rows): given it back first, so that edits by position hold."""
    return ["\t".join(edit(_five(c))) if len(c := line.split("\t")) >= 4 else line for line in lines]


def _five(c: Cells) -> Cells:
    return ["", *c] if len(c) == 4 else c


def _extra_column(at: int, heading: str, value: str) -> Callable[[Cells], Cells]:
    def edit(c: Cells) -> Cells:
        if c[0].startswith("STT") or _is_unit_row(c):
            return [*c[:at], heading, *c[at:]]
        return [*c[:at], value if c[3].strip() else "", *c[at:]]

    return edit


def _split(lines: list[str], share: float, between: list[str], header: bool) -> tuple[list[str], LineMap]:
    """The table cut in two tables at `share` of its rows, `between` lines standing between,
    the second with the header repeated or not."""
    first = next(i for i, line in enumerate(lines) if line.startswith("STT\t"))
    head = lines[first : first + 2] if header else []
    rows = [i for i, line in enumerate(lines) if len(line.split("\t")) >= 4 and not line.startswith("STT")]
    cut = rows[int(len(rows) * share)]
    added = [*between, *head]
    k = len(added)
    return lines[:cut] + added + lines[cut:], lambda n: n if n <= cut else (n - k if n > cut + k else None)


def _numbered_label(keep_stt: bool) -> Callable[[Cells], Cells]:
    def edit(c: Cells) -> Cells:
        if c[1][:1].isupper() and re.fullmatch(r"[IVX]+|[\d.]+", c[0]):
            return [c[0] if keep_stt else "", f"{c[0].rstrip('.')}. {c[1]}", *c[2:]]
        return c

    return edit


def _label_in_two_columns(c: Cells) -> Cells:
    if not c[0] and c[1] and c[2] != "Đơn vị tính":
        return ["", "", *c[1:]]
    return [*c[:2], "", *c[2:]]


def _value_with(suffix: str, unit_too: bool) -> Callable[[Cells], Cells]:
    def edit(c: Cells) -> Cells:
        if re.fullmatch(r"\d+", c[3].strip()) and c[2].strip() and "=" not in c[2] and not c[0].startswith("STT"):
            unit = c[2].strip().lower() if unit_too else ""
            return [*c[:2], "" if unit_too else c[2], f"{c[3].strip()}{suffix}{unit}", *c[4:]]
        return c

    return edit


def shapes(lines: list[str]) -> Iterator[tuple[str, list[str], LineMap]]:
    yield "stt_emptied", _cells_edited(lines, lambda c: c if c[0].startswith("STT") else ["", *c[1:]]), _same
    yield "stt_column_removed", _cells_edited(lines, lambda c: c[1:]), _same
    yield "note_column_removed", _cells_edited(lines, lambda c: c[:4]), _same
    yield "unit_column_removed", _cells_edited(lines, lambda c: [*c[:2], *c[3:]]), _same
    yield "column_luy_ke_after_value", _cells_edited(lines, _extra_column(4, "Lũy kế", "99")), _same
    yield "column_ke_hoach_before_value", _cells_edited(lines, _extra_column(3, "Kế hoạch", "77")), _same
    yield (
        "stt_dotted",
        _cells_edited(lines, lambda c: [c[0] + "." if re.fullmatch(r"[IVX]+|\d+", c[0]) else c[0], *c[1:]]),
        _same,
    )
    yield (
        "stt_paren",
        _cells_edited(lines, lambda c: [c[0] + ")" if re.fullmatch(r"\d+", c[0]) else c[0], *c[1:]]),
        _same,
    )
    one_row = ["STT", "Chỉ tiêu thống kê", "Đơn vị tính", "Số liệu", "Ghi chú"]
    yield (
        "header_one_row",
        _cells_edited(
            lines, lambda c: one_row if c[0].startswith("STT") else ([""] * len(c) if _is_unit_row(c) else c)
        ),
        _same,
    )
    yield (
        "header_without_accents",
        _cells_edited(
            lines, lambda c: [strip_diacritics(x) for x in c] if c[0].startswith("STT") or _is_unit_row(c) else c
        ),
        _same,
    )
    yield "header_dvt", _cells_edited(lines, lambda c: ["ĐVT" if x == "Đơn vị tính" else x for x in c]), _same
    for share in (0.3, 0.6):
        for header in (True, False):
            edited, back = _split(lines, share, ["", "Ghi chú: tiếp theo bảng.", ""], header)
            yield f"split_{share}_after_text_{'with' if header else 'without'}_header", edited, back
    yield "value_footnote", _cells_edited(lines, _value_with(" (*)", unit_too=False)), _same
    yield "unit_in_value_cell", _cells_edited(lines, _value_with(" ", unit_too=True)), _same
    yield "label_dashed", _cells_edited(lines, lambda c: [c[0], "- " + c[1], *c[2:]] if not c[0] and c[1] else c), _same
    yield (
        "labels_upper_case",
        _cells_edited(lines, lambda c: [c[0], c[1].upper(), *c[2:]] if not c[0].startswith("STT") else c),
        _same,
    )
    yield "no_break_spaces", _cells_edited(lines, lambda c: [x.replace(" ", "\u00a0", 1) for x in c]), _same
    yield "blank_column_after_label", _cells_edited(lines, lambda c: [*c[:2], "", *c[2:]]), _same
    yield "label_over_two_columns", _cells_edited(lines, _label_in_two_columns), _same
    yield "number_in_label_stt_empty", _cells_edited(lines, _numbered_label(keep_stt=False)), _same
    yield "number_in_label_and_stt", _cells_edited(lines, _numbered_label(keep_stt=True)), _same
    yield (
        "markdown_pipes",
        ["| " + " | ".join(c) + " |" if len(c := line.split("\t")) >= 4 else line for line in lines],
        _same,
    )


def sweep(ctx: Context, seed: str, only: set[str]) -> Iterator[tuple[str, int, int, int, str]]:
    """(shape, rows misread, rows lost, rows matched in the seed, report status) per shape."""
    whole = {
        f.line_no: (f.indicator_id, f.value_num, f.value_den)
        for f in ingest_file(SEED[seed], SEED[seed].parent, ctx).facts
    }
    matched = {n for n, (ind, _, _) in whole.items() if ind}
    for name, edited, back in shapes(SEED[seed].read_text(encoding="utf-8").split("\n")):
        if only and name not in only:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "report.txt"
            path.write_text("\n".join(edited), encoding="utf-8")
            result = ingest_file(path, path.parent, ctx)
        wrong, same = 0, set()
        for f in result.facts:
            line = back(f.line_no)
            if line not in whole:
                continue
            ind, num, den = whole[line]
            if f.indicator_id not in (ind, None) or (
                f.value_num is not None and (f.value_num, f.value_den) != (num, den)
            ):
                wrong += 1
            elif f.indicator_id == ind and (f.value_num, f.value_den) == (num, den):
                same.add(line)
        yield name, wrong, len(matched - same), len(matched), result.report["status"]


def main() -> int:
    ctx = Context.load()
    only = set(sys.argv[1:])
    misread = 0
    print(f"{'seed':5} {'shape':40} {'wrong':>5} {'lost':>9}  status")
    for seed in SEEDS:
        for name, wrong, lost, matched, status in sweep(ctx, seed, only):
            misread += wrong
            print(f"{seed:5} {name:40} {wrong:5} {lost:4}/{matched:<4}  {status}")
    return 1 if misread else 0


if __name__ == "__main__":
    sys.exit(main())

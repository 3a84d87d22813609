"""The seed reports edited as other agencies' reports differ from them: every row must read
as in the unedited seed, or lose its indicator or value, never take another (a wrong
number is worse than a missing one). The edits are drawn by hypothesis from the seeds' own
rows. The cut-label test fails on ab10993, where a BCCI row of 002 cut in two flipped its
block's twins onto each other's indicators; exhaustive versions of these sweeps (every
cut, every retyping) found this session's fixes, and take minutes, so they are not here."""

from __future__ import annotations

import re
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.run_file import Context, ingest_file
from tests.conftest import SEED

TABLE_SEEDS = ("000", "001", "002", "003")
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@cache
def _context() -> Context:
    return Context.load()


@cache
def _whole(seed: str) -> dict[int, tuple[str | None, float | None, float | None]]:
    """Source line -> (indicator, value, denominator) of the unedited seed's rows."""
    facts = ingest_file(SEED[seed], SEED[seed].parent, _context()).facts
    return {f.line_no: (f.indicator_id, f.value_num, f.value_den) for f in facts}


@cache
def _rows(seed: str) -> tuple[str, ...]:
    return tuple(SEED[seed].read_text(encoding="utf-8").split("\n"))


def _misread(tmp_path, seed: str, lines: list[str], edited: int, added: int = 0) -> list[tuple]:
    """Rows of the edited seed read otherwise than in the whole seed: another indicator, or
    another value, where losing either (None) is allowed. `edited` is the 1-based line
    changed; `added` lines were inserted after it (a page break)."""
    path = tmp_path / "report.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    whole = _whole(seed)
    wrong = []
    for f in ingest_file(path, tmp_path, _context()).facts:
        line = f.line_no if f.line_no <= edited else f.line_no - added
        if line == edited or line not in whole:
            continue  # the edited row itself, or a fragment of it
        ind, num, den = whole[line]
        if (f.indicator_id not in (ind, None)) or (
            f.value_num is not None and (f.value_num, f.value_den) != (num, den)
        ):
            wrong.append((f.line_no, f.label_raw, f.indicator_id, ind, f.value_raw))
    return wrong


def _data_rows(seed: str, words: int = 1) -> list[int]:
    return [
        i
        for i, line in enumerate(_rows(seed))
        if len(cells := line.split("\t")) >= 4 and len(cells[1].split()) > words and not cells[0].startswith("STT")
    ]


@pytest.mark.parametrize("seed", TABLE_SEEDS)
@EXAMPLES
@given(data=st.data())
def test_a_label_cut_by_a_page_break_leaves_every_other_row_as_it_was(tmp_path, seed, data):
    lines = list(_rows(seed))
    i = data.draw(st.sampled_from(_data_rows(seed)))
    cells = lines[i].split("\t")
    words = cells[1].split()
    k = data.draw(st.integers(1, len(words) - 1))
    first, rest = [*cells], [""] * len(cells)
    first[1], rest[1] = " ".join(words[:k]), " ".join(words[k:])
    lines[i : i + 1] = ["\t".join(first), "", "", "", "\t".join(rest)]
    assert not _misread(tmp_path, seed, lines, i + 1, added=4)


@pytest.mark.parametrize("seed", TABLE_SEEDS)
@EXAMPLES
@given(data=st.data())
def test_letters_dropped_from_labels_never_give_a_row_another_indicator(tmp_path, seed, data):
    """A letter dropped from one word of half the labels, group headers too (the typo sweep
    that caught 002's BCCI blocks swapped: "UBND cấp hyện" no longer contrasted)."""
    lines = list(_rows(seed))
    rows = _data_rows(seed, words=2)
    typed = data.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)))
    for i in [i for i, t in zip(rows, typed, strict=True) if t]:
        cells = lines[i].split("\t")
        words = cells[1].split(" ")
        w = data.draw(st.integers(0, len(words) - 1))
        if len(words[w]) > 3:
            j = data.draw(st.integers(1, len(words[w]) - 2))
            words[w] = words[w][:j] + words[w][j + 1 :]
        cells[1] = " ".join(words)
        lines[i] = "\t".join(cells)
    assert not _misread(tmp_path, seed, lines, edited=0)


def _retyped(value: str) -> list[str]:
    """Ways people type the same value: thousands without a dot or with a space, a rate
    with its sign, a count with a leading zero or its noun, a fraction with spaces."""
    out = []
    if m := re.fullmatch(r"(\d{1,3})\.(\d{3})", value):
        out += [m[1] + m[2], f"{m[1]} {m[2]}"]
    if re.fullmatch(r"\d+,\d+", value):
        out += [f"{value}%", f"{value} %", f"{value}%."]
    if re.fullmatch(r"\d{1,2}", value):
        out += [value.zfill(2), f"{value} (nhiệm vụ)", f"{value}."]
    if m := re.fullmatch(r"(\d+)/(\d+)", value):
        out += [f"{m[1]} / {m[2]}", f"{int(m[1])}/{int(m[2])}"]
    return out


@pytest.mark.parametrize("seed", TABLE_SEEDS)
@EXAMPLES
@given(data=st.data())
def test_a_value_retyped_is_the_same_value_or_none(tmp_path, seed, data):
    lines = list(_rows(seed))
    cells_of = {i: lines[i].split("\t") for i in _data_rows(seed, words=0)}
    editable = [(i, c) for i, cells in cells_of.items() for c in range(2, len(cells)) if _retyped(cells[c])]
    i, c = data.draw(st.sampled_from(editable))
    cells = cells_of[i]
    cells[c] = data.draw(st.sampled_from(_retyped(cells[c])))
    lines[i] = "\t".join(cells)
    assert not _misread(tmp_path, seed, lines, edited=0)


@pytest.mark.parametrize("seed", TABLE_SEEDS)
def test_every_table_shape_of_the_sweep_reads_the_seeds_rows(seed):
    """tools/sweep_shapes.py's 27 shapes (columns dropped, added, merged; numbers in labels;
    tables cut after text; …): no row read as another indicator or value, none lost but
    the two rows of 003 left in a table of their own after a paragraph, too few to tell."""
    from tools.sweep_shapes import sweep

    for name, wrong, lost, matched, _ in sweep(_context(), seed, set()):
        assert wrong == 0, name
        assert lost <= (2 if (seed, name) == ("003", "split_0.6_after_text_without_header") else 0), (
            name,
            lost,
            matched,
        )


@pytest.mark.parametrize("seed", TABLE_SEEDS)
def test_a_row_left_out_leaves_every_other_row_as_it_was(tmp_path, seed):
    """Agencies delete rows that do not apply to them, group headers too. With the header
    '6 Kiểm tra việc thực hiện nhiệm vụ phân cấp…' left out, its 'Số vấn đề phát hiện đã
    xử lý xong' sat under the group before and took the inspection block's twin, whose own
    row then took this one's: two values swapped in 000, 001 and 002."""
    lines = list(_rows(seed))
    for i in _data_rows(seed, words=0):
        edited = lines[:i] + lines[i + 1 :]
        path = tmp_path / "report.txt"
        path.write_text("\n".join(edited), encoding="utf-8")
        whole = _whole(seed)
        for f in ingest_file(path, tmp_path, _context()).facts:
            line = f.line_no if f.line_no <= i else f.line_no + 1
            ind, num, den = whole.get(line, (None, None, None))
            assert f.indicator_id in (ind, None), (i + 1, f.label_raw, f.indicator_id, ind)
            assert f.value_num is None or (f.value_num, f.value_den) == (num, den), (i + 1, f.label_raw)


@pytest.mark.parametrize(("with_label", "brk"), [(False, True), (True, True), (True, False), (False, False)])
@pytest.mark.parametrize("seed", TABLE_SEEDS)
def test_a_row_whose_value_a_page_break_pushed_on_reads_whole(tmp_path, seed, with_label, brk):
    """A row cut by a page break, its value (a cell centred vertically) on the next page,
    alone or with the label's second half. Alone, the value sat on a row without a label
    and the next row's label was joined onto it ('Có thực hiện tuyên truyền … phương tiện
    truyền thông' took 2); with the label's rest, it was matched as a row of its own
    ('đang có hiệu lực' + 273 on another indicator): 26 and 83 reports of 447 misread a
    value, and the cut row lost its value in all of them. The same cut without a break (a
    table converted from a PDF, a row a line) misread 79 with the label's rest; a value
    alone there may be the next row's, centred: lost, never misread."""
    lines = list(_rows(seed))
    whole = _whole(seed)
    gap = ["", "", ""] if brk else []
    for i in _data_rows(seed, words=2):
        cells = lines[i].split("\t")
        if len(cells) < 5 or not cells[3].strip() or (i + 1) not in whole:
            continue
        first, rest = [*cells], [""] * len(cells)
        first[3], rest[3] = "", cells[3]
        if with_label:
            words = cells[1].split()
            first[1], rest[1] = " ".join(words[: len(words) // 2]), " ".join(words[len(words) // 2 :])
        edited = [*lines[:i], "\t".join(first), *gap, "\t".join(rest), *lines[i + 1 :]]
        path = tmp_path / "report.txt"
        path.write_text("\n".join(edited), encoding="utf-8")
        facts = ingest_file(path, tmp_path, _context()).facts
        cut = [(f.indicator_id, f.value_num, f.value_den) for f in facts if f.line_no == i + 1]
        if brk or with_label:
            assert cut == [whole[i + 1]], (i + 1, lines[i])
        added = len(gap) + 1
        for f in facts:
            if f.line_no == i + 1 or i + 1 < f.line_no <= i + 1 + added:
                assert f.line_no == i + 1 or f.value_num is None or f.indicator_id is None, (i + 1, f.label_raw)
                continue  # the cut row, checked above, and its rest: never a value on an indicator
            ind, num, _ = whole.get(f.line_no if f.line_no <= i else f.line_no - added, (None, None, None))
            assert f.indicator_id in (ind, None) and f.value_num in (num, None), (i + 1, f.label_raw)


@pytest.mark.parametrize("typo", ["giải quyết", "gải quyết"])
def test_a_row_cut_by_a_page_break_with_a_typo_in_its_label_keeps_its_value(tmp_path, typo):
    """'Tỷ lệ hồ sơ TTHC do' + 'UBND cấp xã tiếp nhận được gải quyết đúng hạn' and the
    value on the next page: no indicator's label exactly, so the second half was a row of
    its own, nearest 'Số hồ sơ TTHC do UBND cấp xã…', and took the rate of 100 as a count.
    Across a break, a joined label a typo off an indicator now completes the row."""
    lines = list(_rows("000"))
    (i,) = [n for n, line in enumerate(lines) if line.startswith("\tTỷ lệ hồ sơ TTHC do UBND cấp xã tiếp nhận")]
    cells = lines[i].split("\t")
    first = ["", "Tỷ lệ hồ sơ TTHC do", cells[2], "", cells[4]]
    rest = ["", cells[1].removeprefix("Tỷ lệ hồ sơ TTHC do ").replace("giải quyết", typo), "", cells[3], ""]
    path = tmp_path / "report.txt"
    path.write_text(
        "\n".join([*lines[:i], "\t".join(first), "", "", "", "\t".join(rest), *lines[i + 1 :]]), encoding="utf-8"
    )
    facts = ingest_file(path, tmp_path, _context()).facts
    (row,) = [f for f in facts if f.line_no == i + 1]
    assert (row.indicator_id, row.value_num) == _whole("000")[i + 1][:2]
    assert not [f for f in facts if f.line_no > i + 1 and f.line_no <= i + 5]


def test_a_mistyped_number_in_a_label_is_not_the_rest_of_the_row_above(tmp_path):
    """'7.. Dịch vụ công trực tuyến' with its value, under a row without one: a label
    starting with a digit is a fragment when it carries nothing, but with a value it may be
    a row whose number was mistyped; it took the row above's indicator."""
    lines = list(_rows("003"))
    (i,) = [n for n, line in enumerate(lines) if line.startswith("7.8.\tDịch vụ công trực tuyến")]
    lines[i] = lines[i].replace("7.8.\tDịch vụ", "\t7.. Dịch vụ")
    path = tmp_path / "report.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    whole = _whole("003")
    for f in ingest_file(path, tmp_path, _context()).facts:
        assert f.indicator_id in (whole.get(f.line_no, (None,))[0], None) and f.value_num in (
            whole.get(f.line_no, (0, None))[1],
            None,
        ), f.label_raw


@pytest.mark.parametrize("seed", TABLE_SEEDS)
def test_many_edits_at_once_never_move_a_value_to_another_indicator(seed):
    """tools/stress_edits.py: a table shape, letters dropped, labels cut with and without
    page breaks, values pushed onto the cut's second half, all in one report; every count
    carries a value of its own, so a value on another indicator shows whatever moved. Not
    the all-capitals shape: there a cut label's first half can be a sibling's whole label
    ('SỐ NHIỆM VỤ ĐÃ HOÀN THÀNH' | 'ĐÚNG HẠN'), and case no longer tells a fragment."""
    import random

    from tools.stress_edits import stress

    misread, _, _ = stress(_context(), seed, 12, random.Random(7), {"markdown_pipes", "labels_upper_case"})
    assert misread == 0


def test_a_row_whose_unit_and_value_fall_on_two_lines_keeps_its_value(tmp_path):
    """'Tỷ lệ hồ sơ TTHC do | %' then 'UBND cấp xã tiếp nhận được gải quyết đúng hạn | | 100'
    (a typo in it), no page break (a table converted from a PDF): the unit above and the
    value below with no unit of its own is one row's cells cut in two, and is judged like a
    cut across a break. The second half was a row of its own, nearest 'Số hồ sơ TTHC do UBND
    cấp xã…', with the rate."""
    lines = list(_rows("000"))
    (i,) = [n for n, line in enumerate(lines) if line.startswith("\tTỷ lệ hồ sơ TTHC do UBND cấp xã tiếp nhận")]
    cells = lines[i].split("\t")
    first = ["", "Tỷ lệ hồ sơ TTHC do", cells[2], "", cells[4]]
    rest = ["", cells[1].removeprefix("Tỷ lệ hồ sơ TTHC do ").replace("giải", "gải"), "", cells[3], ""]
    path = tmp_path / "report.txt"
    path.write_text("\n".join([*lines[:i], "\t".join(first), "\t".join(rest), *lines[i + 1 :]]), encoding="utf-8")
    facts = ingest_file(path, tmp_path, _context()).facts
    (row,) = [f for f in facts if f.line_no == i + 1]
    assert (row.indicator_id, row.value_num) == _whole("000")[i + 1][:2]
    assert not [f for f in facts if f.line_no == i + 2]

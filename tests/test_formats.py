"""Word, PDF and Excel versions of the seed reports give the facts of the text version."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from extractors import detect_format, extract
from pipeline.run_file import ingest_file
from tests.conftest import SEED

FIXTURES = Path(__file__).resolve().parent / "fixtures"
COMPARED = (
    "label_raw",
    "stt",
    "is_header",
    "section",
    "level",
    "parent_row_no",
    "unit_raw",
    "note_raw",
    "indicator_id",
    "match_method",
    "value_kind",
    "value_num",
    "value_den",
    "value_text",
    "unit",
)
REPORT = ("agency", "agency_level", "period_type", "period_num", "year", "template", "n_rows", "n_matched")


@pytest.fixture(scope="module")
def text_version(ctx):
    return {k: ingest_file(SEED[k], SEED[k].parent, ctx) for k in ("000", "001", "002", "003")}


@pytest.mark.parametrize("fmt", ["docx", "pdf", "xlsx"])
@pytest.mark.parametrize("key", ["000", "001", "002", "003"])
def test_same_facts_as_the_text_version(ctx, text_version, key, fmt):
    got = ingest_file(FIXTURES / f"{key}.{fmt}", FIXTURES, ctx)
    want = text_version[key]
    assert got.report["format"] == fmt and got.report["status"] == want.report["status"]
    assert [got.report[k] for k in REPORT] == [want.report[k] for k in REPORT]
    assert [tuple(f[c] for c in COMPARED) for f in got.facts] == [tuple(f[c] for c in COMPARED) for f in want.facts]
    # A number stored as a number in Excel prints without the group separator; elsewhere
    # the value is printed exactly as in the text version.
    for g, w in zip(got.facts, want.facts, strict=True):
        if fmt != "xlsx" or g["value_kind"] not in ("count", "decimal", "percent"):
            assert g["value_raw"] == w["value_raw"], (g["row_no"], g["value_raw"], w["value_raw"])
    assert sorted(f["rule"] for f in got.findings) == sorted(f["rule"] for f in want.findings)


def test_merged_cells_are_read_once(ctx):
    facts = ingest_file(FIXTURES / "000.docx", FIXTURES, ctx).facts
    (section,) = [f for f in facts if f["stt"] == "II"]  # merged across label, unit, value and note
    assert (section["label_raw"], section["unit_raw"], section["value_raw"], section["note_raw"]) == (
        "Cải cách thể chế",
        None,
        None,
        None,
    )
    # w:gridBefore: 000's rows without an STT cell keep their columns
    last = facts[-1]
    assert (last["stt"], last["unit_raw"], last["value_raw"]) == (None, "Cơ quan, đơn vị", "10")


def test_pdf_rows_carry_their_page(ctx):
    facts = ingest_file(FIXTURES / "002.pdf", FIXTURES, ctx).facts
    pages = [f["page"] for f in facts]
    assert pages == sorted(pages) and pages[0] > 1 and len(set(pages)) >= 4  # the table follows the narrative
    doc = extract((FIXTURES / "002.pdf").read_bytes(), "pdf")
    assert any("Cù Lao Dung" in b.text for b in doc.blocks if b.page == 1)


def test_pdf_row_cut_by_a_page_break_is_joined(ctx):
    facts = ingest_file(FIXTURES / "003.pdf", FIXTURES, ctx).facts
    assert any((f["repairs"] or "").startswith("continuation") for f in facts if f["page"] and f["page"] > 1)


def test_scanned_pdf_needs_ocr(tmp_path, ctx):
    img = Image.new("RGB", (800, 1100), "white")
    ImageDraw.Draw(img).text((50, 50), "PHU LUC THONG KE", fill="black")
    buf = io.BytesIO()
    img.save(buf, format="PDF")
    path = tmp_path / "scan.pdf"
    path.write_bytes(buf.getvalue())
    report = ingest_file(path, tmp_path, ctx).report
    assert report["status"] == "failed" and "scanned document" in report["error"] and "OCR" in report["error"]


def test_password_protected_pdfs(ctx):
    locked = ingest_file(FIXTURES / "encrypted_user_password.pdf", FIXTURES, ctx).report
    assert locked["status"] == "failed" and "protected by a password" in locked["error"]
    # an owner password only restricts printing: the file opens and reads normally
    owner = ingest_file(FIXTURES / "encrypted_owner_password.pdf", FIXTURES, ctx)
    assert owner.report["status"] != "failed" and owner.report["n_rows"] == 121


def test_legacy_office_files_say_what_to_do(tmp_path, ctx):
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024
    for name, word in (("bao-cao.doc", ".docx"), ("bang.xls", ".xlsx")):
        (tmp_path / name).write_bytes(ole2)
        report = ingest_file(tmp_path / name, tmp_path, ctx).report
        assert report["status"] == "failed" and f"save it as {word}" in report["error"]


def test_the_bytes_decide_not_the_extension(tmp_path, ctx):
    shutil.copy(FIXTURES / "001.docx", tmp_path / "bao-cao.pdf")  # a Word file named .pdf
    assert detect_format((tmp_path / "bao-cao.pdf").read_bytes(), ".pdf") == "docx"
    report = ingest_file(tmp_path / "bao-cao.pdf", tmp_path, ctx).report
    assert (report["format"], report["status"], report["n_rows"]) == ("docx", "ok", 185)


def test_damaged_word_file(tmp_path, ctx):
    data = (FIXTURES / "001.docx").read_bytes()
    (tmp_path / "cut.docx").write_bytes(data[: len(data) // 2])
    report = ingest_file(tmp_path / "cut.docx", tmp_path, ctx).report
    assert report["status"] == "failed" and "damaged Word file" in report["error"]


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx_with_body(body: str) -> bytes:
    """A Word file made by python-docx, its body replaced by hand-written XML."""
    import zipfile

    from docx import Document

    made, out = io.BytesIO(), io.BytesIO()
    Document().save(made)
    with zipfile.ZipFile(made) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/document.xml":
                data = f"<w:document {W}><w:body>{body}</w:body></w:document>".encode()
            dst.writestr(item, data)
    return out.getvalue()


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def test_word_table_structures():
    """Merges, spans, skipped grid columns, nested tables, tracked changes, text boxes,
    content controls, breaks: each cell read once, at its grid column, with its page."""
    grid = "<w:tblGrid>" + "<w:gridCol/>" * 4 + "</w:tblGrid>"
    inner = f"<w:tbl>{grid}<w:tr><w:tc>{_p('trong')}</w:tc></w:tr></w:tbl>"
    body = (
        _p("Tiêu đề")
        + f"<w:tbl>{grid}"
        # a cell spanning two columns, once with a tracked change that says it spanned three
        + "<w:tr><w:tc><w:tcPr><w:gridSpan w:val='2'/><w:tcPrChange><w:tcPr><w:gridSpan w:val='3'/>"
        + f"</w:tcPr></w:tcPrChange></w:tcPr>{_p('gộp')}</w:tc>"
        + f"<w:tc><w:tcPr><w:vMerge w:val='restart'/></w:tcPr>{_p('dọc')}{inner}</w:tc>"
        + "<w:tc><w:p><w:r><w:t>a</w:t><w:tab/><w:t>b</w:t><w:br/><w:t>c</w:t><w:br w:type='page'/></w:r></w:p></w:tc>"
        + "</w:tr>"
        # one grid column skipped, the merge continued, a text box, a content control
        + "<w:tr><w:trPr><w:gridBefore w:val='1'/></w:trPr>"
        + "<w:tc><w:p><w:r><w:lastRenderedPageBreak/><w:t>ngoài </w:t></w:r><w:r><w:pict><w:txbxContent>"
        + f"{_p('hộp')}</w:txbxContent></w:pict></w:r></w:p></w:tc>"
        + f"<w:tc><w:tcPr><w:vMerge/></w:tcPr>{_p('bỏ')}</w:tc>"
        + f"<w:tc><w:sdt><w:sdtContent>{_p('sdt')}</w:sdtContent></w:sdt></w:tc>"
        + "</w:tr></w:tbl>"
        + f"<w:sdt><w:sdtPr/><w:sdtContent>{_p('Kết')}</w:sdtContent></w:sdt>"  # a content control
    )
    doc = extract(_docx_with_body(body), "docx")
    outer, nested = doc.tables
    assert [r.cells for r in outer.rows] == [("gộp", "", "dọc", "a\tb\nc"), ("", "ngoài hộp", "", "sdt")]
    assert [r.spans for r in outer.rows] == [(2, 0, 1, 1), (1, 1, 1, 1)]
    assert [r.page for r in outer.rows] == [1, 2] and outer.rows[1].break_before
    assert [r.cells for r in nested.rows] == [("trong", "", "", "")]
    assert [(b.text, b.page, b.before_table) for b in doc.blocks] == [("Tiêu đề", 1, 0), ("Kết", 3, None)]


def test_word_file_without_a_document_part(tmp_path, ctx):
    import zipfile

    with zipfile.ZipFile(tmp_path / "empty.docx", "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
    report = ingest_file(tmp_path / "empty.docx", tmp_path, ctx).report
    assert report["status"] == "failed" and "Word" in report["error"]


def test_markdown_pipe_tables_read_like_tab_separated_ones(tmp_path, ctx, text_version):
    """A Markdown converter writes '| STT | Chỉ tiêu | … |' rows and a '|---|' rule."""
    lines = []
    for line in SEED["001"].read_text(encoding="utf-8").split("\n"):
        if "\t" in line:
            lines.append("| " + " | ".join(line.split("\t")) + " |")
            if len([x for x in lines if x.startswith("|")]) == 1:
                lines.append("|---|:---|---|---:|---|")
        else:
            lines.append(line)
    (tmp_path / "md.txt").write_text("\n".join(lines), encoding="utf-8")
    got, want = ingest_file(tmp_path / "md.txt", tmp_path, ctx), text_version["001"]
    assert [tuple(f[c] for c in COMPARED) for f in got.facts] == [tuple(f[c] for c in COMPARED) for f in want.facts]
    assert [got.report[k] for k in REPORT] == [want.report[k] for k in REPORT]


def test_a_table_written_one_cell_per_line_says_what_to_do(tmp_path, ctx):
    """LibreOffice saves a Word table as text one cell per line, blank lines for empty
    cells: rows cannot be told apart, so the file fails with what to send instead."""
    lines = []
    for line in SEED["001"].read_text(encoding="utf-8").split("\n"):
        lines.extend(line.split("\t") if "\t" in line else [line])
    (tmp_path / "lo.txt").write_text("\n".join(lines), encoding="utf-8")
    report = ingest_file(tmp_path / "lo.txt", tmp_path, ctx).report
    assert report["status"] == "failed" and "one cell per line" in report["error"] and "Word file" in report["error"]


def test_a_header_without_cell_boundaries_says_what_to_do(tmp_path, ctx):
    """A PDF table drawn without borders, a text export aligned with spaces: the header
    is read as one line of text, no cell can be placed, and the file fails saying so."""
    from tests.pdfgen import one_page_pdf

    lines = [b"STT   Chi tieu thong ke   Don vi tinh   So lieu   Ghi chu", b"1   So van ban da ban hanh   Van ban   5"]
    content = b"\n".join(b"BT /F1 10 Tf 50 %d Td (%s) Tj ET" % (780 - 20 * i, line) for i, line in enumerate(lines))
    (tmp_path / "borderless.pdf").write_bytes(one_page_pdf(content))
    spaced = SEED["001"].read_text(encoding="utf-8").replace("\t", "   ")
    (tmp_path / "spaced.txt").write_text(spaced, encoding="utf-8")
    pdf = ingest_file(tmp_path / "borderless.pdf", tmp_path, ctx).report
    txt = ingest_file(tmp_path / "spaced.txt", tmp_path, ctx).report
    assert pdf["status"] == txt["status"] == "failed"
    assert "'STT Chi tieu thong ke" in pdf["error"] and "without borders" in pdf["error"]
    assert "'STT   Chỉ tiêu thống kê" in txt["error"] and "not separated by tabs" in txt["error"]


def test_excel_numbers_are_written_as_the_sheet_shows_them(tmp_path, ctx, text_version):
    """A rate computed by a formula is stored as 0.3333333333333333 and shown as 33,33 %;
    a total summed from decimals as 94.00000000000001. The text version prints 33,33 and
    94: so must the Excel one, or the value and the ratio check would read float noise."""
    from openpyxl import load_workbook

    wb = load_workbook(FIXTURES / "001.xlsx")
    ws = wb.active
    assert ws["B7"].value.startswith("Tỷ lệ hoàn thành Kế hoạch CCHC") and ws["D7"].value == 33.33
    ws["D7"].value, ws["D7"].number_format = 7 / 21, "0.00%"
    counts = [r[0] for r in ws.iter_rows(min_col=4, max_col=4) if isinstance(r[0].value, int) and r[0].value > 9]
    for cell in counts:
        cell.value += 1e-14  # 47.00000000000001, General: Excel shows its 15 significant digits
    wb.save(tmp_path / "001.xlsx")
    got = ingest_file(tmp_path / "001.xlsx", tmp_path, ctx).facts
    (rate,) = [f for f in got if f["label_raw"].startswith("Tỷ lệ hoàn thành Kế hoạch CCHC")]
    assert (rate["value_raw"], rate["value_num"], rate["value_kind"]) == ("33,33%", 33.33, "percent")
    assert len(counts) > 5 and all("," not in f["value_raw"] for f in got if f["value_kind"] == "count")
    assert [f["value_num"] for f in got] == [f["value_num"] for f in text_version["001"].facts]


@pytest.mark.parametrize(("stored", "number_format"), [(7 / 21, "0.00%"), (33.33, '0.00"%"'), (33.33, "0.00\\%")])
def test_an_excel_percent_sign_is_a_percent_format_only_outside_quotes(tmp_path, ctx, stored, number_format):
    """0.3333 under 0.00% and 33.33 under 0.00"%" both show "33.33%": the second was read as
    3333 %, its quoted sign taken for a percent format."""
    from openpyxl import load_workbook

    wb = load_workbook(FIXTURES / "001.xlsx")
    wb.active["D7"].value, wb.active["D7"].number_format = stored, number_format
    wb.save(tmp_path / "001.xlsx")
    got = ingest_file(tmp_path / "001.xlsx", tmp_path, ctx).facts
    (rate,) = [f for f in got if f["label_raw"].startswith("Tỷ lệ hoàn thành Kế hoạch CCHC")]
    assert (rate["value_raw"], rate["value_num"], rate["value_kind"]) == ("33,33%", 33.33, "percent")

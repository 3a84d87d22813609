"""Word, PDF and Excel versions of the seed reports give the facts of the text version."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from extractors import detect_format, extract
from pipeline.run_file import Context, ingest_file
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
def ctx() -> Context:
    return Context.load()


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

"""Report metadata from the seed documents and from title variants."""

from __future__ import annotations

import pytest

from extractors import extract
from normalize.periods import find_period
from pipeline.metadata import read_metadata
from schema.load import load_agencies, load_agency_names
from schema.registry import AgencyRegistry
from tests.conftest import SEED, rows_of_bytes

REGISTRY = AgencyRegistry(load_agencies(), load_agency_names())

EXPECTED = {
    "000": ("UBND thành phố Sóc Trăng", "huyen", "quy", 1, 2023, None, "content"),
    "001": ("Sở Lao động - Thương binh và Xã hội", "so", "quy", 1, 2023, None, "title"),
    "002": ("UBND huyện Cù Lao Dung", "huyen", "quy", 1, 2023, "85/BC-UBND", "title"),
    "003": ("Sở Ngoại vụ", "so", "6thang", None, 2023, None, "title"),
    "004": ("Sở Nội vụ", "so", "nam", None, 2023, None, "report number"),
}


def meta_of(data: bytes, source_file: str):
    doc = extract(data, "txt")
    rows = rows_of_bytes(data)
    stats = next((t.index for t in doc.tables if any(r.table_no == t.index for r in rows)), None)
    return read_metadata(doc, stats, rows, source_file, REGISTRY)


@pytest.mark.parametrize("key", EXPECTED)
def test_seed_metadata(key):
    m = meta_of(SEED[key].read_bytes(), f"report_{key}.txt")
    assert (
        m.agency,
        m.agency_level,
        m.period_type,
        m.period_num,
        m.year,
        m.report_no,
        m.sources["agency"],
    ) == EXPECTED[key]


def test_inferred_agency_says_from_what():
    m = meta_of(SEED["000"].read_bytes(), "x.txt")
    (finding,) = [f for f in m.findings if f.rule == "agency_inferred"]
    assert finding.severity == "info" and "TPST" in finding.message and "UBNDTP" in finding.message


def test_blank_report_number_is_a_finding_not_a_value():
    m = meta_of(SEED["001"].read_bytes(), "x.txt")
    assert m.report_no is None
    assert any(f.rule == "report_no_blank" and "/BC-SLĐTBXH" in f.message for f in m.findings)


@pytest.mark.parametrize(
    ("title", "want"),
    [
        ("QUÝ I/2023 CỦA SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", ("quy", 1, 2023)),
        ("THỐNG KÊ SỐ LIỆU QUÝ I NĂM 2023", ("quy", 1, 2023)),
        ("quý 1 năm 2023", ("quy", 1, 2023)),
        ("Quý IV/2024", ("quy", 4, 2024)),
        ("QUY III NAM 2024", ("quy", 3, 2024)),  # typed without diacritics
        ("TẠI SỞ NGOẠI VỤ 6 THÁNG ĐẦU NĂM 2023", ("6thang", None, 2023)),
        ("Báo cáo 9 tháng năm 2023", ("9thang", None, 2023)),
        ("BÁO CÁO CÔNG TÁC CCHC NĂM 2023", ("nam", None, 2023)),
        (
            "Kết quả thực hiện công tác cải cách hành chính quý I và phương hướng nhiệm vụ quý II năm 2023",
            ("quy", 1, 2023),
        ),
        ("Báo cáo 6 tháng đầu năm và phương hướng 6 tháng cuối năm 2025", ("6thang", None, 2025)),
        # the second half-year has no period_type: filing it as 6thang (the first half) or
        # nam would put its numbers under another period
        ("BÁO CÁO CCHC 6 THÁNG CUỐI NĂM 2024", ("unknown", None, 2024)),
        # as people type them: they read as the year alone ("nam"), the wrong period
        ("THỐNG KÊ SỐ LIỆU QUÝ 01 NĂM 2023", ("quy", 1, 2023)),
        ("06 THÁNG ĐẦU NĂM 2023", ("6thang", None, 2023)),
        ("QUÝ THỨ NHẤT NĂM 2023", ("quy", 1, 2023)),
        ("quý ba năm 2023", ("quy", 3, 2023)),
        ("QUÝ Ⅳ/2023", ("quy", 4, 2023)),  # the Roman numeral sign, not the letters
        ("BÁO CÁO BÁN NIÊN NĂM 2023", ("6thang", None, 2023)),
        # a count of months or a quarter no period_type names: unknown, not the year
        ("3 tháng đầu năm 2023", ("unknown", None, 2023)),
        ("BÁO CÁO 12 THÁNG NĂM 2023", ("unknown", None, 2023)),
        ("QUÝ 5 NĂM 2023", ("unknown", None, 2023)),
        # words that only look like one: "hành chính" (chín), "quy định", "quy tụ"
        ("BÁO CÁO CẢI CÁCH HÀNH CHÍNH NĂM 2023", ("nam", None, 2023)),
        ("Thực hiện quy định, quy tụ nguồn lực năm 2023", ("nam", None, 2023)),
    ],
)
def test_period_variants(title, want):
    p = find_period(title)
    assert (p.period_type, p.period_num, p.year) == want


def test_a_date_is_not_a_period():
    assert find_period("Cù Lao Dung, ngày 16 tháng 3 năm 2023") is None


def title_doc(*lines: str) -> bytes:
    table = "STT\tChỉ tiêu thống kê\tĐơn vị tính\tSố liệu\tGhi chú\nI\tCông tác chỉ đạo điều hành CCHC\t\t\t\n"
    return ("\n".join(lines) + "\n\n" + table).encode("utf-8")


@pytest.mark.parametrize(
    ("title", "agency"),
    [
        ("PHỤ LỤC QUÝ II/2024 CỦA SỞ LĐ-TB&XH", "Sở Lao động - Thương binh và Xã hội"),
        ("PHU LUC QUY II/2024 CUA SO NGOAI VU", "Sở Ngoại vụ"),
        ("(Kèm theo Báo cáo số 12/BC-UBND ngày 1/4/2024 của UBND TX Vĩnh Châu)", "UBND thị xã Vĩnh Châu"),
        ("SỐ LIỆU CCHC QUÝ II NĂM 2024 TRÊN ĐỊA BÀN HUYỆN MỸ TÚ", "UBND huyện Mỹ Tú"),
    ],
)
def test_agency_variants(title, agency):
    m = meta_of(title_doc(title), "x.txt")
    assert (m.agency, m.sources["agency"]) == (agency, "title")


def test_legal_basis_and_addressee_are_not_the_reporter():
    data = title_doc(
        "Kính gửi: Ủy ban nhân dân tỉnh Sóc Trăng",
        "Căn cứ Kế hoạch số 192/KH-UBND ngày 20/12/2022 của Ủy ban nhân dân tỉnh Sóc Trăng",
        "BÁO CÁO QUÝ II NĂM 2024",
    )
    m = meta_of(data, "x.txt")
    assert m.agency is None and m.agency_level == "unknown"
    assert any(f.rule == "agency_unknown" and f.severity == "warning" for f in m.findings)


def test_file_name_is_the_last_resort():
    m = meta_of(title_doc("BẢNG SỐ LIỆU"), "2024-Q3_UBND-huyen-Ke-Sach.txt")
    assert (m.agency, m.period_type, m.period_num, m.year) == ("UBND huyện Kế Sách", "quy", 3, 2024)
    assert {f.rule for f in m.findings} >= {"agency_inferred", "period_inferred"}


SEED_001_TITLE = "QUÝ I/2023 CỦA SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"


@pytest.mark.parametrize(
    ("title", "elsewhere", "want"),
    [
        # a commune (the level below the province since mid-2025), in capitals in the
        # title and in ordinary case in the "Kèm theo" line: the ordinary case is kept
        ("QUÝ III/2025 CỦA UBND PHƯỜNG PHÚ LỢI", "của UBND phường Phú Lợi", ("UBND phường Phú Lợi", "xa")),
        ("QUÝ III/2025 CỦA UBND XÃ AN NINH", "", ("UBND XÃ AN NINH", "xa")),
        ("QUÝ II/2025 CỦA BAN QUẢN LÝ KHU KINH TẾ TỈNH CÀ MAU", "", ("BAN QUẢN LÝ KHU KINH TẾ TỈNH CÀ MAU", "so")),
        (
            "QUÝ II/2025 CỦA ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ",
            "",
            ("ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ", "unknown"),
        ),
    ],
)
def test_an_agency_the_registry_does_not_list_is_named_not_guessed(title, elsewhere, want):
    text = SEED["001"].read_text(encoding="utf-8").replace(SEED_001_TITLE, title)
    # the appendix's own line names the reporter too: there, as the case gives it, or not at all
    text = text.replace("/BC-SLĐTBXH", "/BC-UBND").replace("của Sở LĐ-TB&XH", elsewhere)
    m = meta_of(text.encode(), "x.txt")
    assert (m.agency, m.agency_level, m.sources["agency"]) == (*want, "title (not in schema/agencies)")
    (finding,) = [f for f in m.findings if f.rule == "agency_unregistered"]
    assert finding.severity == "warning" and want[0] in finding.message


def test_a_listed_agency_in_the_title_still_wins():
    m = meta_of(SEED["001"].read_bytes(), "x.txt")
    assert m.agency == "Sở Lao động - Thương binh và Xã hội"
    assert not [f for f in m.findings if f.rule == "agency_unregistered"]


def test_a_period_the_contract_cannot_name_is_left_unknown_with_a_warning():
    m = meta_of(title_doc("BÁO CÁO CCHC 6 THÁNG CUỐI NĂM 2024 CỦA SỞ NGOẠI VỤ"), "x.txt")
    assert (m.period_type, m.year) == ("unknown", 2024)
    (finding,) = [f for f in m.findings if f.rule == "period_unknown"]
    assert finding.severity == "warning" and "6 thang cuoi nam 2024" in finding.message

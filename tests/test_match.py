"""The label matcher on the seed labels, and on those labels as other agencies type them."""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from normalize.text import strip_diacritics
from schema.load import load_indicators, load_label_rules, load_overrides
from schema.match import Matcher, Query
from tests.conftest import SEED

TEMPLATE = {"000": "huyen_2023", "001": "so_2023", "002": "huyen_2023", "003": "tinh_2023"}


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_indicators(), load_label_rules(), [])


def queries(rows, label=lambda r: r.label):
    by_no = {r.row_no: r for r in rows}
    return [Query(label(r), r.section, by_no[r.parent_row_no].label if r.parent_row_no else None) for r in rows]


@pytest.fixture(scope="module")
def seed_matches(seed_rows, matcher):
    return {k: matcher.match(queries(seed_rows[k]), ["huyen_2023", "so_2023", "tinh_2023"]) for k in TEMPLATE}


def test_every_seed_row_is_matched_once_per_report(seed_matches, seed_rows):
    for key, result in seed_matches.items():
        assert result.template == TEMPLATE[key], key
        ids = [m.indicator_id for m in result.matches]
        assert None not in ids, [
            r.label for r, m in zip(seed_rows[key], result.matches, strict=True) if m.indicator_id is None
        ]
        assert len(ids) == len(set(ids)), key  # rows that share words get distinct ids
        assert {m.method for m in result.matches} <= {"exact", "alias"}


def ids_of(seed_rows, seed_matches, key, label):
    return [m.indicator_id for r, m in zip(seed_rows[key], seed_matches[key].matches, strict=True) if r.label == label]


def test_context_decides_between_rows_that_share_words(seed_rows, seed_matches):
    # II.2: self-inspection first, then inspection by authority
    for key in ("000", "002"):
        assert ids_of(seed_rows, seed_matches, key, "Số VBQPPL phát hiện trái pháp luật") == [
            "ii.tu_kiem_tra_so_vbqppl_phat_hien_trai_phap_luat",
            "ii.kiem_tra_so_vbqppl_phat_hien_trai_phap_luat",
        ]
    # I.2 and IV.6
    assert ids_of(seed_rows, seed_matches, "000", "Số vấn đề phát hiện qua kiểm tra") == [
        "i.so_van_de_phat_hien_qua_kiem_tra",
        "iv.so_van_de_phat_hien_qua_kiem_tra",
    ]
    # IV.3 (salaried staff of public units) and IV.4 (fully self-financed units)
    for key in ("000", "001", "002"):
        assert ids_of(seed_rows, seed_matches, key, "Tổng số người làm việc có mặt") == [
            "iv.sncl_tong_so_nguoi_lam_viec_co_mat",
            "iv.tu_chu_tong_so_nguoi_lam_viec_co_mat",
        ]
    # 002 lists the documents sent at district level, then at commune level
    ids = ids_of(
        seed_rows,
        seed_matches,
        "002",
        "- Số lượng văn bản được gửi hoàn toàn dưới dạng điện tử và song song với văn bản giấy",
    )
    assert len(ids) == 2 and ids[0] != ids[1] and ids[1].endswith("_cap_xa")


def test_one_indicator_across_templates(seed_rows, seed_matches):
    for label in (
        "Số nhiệm vụ đề ra trong kế hoạch",
        "Tổng số biên chế được giao trong năm",
        "Số nhiệm vụ đã hoàn thành",
    ):
        found = {k: ids_of(seed_rows, seed_matches, k, label) for k in TEMPLATE}
        assert len({i for ids in found.values() for i in ids}) == 1, found
    # worded differently by the department and the provincial form, same indicator
    assert ids_of(seed_rows, seed_matches, "001", "Số VBQPPL đã tham mưu ban hành") == ["ii.so_vbqppl_da_ban_hanh"]
    assert ids_of(seed_rows, seed_matches, "003", "Số VBQPPL đã ban hành/tham mưu ban hành") == [
        "ii.so_vbqppl_da_ban_hanh"
    ]
    assert ids_of(seed_rows, seed_matches, "000", "Số VBQPPL đã ban hành") == ["ii.so_vbqppl_da_ban_hanh"]
    # a department's own divisions are not "departments inspected"
    assert ids_of(seed_rows, seed_matches, "001", "Số phòng ban đã kiểm tra") != ids_of(
        seed_rows, seed_matches, "003", "Số sở, ngành đã kiểm tra"
    )


def typo(label: str, rnd: random.Random) -> str:
    """Drop one letter from the middle of a word of four letters or more."""
    words = label.split()
    long = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not long:
        return label
    i = rnd.choice(long)
    j = rnd.randrange(1, len(words[i]) - 1)
    words[i] = words[i][:j] + words[i][j + 1 :]
    return " ".join(words)


PERTURBATIONS = {
    "no_diacritics": strip_diacritics,
    "nfd": lambda s: unicodedata.normalize("NFD", s),
    "upper": str.upper,
    "trailing_colon": lambda s: s.rstrip(".: ") + ":",
    "so_luong": lambda s: (
        s.replace("Số ", "Số lượng ", 1) if s.startswith("Số ") and not s.startswith("Số lượng") else s
    ),
    "expanded": lambda s: s.replace("TTHC", "thủ tục hành chính").replace("VBQPPL", "văn bản quy phạm pháp luật"),
    "contracted": lambda s: s.replace("thủ tục hành chính", "TTHC").replace("Ủy ban nhân dân", "UBND"),
}


@pytest.mark.parametrize("name", PERTURBATIONS)
def test_labels_as_others_type_them_reach_the_same_id(name, seed_rows, seed_matches, matcher):
    change = PERTURBATIONS[name]
    for key in TEMPLATE:
        got = matcher.match(queries(seed_rows[key], lambda r: change(r.label)), ["huyen_2023", "so_2023", "tinh_2023"])
        want = [m.indicator_id for m in seed_matches[key].matches]
        wrong = [
            (r.label, w, g.indicator_id)
            for r, w, g in zip(seed_rows[key], want, got.matches, strict=True)
            if g.indicator_id != w
        ]
        assert not wrong, (name, key, wrong[:5])


def test_typos_reach_the_same_id_or_stay_unmatched(seed_rows, seed_matches, matcher):
    """One letter dropped from one word of every label, five times over: never a wrong id;
    nearly always the right one (the rest stay unmatched, with candidates, for review)."""
    right = total = 0
    for seed in range(5):
        rnd = random.Random(seed)
        for key in TEMPLATE:
            typed = queries(seed_rows[key], lambda r, rnd=rnd: typo(r.label, rnd))
            got = matcher.match(typed, ["huyen_2023", "so_2023", "tinh_2023"])
            for q, w, g in zip(typed, seed_matches[key].matches, got.matches, strict=True):
                total += 1
                assert g.indicator_id in (w.indicator_id, None), (q.label, w.indicator_id, g.indicator_id)
                right += g.indicator_id == w.indicator_id
    assert right / total >= 0.95, (right, total)


@pytest.mark.parametrize("district", ["UBND cấp huyện", "UBND cấp hyện"])
def test_a_group_header_that_contrasts_breaks_no_tie(seed_rows, matcher, district):
    """002 prints its BCCI rows twice in the same words, under "UBND cấp huyện" and then
    "UBND cấp xã"; the schema's commune rows sit under "UBND cấp xã", which letter by
    letter is nearer "UBND cấp huyện" than "Dịch vụ bưu chính công ích (BCCI)" is, and the
    district figures went to the commune indicators (and the other way round). The header
    mistyped is compared as matched, not as typed."""
    rows = seed_rows["002"]
    typed = [
        q._replace(**{k: district for k in ("label", "parent_label") if getattr(q, k) == "UBND cấp huyện"})
        for q in queries(rows)
    ]
    assert sum(q.parent_label == district for q in typed) == 5
    matches = matcher.match(typed, ["huyen_2023"]).matches
    by_no = {r.row_no: r for r in rows}
    under = {"UBND cấp huyện": [], "UBND cấp xã": []}
    for r, m in zip(rows, matches, strict=True):
        if "BCCI" in r.label and r.parent_row_no and by_no[r.parent_row_no].label in under:
            under[by_no[r.parent_row_no].label].append(matcher.indicator(m.indicator_id).parent)
    assert len(under["UBND cấp huyện"]) == len(under["UBND cấp xã"]) == 5
    assert set(under["UBND cấp huyện"]) == {"vii.dich_vu_buu_chinh_cong_ich_bcci"}
    assert set(under["UBND cấp xã"]) == {"vii.ubnd_cap_xa"}


def test_rows_under_no_numbered_header_sit_under_the_last_group_matched(seed_rows, matcher):
    """A table without an STT column gives no row a parent; the BCCI twins were told apart
    by schema order alone, which puts "UBND cấp huyện" after the district rows: all ten
    values went to the other block's indicators."""
    rows = seed_rows["002"]
    flat = [q._replace(parent_label=None) for q in queries(rows)]
    want = matcher.match(queries(rows), ["huyen_2023"]).matches
    got = matcher.match(flat, ["huyen_2023"]).matches
    bcci = [i for i, r in enumerate(rows) if "BCCI" in r.label and r.label.startswith("- ")]
    assert len(bcci) == 10 and [got[i].indicator_id for i in bcci] == [want[i].indicator_id for i in bcci]


def test_a_district_printing_its_rows_clean_keeps_each_block_on_its_own_ids(seed_rows, matcher):
    """002 prints its district-level row "…(Sử dụng chữ ký số, chứng thư số và gửi trên môi
    trường điện tử)." with the last words twice, and the schema had taken that for the
    label: a district that printed it once had its district figures put on the commune
    indicators and its commune figures on the district ones."""
    tail = "). và gửi trên môi trường điện tử)."
    rows = seed_rows["002"]
    assert sum(r.label.endswith(tail) for r in rows) == 1
    got = matcher.match(queries(rows, lambda r: r.label.replace(tail, ").")), ["huyen_2023"]).matches
    sent = [m.indicator_id for r, m in zip(rows, got, strict=True) if r.label.startswith("- Số lượng văn bản được gửi")]
    stem = "vii.so_luong_van_ban_duoc_gui_hoan_toan_duoi_dang_dien_tu_"
    assert sent == [f"{stem}su_dung", f"{stem}va_song", f"{stem}su_dung_cap_xa", f"{stem}va_song_cap_xa"]


def test_a_label_cut_short_never_shares_an_indicator_with_the_row_naming_it(matcher):
    """ "Liên thông từ UBND tỉnh đến" (the rest on the next page) is nearest the commune
    sibling, which the next row names exactly: both rows carried it, and the validators
    read the cut one. It yields, and is left unmatched (the district sibling scores 78)."""
    parent = "Tham gia Hệ thống hợp trực tuyến của tỉnh"
    got = matcher.match(
        [("Liên thông từ UBND tỉnh đến", "VII", parent), ("Liên thông từ UBND tỉnh đến UBND cấp xã.", "VII", parent)],
        ["huyen_2023"],
    ).matches
    assert got[1].indicator_id == "vii.lien_thong_tu_ubnd_tinh_den_ubnd_cap_xa" and got[1].method == "exact"
    assert got[0].indicator_id is None and got[0].yielded == ("vii.lien_thong_tu_ubnd_tinh_den_ubnd_cap_xa", 1)


@given(data=st.data())
@settings(max_examples=150, deadline=None)
def test_a_label_cut_in_two_rows_never_gives_one_indicator_two_rows(data, seed_rows, matcher):
    """Any label of the seeds cut at any word into two rows: a half matched by likeness never
    carries an indicator another row carries (two rows may, when both name it word for word:
    a half "UBND cấp huyện" and the group header of that name further on)."""
    key = data.draw(st.sampled_from(sorted(TEMPLATE)))
    rows = queries(seed_rows[key])
    i = data.draw(st.sampled_from([i for i, q in enumerate(rows) if len(q.label.split()) >= 3]))
    words = rows[i].label.split()
    k = data.draw(st.integers(1, len(words) - 1))
    cut = [
        *rows[:i],
        rows[i]._replace(label=" ".join(words[:k])),
        rows[i]._replace(label=" ".join(words[k:])),
        *rows[i + 1 :],
    ]
    got = [m for m in matcher.match(cut, ["huyen_2023", "so_2023", "tinh_2023"]).matches if m.indicator_id]
    rows_of = Counter(m.indicator_id for m in got)
    assert not [m for m in got if rows_of[m.indicator_id] > 1 and m.method == "fuzzy"], (key, words[:k], words[k:])


@pytest.mark.parametrize(
    ("label", "section", "want"),
    [
        (
            "Số lãnh đạo cấp sở, ngành và UBND cấp huyện bị kỷ luậ.",
            "V",
            "v.so_lanh_dao_cap_so_nganh_va_ubnd_cap_huyen_bi_ky_luat",
        ),
        ("Số lãnh đạo cấp sở, ngành được bổ nhệm mới", "V", "v.so_lanh_dao_cap_so_nganh_duoc_bo_nhiem_moi"),
        (
            "Số lãnh đạo cấp phòg thuộc sở, ngành được bổ nhiệm mới",
            "V",
            "v.so_lanh_dao_cap_phong_thuoc_so_nganh_duoc_bo_nhiem_moi",
        ),
        ("Số đơn vị trc thuộc đã kiểm tra", "I", "i.so_don_vi_truc_thuoc_da_kiem_tra"),
        ("So lanh dao cap so, nganh bi ky lat", "V", "v.so_lanh_dao_cap_so_nganh_bi_ky_luat"),
    ],
)
def test_a_qualifier_typed_one_letter_off_is_still_the_qualifier(matcher, label, section, want):
    """A qualifier the label lacks on one side refuses a candidate; typed one letter off,
    the qualifier read as absent and the label was refused its own indicator (most of the
    typo sweep's losses)."""
    (got,) = matcher.match([(label, section, None)], ["huyen_2023", "so_2023", "tinh_2023"]).matches
    assert got.indicator_id == want


def test_a_qualifier_is_nearly_held_only_as_whole_words(matcher):
    """As keys go, "…pháp luật kiểm tra" holds "t5 kiêm3 tra", one letter off "tự kiểm tra":
    with the indicator it names left out of the schema, the label went silently to its
    "tự kiểm tra" twin (caught by the leave-one-out test below)."""
    label = "Số VBQPPL kiểm tra theo thẩm quyền"
    (got,) = matcher.without({"ii.so_vbqppl_kiem_tra_theo_tham_quyen"}).match_report([Query(label, "II", None)])
    assert got.indicator_id != "ii.so_vbqppl_tu_kiem_tra_theo_tham_quyen"


def test_a_label_missing_from_the_schema_is_not_silently_given_a_neighbour():
    """Leave each indicator out of the schema and match its own label and aliases: no other
    indicator may take it at or above the accept threshold (a silent wrong number). Labels
    shared word for word by two indicators (told apart by position) are exempt."""
    inds = load_indicators()
    rules = load_label_rules()
    by_id = {i.id: i for i in inds.indicators}
    probe = Matcher(inds, rules, [])
    # Only an indicator with a neighbour scoring >= the review floor can be taken silently
    # (accept is above review); checking just those keeps the test fast and as strict.
    keys = [probe.key(i.label) for i in inds.indicators]
    near = process.cdist(keys, keys, scorer=fuzz.ratio)
    np.fill_diagonal(near, 0)
    at_risk = [i for n, i in enumerate(inds.indicators) if near[n].max() >= probe.settings.review - 10]
    assert len(at_risk) > 50  # the check below has something to bite on
    silent = []
    for left_out in at_risk:
        m = probe.without({left_out.id})
        parent = by_id[left_out.parent].label if left_out.parent else None
        for label in [left_out.label, *left_out.aliases]:
            (got,) = m.match_report([Query(label, left_out.section, parent)])
            if not got.indicator_id or got.needs_review:
                continue
            twin_keys = {probe.key(t) for t in [by_id[got.indicator_id].label, *by_id[got.indicator_id].aliases]}
            if probe.key(label) not in twin_keys:
                silent.append((label, got.indicator_id, got.score))
    assert not silent


def test_invented_and_contrasting_labels_stay_unmatched(matcher):
    qs = [Query("Số con mèo được nuôi tại cơ quan", "IV", None), Query("Số ô tô công vụ đã thanh lý", "VI", None)]
    assert [m.method for m in matcher.match_report(qs)] == ["unmatched", "unmatched"]
    # "mức độ 5" is no indicator, however close its words are to "mức độ 4"
    (m,) = matcher.match_report([Query("Tổng số TTHC cung cấp trực tuyến mức độ 5", "VII", None)])
    assert m.indicator_id is None and m.candidates  # the nearest ones are listed for the analyst
    # a commune-level rate is never read as the district-level one
    (m,) = matcher.match_report(
        [Query("Ty le ho so TTHC do UBND cap xa tiep nhan duoc giai quyet dung han", "III", None)], {"huyen_2023"}
    )
    assert m.indicator_id == "iii.ty_le_ho_so_tthc_do_ubnd_cap_xa_tiep_nhan_duoc_giai_quyet_dung"


def test_analyst_override_wins(tmp_path: Path):
    csv = tmp_path / "overrides.csv"
    csv.write_text(
        "label,section,indicator_id,note\nSố cuộc họp giao ban về CCHC,I,i.so_van_ban_chi_dao_cchc_da_ban_hanh,test\n",
        encoding="utf-8",
    )
    m = Matcher(load_indicators(), load_label_rules(), load_overrides(csv))
    (got,) = m.match_report([Query("Số cuộc họp giao ban về CCHC", "I", None)])
    assert (got.indicator_id, got.method, got.score) == ("i.so_van_ban_chi_dao_cchc_da_ban_hanh", "manual", 100.0)
    bad = tmp_path / "bad.csv"
    bad.write_text("label,section,indicator_id\nX,I,no.such.id\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"no\.such\.id"):
        Matcher(load_indicators(), load_label_rules(), load_overrides(bad))


def test_schema_file_is_consistent():
    inds = load_indicators().indicators
    ids = [i.id for i in inds]
    assert len(ids) == len(set(ids))
    by_id = {i.id: i for i in inds}
    for i in inds:
        assert i.parent is None or by_id[i.parent].section == i.section, i.id
        assert i.type in {"count", "percent", "decimal", "bool", "code", "text", "group"}, i.id
    assert by_id["vii.tong_so_tthc_cung_cap_truc_tuyen_muc_do_4"].replaced_by == (
        "vii.so_tthc_cung_cap_dvc_truc_tuyen_toan_trinh"
    )


def test_seed_paths_exist():
    assert all(p.exists() for p in SEED.values())


@given(st.text(alphabet=st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",))))
def test_strip_diacritics_drops_every_mark_and_nothing_else(text):
    """The translate table against the definition it replaces: each character of the
    decomposed text kept unless it is a combining mark; đ/Đ -> d/D."""
    decomposed = unicodedata.normalize("NFD", text)
    want = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d").replace("Đ", "D")
    assert strip_diacritics(text) == want


def test_strip_diacritics_on_vietnamese():
    assert (
        strip_diacritics("Số TTHC được rà soát, đánh giá ĐÃ Ủy quyền") == "So TTHC duoc ra soat, danh gia DA Uy quyen"
    )

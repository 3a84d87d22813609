"""Who reported, for which period: read from the document, in order of trust.

1. The title block of the statistics table ("QUÝ I/2023 CỦA SỞ LAO ĐỘNG …", "(Kèm theo Báo
   cáo số 85/BC-UBND … của Ủy ban nhân dân huyện Cù Lao Dung)") and the document head.
2. The header: the issuer code of the report number ("…/BC-SNV" is Sở Nội vụ); then an
   agency the title names that schema/agencies/ does not list (a commune, another
   province: "… CỦA UBND PHƯỜNG PHÚ LỢI"), kept as printed with a warning.
3. The narrative: the subject of "… báo cáo …" ("Sở Nội vụ báo cáo Ủy ban nhân dân tỉnh").
4. The content: agencies the table's notes name (000: "UBNDTP", "TPST") — inferred.
5. The file name — inferred.
Inferred values come with an info finding that says from what; nothing found stays
`unknown` with a warning. A guess is never presented as fact.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from extractors.base import Document, TextBlock
from normalize.periods import Period, find_period, fold
from normalize.text import clean_line
from pipeline.models import Finding, TableRow
from schema.load import Agency
from schema.registry import AgencyRegistry, agency_key


@dataclass(frozen=True)
class MetadataSettings:
    head_blocks: int = 15  # the document head: number, place and date, title
    title_blocks: int = 10  # blocks right above the statistics table: the appendix title
    max_title_len: int = 300  # longer blocks are narrative paragraphs, not titles
    min_content_mentions: int = 2  # an agency named this often in the notes is the reporter


SETTINGS = MetadataSettings()

# Lines that name other agencies than the reporter: legal bases, addressees, recipients.
_NOT_TITLE = re.compile(r"^(can cu|kinh gui|noi nhan|- )")
_TITLE_CUE = re.compile(r"(?:\bcua|\btai|\btren dia ban|\bthuoc)\s*$")
_REPORT_NO = re.compile(
    r"\bs[oố]\s*:?\s*(?P<num>\d*)\s*/\s*(?P<kind>[A-ZĐ]{1,5})\s*-\s*(?P<issuer>[A-Za-zĐđ&0-9]+(?:-[A-Za-zĐđ&0-9]+)*)",
    re.IGNORECASE,
)
_GENERIC_ISSUERS = {"ubnd", "ub", "hdnd"}  # every People's Committee signs "…/BC-UBND"
_FILE_QUARTER = re.compile(r"(?:(?P<y1>20\d\d)\D{0,3}q(?P<q1>[1-4])|q(?P<q2>[1-4])\D{0,3}(?P<y2>20\d\d))")


@dataclass
class Metadata:
    agency: str | None = None
    agency_level: str = "unknown"
    period_type: str = "unknown"
    period_num: int | None = None
    year: int | None = None
    report_no: str | None = None
    issuer: str | None = None  # issuer code of the report number ("SNV" in "…/BC-SNV")
    sources: dict[str, str] = field(default_factory=dict)  # field -> where it was read
    findings: list[Finding] = field(default_factory=list)

    @property
    def source_summary(self) -> str:
        return "; ".join(f"{k}: {v}" for k, v in sorted(self.sources.items())) or "none"


def read_metadata(
    doc: Document,
    stats_table: int | None,
    rows: list[TableRow],
    source_file: str,
    registry: AgencyRegistry,
    settings: MetadataSettings = SETTINGS,
) -> Metadata:
    meta = Metadata()
    title = _title_lines(doc.blocks, stats_table, settings)
    head = [clean_line(b.text) for b in doc.blocks[: settings.head_blocks]]
    _read_report_no(meta, head + title)
    _read_agency(meta, title, doc.blocks, rows, source_file, registry, settings)
    _read_period(meta, title, head, source_file)
    return meta


def _title_lines(blocks: tuple[TextBlock, ...], stats_table: int | None, settings: MetadataSettings) -> list[str]:
    above = [b for b in blocks if stats_table is not None and b.before_table == stats_table]
    head = list(blocks[: settings.head_blocks])
    lines: list[str] = []
    for b in [*above[-settings.title_blocks :], *head]:
        text = clean_line(b.text)
        if text and len(text) <= settings.max_title_len and not _NOT_TITLE.match(fold(text)) and text not in lines:
            lines.append(text)
    return lines


def _read_report_no(meta: Metadata, lines: list[str]) -> None:
    for line in lines:
        m = _REPORT_NO.search(line)
        if not m:
            continue
        printed = f"{m['num']}/{m['kind']}-{m['issuer']}"
        if m["num"]:
            meta.report_no = printed
            meta.sources["report_no"] = "header"
        else:
            meta.findings.append(
                Finding(
                    rule="report_no_blank",
                    severity="info",
                    message=f"the report number is left blank in the document ({printed})",
                )
            )
        meta.issuer = m["issuer"]
        return


def _set_agency(meta: Metadata, agency: Agency, source: str) -> None:
    meta.agency, meta.agency_level = agency.name, agency.level
    meta.sources["agency"] = source


def _read_agency(
    meta: Metadata,
    title: list[str],
    blocks: tuple[TextBlock, ...],
    rows: list[TableRow],
    source_file: str,
    registry: AgencyRegistry,
    settings: MetadataSettings,
) -> None:
    # 1. the title block: the agency after "của", "tại", "trên địa bàn"
    text = " ".join(title)
    folded = agency_key(text)
    for mention in registry.mentions_folded(folded):
        if _TITLE_CUE.search(folded[: mention.start]):
            _set_agency(meta, mention.agency, "title")
            return
    # 2. the issuer code of the report number
    issuer = meta.issuer
    if issuer and agency_key(issuer).replace(" ", "") not in _GENERIC_ISSUERS:
        agency = registry.by_code(issuer)
        if agency is not None:
            _set_agency(meta, agency, "report number")
            return
    # 2b. the title names an agency the registry does not list (a commune, another province)
    for line in title:
        named = registry.named_unlisted(line)
        if named is not None:
            name = _as_written_elsewhere(named[0], blocks)
            meta.agency, meta.agency_level = name, named[1]
            meta.sources["agency"] = "title (not in schema/agencies)"
            meta.findings.append(
                Finding(
                    rule="agency_unregistered",
                    severity="warning",
                    message=f"the title names '{name}', which schema/agencies/ does not list: its reports are "
                    f"kept under this name as printed; add it there (name, level, aliases) so that every "
                    f"spelling of it groups together",
                )
            )
            return
    # 3. the narrative: "<agency> báo cáo …"
    for block in blocks:
        folded_block = agency_key(block.text)
        for mention in registry.mentions_folded(folded_block):
            after = folded_block[mention.start + len(mention.alias) :]
            if re.match(r"\s*(da\s+)?bao cao\b", after):
                _set_agency(meta, mention.agency, "narrative")
                return
    # 4. the table's notes
    counts: Counter[str] = Counter()
    names: dict[str, set[str]] = {}
    by_name = {a.name: a for a in registry.agencies}
    for r in rows:
        for mention in registry.mentions(r.note) if r.note else ():
            if mention.agency.level != "tinh":  # the province is named as the one who assigns tasks
                counts[mention.agency.name] += 1
                names.setdefault(mention.agency.name, set()).add(mention.alias.upper())
    if counts:
        (name, n), *rest = counts.most_common()
        if n >= settings.min_content_mentions and (not rest or rest[0][1] < n):
            _set_agency(meta, by_name[name], "content")
            meta.findings.append(
                Finding(
                    rule="agency_inferred",
                    severity="info",
                    message=f"the title names no agency; '{name}' is inferred from {n} mentions in the table's notes "
                    f"({', '.join(sorted(names[name]))})",
                )
            )
            return
    # 5. the file name
    mentions = registry.mentions(re.sub(r"[-_.]+", " ", source_file))
    if mentions:
        _set_agency(meta, mentions[-1].agency, "file name")
        meta.findings.append(
            Finding(
                rule="agency_inferred",
                severity="info",
                message=f"the document names no agency; '{mentions[-1].agency.name}' is "
                f"taken from the file name {source_file}",
            )
        )
        return
    meta.findings.append(
        Finding(
            rule="agency_unknown",
            severity="warning",
            message="no reporting agency found in the title, header, narrative, notes or "
            "file name; add its name or alias to schema/agencies/",
        )
    )


def _as_written_elsewhere(name: str, blocks: tuple[TextBlock, ...]) -> str:
    """A name the title prints in capitals ("UBND PHƯỜNG PHÚ LỢI"), as the document writes
    it elsewhere in ordinary case ("… của UBND phường Phú Lợi)"), when it does."""
    if not name.isupper():
        return name
    pattern = re.compile(r"\s+".join(map(re.escape, name.split())), re.IGNORECASE)
    for block in blocks:
        for m in pattern.finditer(block.text):
            if not m.group(0).isupper():
                return " ".join(m.group(0).split())
    return name


def _read_period(meta: Metadata, title: list[str], head: list[str], source_file: str) -> None:
    period: Period | None = None
    for line_group, source in ((title, "title"), (head, "header")):
        period = find_period(" ".join(line_group))
        if period:
            meta.sources["period"] = source
            break
    if period is None:
        m = _FILE_QUARTER.search(source_file.lower())
        if m:
            period = Period("quy", int(m["q1"] or m["q2"]), int(m["y1"] or m["y2"]), m.group(0))
            meta.sources["period"] = "file name"
            meta.findings.append(
                Finding(
                    rule="period_inferred",
                    severity="info",
                    message=f"the document states no period; quarter {period.period_num}/"
                    f"{period.year} is taken from the file name {source_file}",
                )
            )
    if period is None:
        meta.findings.append(
            Finding(
                rule="period_unknown",
                severity="warning",
                message="no reporting period (quý, 6 tháng, 9 tháng, năm) found in the title or file name",
            )
        )
        return
    meta.period_type, meta.period_num, meta.year = period.period_type, period.period_num, period.year
    if period.period_type == "unknown":
        meta.findings.append(
            Finding(
                rule="period_unknown",
                severity="warning",
                message=f"the title states '{period.text}', a period that period_type cannot name "
                f"(quý, 6 tháng đầu năm, 9 tháng, năm): left unknown rather than filed as another",
            )
        )
    if period.year is None:
        meta.findings.append(
            Finding(rule="year_unknown", severity="warning", message=f"the period '{period.text}' names no year")
        )

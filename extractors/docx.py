"""Word reports (.docx): tables anywhere in the body, paragraphs around them.

python-docx's `row.cells` repeats a merged cell at every grid position it covers, by
design; reading the row's `w:tc` elements instead gives each cell once, placed at its grid
column (after `w:gridBefore`, spanning `w:gridSpan`). A cell continued from above
(`w:vMerge` continue) is empty here: its text belongs to the cell that starts the merge.
Tables nested in a cell come out as tables of their own, after the one that holds them.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.pkgreader import PackageReader
from docx.oxml.ns import nsmap, qn
from lxml import etree

from extractors.base import Document, ExtractionError, RawRow, RawTable, TextBlock
from extractors.ziputil import check_zip

# Where Word marks page ends: explicit breaks, "page break before", and the breaks Word
# records where pages ended when it last laid the document out.
_PAGE_MARKS = etree.XPath(
    ".//w:br[@w:type='page'] | .//w:lastRenderedPageBreak | .//w:pageBreakBefore", namespaces={"w": nsmap["w"]}
)
_P, _TBL, _TR, _GRID_COL = qn("w:p"), qn("w:tbl"), qn("w:tr"), f"{qn('w:tblGrid')}/{qn('w:gridCol')}"
_GRID_SPAN, _V_MERGE, _VAL = qn("w:gridSpan"), qn("w:vMerge"), qn("w:val")
_GRID_BEFORE, _TC = qn("w:gridBefore"), qn("w:tc")

# python-docx reads the package (content types, relationships, which part is the main
# document); the main part is then parsed as a plain lxml tree. python-docx's Document()
# would also parse every other part (styles, numbering, theme) into its element classes,
# which cost a Python object for every node visited: three times the rest of the reading.
# The parser python-docx itself uses, without its element classes: blank text between
# tags dropped, no entities resolved (a crafted file cannot pull in local files).
_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
_BODY = qn("w:body")


def _read_body(data: bytes) -> etree._Element:
    try:
        package = PackageReader.from_file(io.BytesIO(data))
        main = [(ct, blob) for _, ct, rt, blob in package.iter_sparts() if rt == RT.OFFICE_DOCUMENT]
        if main and main[0][0] == CT.WML_DOCUMENT_MAIN:
            body = etree.fromstring(main[0][1], _PARSER).find(_BODY)
            if body is not None:
                return body
    except Exception as exc:  # python-docx and lxml raise KeyError, ValueError, XMLSyntaxError …
        raise ExtractionError(f"damaged Word file ({type(exc).__name__}): open it in Word and save it again") from None
    what = f"its main part is {main[0][0]}" if main else "it has no main document part"
    raise ExtractionError(f"not a Word document ({what}): open it in Word and save it as .docx")


def extract_docx(data: bytes) -> Document:
    check_zip(data, "Word")
    body = _read_body(data)
    has_pages = bool(_PAGE_MARKS(body))
    reader = _Reader(has_pages)
    for child in _body_blocks(body):
        if child.tag == _P:
            reader.paragraph(child)
        else:
            reader.table(child)
    return Document(
        format="docx",
        tables=tuple(reader.tables),
        blocks=tuple(reader.linked_blocks()),
        n_pages=reader.page if has_pages else None,
    )


# Content controls and custom XML wrap paragraphs and tables in forms made from templates.
_WRAPPERS = (qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml"))


def _body_blocks(parent: etree._Element) -> Iterator[etree._Element]:
    """The body's paragraphs and tables in order, those inside content controls included."""
    for child in parent.iterchildren(_P, _TBL, *_WRAPPERS):
        if child.tag in _WRAPPERS:
            yield from _body_blocks(child)
        else:
            yield child


_T, _TAB, _BR, _CR, _TYPE = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:type")
_BREAKS = {_BR, _CR}
_PAGE_ENDS = {qn("w:lastRenderedPageBreak"), qn("w:pageBreakBefore")}  # with w:br type="page": _PAGE_MARKS
_PROPERTY_CHANGES = {qn("w:tcPrChange"), qn("w:trPrChange")}
# What a table walk looks at; everything else (run properties, borders, shading) is passed over in C.
_IN_TABLE = (
    *(_TBL, _TR, _TC, _P, _T, _TAB, *_BREAKS),
    *(_GRID_SPAN, _V_MERGE, _GRID_BEFORE, *_PAGE_ENDS, *_PROPERTY_CHANGES),
)


def _text(p: etree._Element) -> str:
    if next(p.iter(_TAB, _BR, _CR), None) is None:  # most paragraphs: runs of text only, joined in C
        return "".join(p.itertext(_T, with_tail=False))
    parts = []
    for node in p.iter(_T, _TAB, _BR, _CR):
        tag = node.tag
        if tag == _T:
            parts.append(node.text or "")
        elif tag == _TAB:
            parts.append("\t")
        elif node.get(_TYPE) not in ("page", "column"):
            parts.append("\n")
    return "".join(parts)


def _page_marks(element) -> int:
    return len(_PAGE_MARKS(element))


class _Reader:
    def __init__(self, has_pages: bool) -> None:
        self.has_pages = has_pages
        self.page = 1
        self.tables: list[RawTable] = []
        self.blocks: list[tuple[TextBlock, int]] = []  # (block, number of tables before it)

    def paragraph(self, p: etree._Element) -> None:
        if self.has_pages:
            self.page += _page_marks(p)
        text = _text(p).strip()
        if text:
            self.blocks.append(
                (
                    TextBlock(text=text, line_no=len(self.blocks) + 1, page=self.page if self.has_pages else None),
                    len(self.tables),
                )
            )

    def table(self, tbl: etree._Element) -> None:
        """One pass of lxml's iterwalk over the table, which hands Python only the
        elements that matter (rows, cells, paragraphs, text, spans, page marks): visiting
        each cell's element tree from Python cost more than the rest of the pipeline."""
        grid = len(tbl.findall(_GRID_COL))
        rows: list[RawRow] = []
        nested: list[etree._Element] = []
        cells: list[tuple[str, int]] = []  # the open row's cells: (text, grid columns spanned)
        paragraphs: list[str] = []  # the open cell's
        parts: list[str] = []  # the open paragraph's
        depth = before = marks = 0  # paragraphs open (a text box nests them); the row's w:gridBefore, page marks
        span, continued = 1, False  # the open cell's w:gridSpan and w:vMerge
        walker = etree.iterwalk(tbl, events=("start", "end"), tag=_IN_TABLE)
        for event, el in walker:
            tag = el.tag
            if event == "start":
                if tag == _T:
                    parts.append(el.text or "")
                elif tag == _P:
                    if not depth:
                        parts = []
                    depth += 1
                elif tag == _TC:
                    paragraphs, span, continued = [], 1, False
                elif tag == _TAB:
                    parts.append("\t")
                elif tag in _BREAKS:
                    kind = el.get(_TYPE)
                    marks += kind == "page"
                    if kind not in ("page", "column"):
                        parts.append("\n")
                elif tag == _TR:
                    cells, before, marks = [], 0, 0
                elif tag == _GRID_SPAN:
                    span = int(el.get(_VAL) or 1)
                elif tag == _V_MERGE:
                    continued = (el.get(_VAL) or "continue") == "continue"
                elif tag == _GRID_BEFORE:
                    before = int(el.get(_VAL) or 0)
                elif tag in _PAGE_ENDS:
                    marks += 1
                elif tag == _TBL and el is not tbl:
                    nested.append(el)  # read after this table; its own text is not this cell's
                    walker.skip_subtree()
                elif tag in _PROPERTY_CHANGES:
                    walker.skip_subtree()  # tracked changes: the spans a cell had before an edit
            elif tag == _P:
                depth -= 1
                if not depth:
                    paragraphs.append("".join(parts))
            elif tag == _TC:
                # a cell continued from above is read once, in the cell that starts the merge
                cells.append(("" if continued else "\n".join(paragraphs), span))
            elif tag == _TR:
                rows.append(self._row(cells, before, grid, len(rows) + 1, marks))
        self.tables.append(RawTable(index=len(self.tables), rows=tuple(rows)))
        for inner in nested:
            self.table(inner)

    def _row(self, tcs: list[tuple[str, int]], before: int, grid: int, n: int, marks: int) -> RawRow:
        """Cells placed at their grid columns; a merged cell's text sits in its first."""
        width = max(grid, before + sum(span for _, span in tcs))
        cells, spans = [""] * width, [1] * width
        col = before
        for text, span in tcs:
            cells[col] = text
            for covered in range(col + 1, min(col + span, width)):
                spans[covered] = 0
            spans[col] = span
            col += span
        row = RawRow(
            cells=tuple(cells),
            spans=tuple(spans),
            line_no=n,
            page=self.page if self.has_pages else None,
            break_before=marks > 0 and n > 1,
        )
        self.page += marks if self.has_pages else 0
        return row

    def linked_blocks(self) -> list[TextBlock]:
        n_tables = len(self.tables)
        for b, before in self.blocks:  # made by this reader: set in place, as extract_text does
            b.before_table = before if before < n_tables else None
        return [b for b, _ in self.blocks]

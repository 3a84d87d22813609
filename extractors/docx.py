"""Word reports (.docx): tables anywhere in the body, paragraphs around them.

python-docx's `row.cells` repeats a merged cell at every grid position it covers, by
design; reading the row's `w:tc` elements instead gives each cell once, placed at its grid
column (after `w:gridBefore`, spanning `w:gridSpan`). A cell continued from above
(`w:vMerge` continue) is empty here: its text belongs to the cell that starts the merge.
Tables nested in a cell come out as tables of their own, after the one that holds them.
"""

from __future__ import annotations

import io

from docx import Document as open_docx
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
# python-docx opens and checks the package; the body is then walked as a plain lxml tree
# (one copy, made in C): python-docx's element classes cost a Python object for every
# node visited, which made a 200-row table take longer than the rest of the pipeline.
_TC_PR, _GRID_SPAN, _V_MERGE, _VAL = qn("w:tcPr"), qn("w:gridSpan"), qn("w:vMerge"), qn("w:val")
_TR_PR, _GRID_BEFORE, _TC = qn("w:trPr"), qn("w:gridBefore"), qn("w:tc")
_BEFORE_PROPS = {qn("w:tblPrEx")}  # what may precede w:trPr in a row


def extract_docx(data: bytes) -> Document:
    check_zip(data, "Word")
    try:
        doc = open_docx(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors …
        raise ExtractionError(f"damaged Word file ({type(exc).__name__}): open it in Word and save it again") from None
    body = etree.fromstring(etree.tostring(doc.element.body))
    has_pages = bool(_PAGE_MARKS(body))
    reader = _Reader(has_pages)
    for child in body.iterchildren(_P, _TBL):
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


_T, _TAB, _BR, _CR, _TYPE = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:type")


def _text(p: etree._Element) -> str:
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


def _props(element: etree._Element, pr_tag: str) -> dict[str, etree._Element]:
    """The children of an element's properties (w:tcPr, w:trPr) by tag. The schema puts
    the properties first; walking their children is C work, where find() is Python."""
    for child in element:
        if child.tag == pr_tag:
            return {el.tag: el for el in child}
        if child.tag not in _BEFORE_PROPS:
            break
    return {}


def _int_prop(props: dict[str, etree._Element], tag: str, default: int) -> int:
    el = props.get(tag)
    return int(el.get(_VAL, default)) if el is not None else default


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
        grid = len(tbl.findall(_GRID_COL))
        rows: list[RawRow] = []
        nested: list[etree._Element] = []
        for n, tr in enumerate(tbl.iterchildren(_TR), start=1):
            marks = _page_marks(tr) if self.has_pages else 0
            tcs = tr.findall(_TC)
            tc_props = [_props(tc, _TC_PR) for tc in tcs]
            tc_spans = [_int_prop(props, _GRID_SPAN, 1) for props in tc_props]
            before = _int_prop(_props(tr, _TR_PR), _GRID_BEFORE, 0)
            width = max(grid, before + sum(tc_spans))
            cells, spans = [""] * width, [1] * width
            col = before
            for tc, props, span in zip(tcs, tc_props, tc_spans, strict=True):
                merge = props.get(_V_MERGE)
                if merge is None or merge.get(_VAL, "continue") != "continue":
                    cells[col] = self._cell_text(tc, nested)
                else:
                    nested.extend(tc.iterchildren(_TBL))
                for covered in range(col + 1, min(col + span, width)):
                    spans[covered] = 0
                spans[col] = span
                col += span
            rows.append(
                RawRow(
                    cells=tuple(cells),
                    spans=tuple(spans),
                    line_no=n,
                    page=self.page if self.has_pages else None,
                    break_before=marks > 0 and n > 1,
                )
            )
            self.page += marks
        self.tables.append(RawTable(index=len(self.tables), rows=tuple(rows)))
        for inner in nested:
            self.table(inner)

    @staticmethod
    def _cell_text(tc: etree._Element, nested: list[etree._Element]) -> str:
        parts = []
        for child in tc.iterchildren(_P, _TBL):
            if child.tag == _P:
                parts.append(_text(child))
            else:
                nested.append(child)
        return "\n".join(parts)

    def linked_blocks(self) -> list[TextBlock]:
        n_tables = len(self.tables)
        return [
            b.model_copy(update={"before_table": before if before < n_tables else None}) for b, before in self.blocks
        ]

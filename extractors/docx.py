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
from docx.oxml.ns import qn
from docx.oxml.table import CT_Tbl, CT_Tc
from docx.oxml.text.paragraph import CT_P

from extractors.base import Document, ExtractionError, RawRow, RawTable, TextBlock
from extractors.ziputil import check_zip

# Where Word marks page ends: explicit breaks, "page break before", and the breaks Word
# records where pages ended when it last laid the document out.
_PAGE_MARKS = ".//w:br[@w:type='page'] | .//w:lastRenderedPageBreak | .//w:pageBreakBefore"
# python-docx's element properties are convenient but slow on a 200-row table; these few
# attributes are read with lxml directly.
_TC_PR, _GRID_SPAN, _V_MERGE, _VAL = qn("w:tcPr"), qn("w:gridSpan"), qn("w:vMerge"), qn("w:val")
_TR_PR, _GRID_BEFORE, _TC = qn("w:trPr"), qn("w:gridBefore"), qn("w:tc")


def extract_docx(data: bytes) -> Document:
    check_zip(data, "Word")
    try:
        doc = open_docx(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors …
        raise ExtractionError(f"damaged Word file ({type(exc).__name__}): open it in Word and save it again") from None
    body = doc.element.body
    has_pages = bool(body.xpath(_PAGE_MARKS))
    reader = _Reader(has_pages)
    for child in body.iterchildren():
        if isinstance(child, CT_P):
            reader.paragraph(child)
        elif isinstance(child, CT_Tbl):
            reader.table(child)
    return Document(
        format="docx",
        tables=tuple(reader.tables),
        blocks=tuple(reader.linked_blocks()),
        n_pages=reader.page if has_pages else None,
    )


_T, _TAB, _BR, _CR, _TYPE = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:type")


def _text(p: CT_P) -> str:
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
    return len(element.xpath(_PAGE_MARKS))


def _int_attr(parent, path: tuple[str, str], default: int) -> int:
    pr = parent.find(path[0])
    el = pr.find(path[1]) if pr is not None else None
    return int(el.get(_VAL, default)) if el is not None else default


def _v_merge(tc) -> str | None:
    pr = tc.find(_TC_PR)
    el = pr.find(_V_MERGE) if pr is not None else None
    return None if el is None else el.get(_VAL, "continue")


class _Reader:
    def __init__(self, has_pages: bool) -> None:
        self.has_pages = has_pages
        self.page = 1
        self.tables: list[RawTable] = []
        self.blocks: list[tuple[TextBlock, int]] = []  # (block, number of tables before it)

    def paragraph(self, p: CT_P) -> None:
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

    def table(self, tbl: CT_Tbl) -> None:
        grid = len(tbl.tblGrid.gridCol_lst) if tbl.tblGrid is not None else 0
        rows: list[RawRow] = []
        nested: list[CT_Tbl] = []
        for n, tr in enumerate(tbl.tr_lst, start=1):
            marks = _page_marks(tr) if self.has_pages else 0
            tcs = tr.findall(_TC)
            tc_spans = [_int_attr(tc, (_TC_PR, _GRID_SPAN), 1) for tc in tcs]
            before = _int_attr(tr, (_TR_PR, _GRID_BEFORE), 0)
            width = max(grid, before + sum(tc_spans))
            cells, spans = [""] * width, [1] * width
            col = before
            for tc, span in zip(tcs, tc_spans, strict=True):
                if _v_merge(tc) != "continue":
                    cells[col] = self._cell_text(tc, nested)
                else:
                    nested.extend(tc.xpath("./w:tbl"))
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
    def _cell_text(tc: CT_Tc, nested: list[CT_Tbl]) -> str:
        parts = []
        for child in tc.iterchildren():
            if isinstance(child, CT_P):
                parts.append(_text(child))
            elif isinstance(child, CT_Tbl):
                nested.append(child)
        return "\n".join(parts)

    def linked_blocks(self) -> list[TextBlock]:
        n_tables = len(self.tables)
        return [
            b.model_copy(update={"before_table": before if before < n_tables else None}) for b, before in self.blocks
        ]

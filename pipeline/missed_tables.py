"""A statistics table whose header was not recognised, told by its rows.

Header words are data (schema/layout.yaml); a form that heads its label column with a
word the file does not list ("Hạng mục", "Tiêu chí") leaves the statistics table
unrecognised, and every number of the report goes to tables.parquet cell by cell. Left
at that, the report would say "ok" with no facts. The rows still say what the table is:
when one column's cells name the form's indicators, row after row, the analyst is told
which table it is and what to add to layout.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass

from extractors.base import RawTable
from normalize.text import clean_cell
from pipeline.models import Finding
from schema.load import Layout
from schema.match import Matcher, Query


@dataclass(frozen=True)
class LookalikeSettings:
    # Labels naming an indicator, at the least, among the sample: 004's tables other than
    # its score tables name none of their first dozen; a statistics table names 11 of 12.
    min_named: int = 8
    # Share of the column's labels that name an indicator: a CCHC table names nearly all.
    min_share: float = 0.5
    # A cell shorter than this is a number, an STT or a unit, never a label.
    min_label_length: int = 8
    # Labels of a column matched, at the most. Two dozen: a dozen told a statistics table
    # until labels came cut in two by page breaks (half the sample then is fragments naming
    # nothing: 6 of 12, 15 of 24); 004's tables name at most 3 of 24. Matching every cell
    # of 004's thirteen tables took half a second, 24 a column 0.2 s.
    sample: int = 24


SETTINGS = LookalikeSettings()


def statistics_lookalike(
    tables: list[RawTable],
    layout: Layout,
    matcher: Matcher,
    templates: list[str],
    settings: LookalikeSettings = SETTINGS,
) -> Finding | None:
    """An error finding for the first table that reads as a statistics table by its
    labels, or None. Only called when no table was recognised by its header."""
    for table in tables:
        named, labels = _best_label_column(table, matcher, templates, settings)
        if _names_enough(named, labels, settings):
            header = " | ".join(c for c in map(clean_cell, table.rows[0].cells) if c)
            found = {layout.role_of(c) for row in table.rows[:3] for c in row.cells}
            missing = ", ".join(r for r in layout.required if r not in found)
            why = (
                f"its header ('{header}') names no {missing} column"
                if missing
                else f"its header ('{header}') names its columns over rows in an order not understood"
            )
            fix = (
                "add the header's words to schema/layout.yaml"
                if missing
                else "type the header as one row of column names, or two (then 'Đơn vị tính | Số liệu'), "
                "and send it again"
            )
            return Finding(
                rule="statistics_table_unrecognised",
                severity="error",
                message=f"table {table.index + 1} reads as the statistics table ({named} of the first {labels} "
                f"labels of a column name indicators of the form) but {why}, so none of its values were read "
                f"(its cells are in tables.parquet): {fix}",
            )
    return None


def names_indicators(
    table: RawTable, matcher: Matcher, templates: list[str], settings: LookalikeSettings = SETTINGS
) -> bool:
    """Whether one column of the table names the form's indicators, row after row: what
    tells a statistics table whose header or page furniture do not (pipeline/assemble.py's
    statistics_tables)."""
    return _names_enough(*_best_label_column(table, matcher, templates, settings), settings)


def _names_enough(named: int, labels: int, settings: LookalikeSettings) -> bool:
    return named >= settings.min_named and named >= settings.min_share * labels


def _best_label_column(
    table: RawTable, matcher: Matcher, templates: list[str], settings: LookalikeSettings
) -> tuple[int, int]:
    """(labels naming an indicator, labels) of the column naming most."""
    best = (0, 0)
    width = max((len(r.cells) for r in table.rows), default=0)
    for col in range(width):
        labels = [
            text
            for r in table.rows
            if col < len(r.cells)
            and len(text := clean_cell(r.cells[col])) >= settings.min_label_length
            and any(ch.isalpha() for ch in text)
        ][: settings.sample]
        if len(labels) < settings.min_named:
            continue
        result = matcher.match([Query(text, None, None) for text in labels], templates)
        named = sum(1 for m in result.matches if m.indicator_id and not m.needs_review)
        best = max(best, (named, len(labels)))
    return best

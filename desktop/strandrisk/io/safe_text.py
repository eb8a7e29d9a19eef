"""Text that came from input files must never become a formula in anything StrandRisk exports.

Spreadsheet programs treat a cell starting with ``= + - @`` (and, in CSV, a leading tab or carriage
return) as a formula: a provider called ``=HYPERLINK(...)`` would run when a report is opened. The
Excel report keeps the exact text but stores it as a string cell (see ``xlsx_text``); CSV and TSV
exports, which carry no cell types, prefix such text with an apostrophe (see ``neutralise``).
"""

from __future__ import annotations

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# XML 1.0 cannot carry these control characters; openpyxl refuses them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def looks_like_formula(text: str) -> bool:
    return bool(text) and text[0] in FORMULA_TRIGGERS


def neutralise(value) -> str:
    """Text for a CSV/TSV cell: anything starting like a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if looks_like_formula(text) else text


def xlsx_text(value) -> str:
    """Text for an xlsx string cell: unchanged except for control characters XML cannot hold."""
    text = "" if value is None else str(value)
    return _ILLEGAL_XML.sub("\ufffd", text)


def tsv_cell(value) -> str:
    """Text for one TSV cell: neutralised, with tabs and line breaks turned into spaces so the table
    keeps its shape when pasted."""
    return neutralise(value).replace("\t", " ").replace("\r", " ").replace("\n", " ")


def tsv_line(values) -> str:
    """One TSV line (the app's copy-as-TSV): neutralised cells, tabs and line breaks inside cells
    replaced by spaces so the table keeps its shape."""
    cells = []
    for v in values:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            cells.append(repr(v) if isinstance(v, float) else str(v))
            continue
        cells.append(tsv_cell(v))
    return "\t".join(cells)

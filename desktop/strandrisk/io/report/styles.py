"""Cell styles and a fast row writer for the write-only report workbook.

Styles are built once on a template cell and copied to each cell as a style array: assigning Font or
Fill objects cell by cell costs a hash lookup per attribute and dominates the time of big sheets.
"""

from __future__ import annotations

import copy
import math

import numpy as np
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RegularTextRun
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ...core.inputs import fy_label
from ..safe_text import xlsx_text

NHS_BLUE = "005EB8"
DARK_BLUE = "003087"
PALE_BLUE = "E8EDEE"
RAG_FILLS = {1: "C6EFCE", 2: "E2F0D9", 3: "FFEB9C", 4: "FFC7CE"}
RAG_WORDS = {1: "green", 2: "green", 3: "amber", 4: "red"}

MONEY = '#,##0.0;(#,##0.0);"-"'
MONEY0 = '#,##0;(#,##0);"-"'
DAYS = '#,##0.0;(#,##0.0);"0.0"'
PERCENT = '0.0%;(0.0%);"0.0%"'
RATIO = '0.00;(0.00);"0.00"'
PROB = '0%'
MULT = '0.00"x"'
INT = '0'
GENERAL = 'General'
FACTOR = '0.000000'

_thin = Side(style="thin", color="AEB7BD")


class _ReportCell(Cell):
    """A cell whose repr is cheap: openpyxl's write-only append formats a message with the repr of
    every Cell object it is given before accepting it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<ReportCell>"


_new_cell = object.__new__


def _specs():
    base = dict(font=Font(name="Arial", size=9))
    head = dict(font=Font(name="Arial", size=9, bold=True, color="FFFFFF"),
                fill=PatternFill("solid", fgColor=NHS_BLUE),
                alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
                border=Border(bottom=_thin))
    specs = {
        "text": base,
        "text_wrap": dict(font=Font(name="Arial", size=9), alignment=Alignment(wrap_text=True, vertical="top")),
        "bold": dict(font=Font(name="Arial", size=9, bold=True)),
        "text_right": dict(base, alignment=Alignment(horizontal="right")),
        "head_wrap": dict(font=Font(name="Arial", size=9, bold=True),
                          alignment=Alignment(wrap_text=True, vertical="bottom")),
        "title": dict(font=Font(name="Arial", size=14, bold=True, color=DARK_BLUE)),
        "subtitle": dict(font=Font(name="Arial", size=11, bold=True, color=NHS_BLUE)),
        "note": dict(font=Font(name="Arial", size=9, italic=True, color="425563")),
        "note_wrap": dict(font=Font(name="Arial", size=9, italic=True, color="425563"),
                          alignment=Alignment(wrap_text=True, vertical="top")),
        "reading": dict(font=Font(name="Arial", size=10), alignment=Alignment(wrap_text=True, vertical="top")),
        "head": head,
        "head_left": dict(head, alignment=Alignment(horizontal="left", vertical="center", wrap_text=True)),
        "section": dict(font=Font(name="Arial", size=9, bold=True, color=DARK_BLUE),
                        fill=PatternFill("solid", fgColor=PALE_BLUE)),
        "input": dict(font=Font(name="Arial", size=9, color="0000FF")),
        "input_money": dict(font=Font(name="Arial", size=9, color="0000FF"), number_format=MONEY),
        "input_num": dict(font=Font(name="Arial", size=9, color="0000FF"), number_format=GENERAL),
        "input_factor": dict(font=Font(name="Arial", size=9, color="0000FF"), number_format=FACTOR),
        "check": dict(font=Font(name="Arial", size=9, bold=True), number_format='0.000000',
                      fill=PatternFill("solid", fgColor="FFF2CC")),
    }
    for name, fmt in (("money", MONEY), ("money0", MONEY0), ("days", DAYS), ("percent", PERCENT),
                      ("ratio", RATIO), ("prob", PROB), ("mult", MULT), ("int", INT), ("num", GENERAL),
                      ("factor", FACTOR)):
        specs[name] = dict(base, number_format=fmt)
        specs[name + "_bold"] = dict(font=Font(name="Arial", size=9, bold=True), number_format=fmt)
    for band, colour in RAG_FILLS.items():
        specs[f"rag{band}"] = dict(font=Font(name="Arial", size=9, bold=True),
                                   fill=PatternFill("solid", fgColor=colour),
                                   alignment=Alignment(horizontal="center"), number_format=INT)
    return specs


class Styles:
    """Style arrays registered once with the workbook, copied onto cells by name."""

    def __init__(self, wb):
        self._arrays = {}
        probe_ws = wb.create_sheet("__probe__")
        for name, spec in _specs().items():
            cell = WriteOnlyCell(probe_ws, None)
            for attr, value in spec.items():
                setattr(cell, attr, value)
            self._arrays[name] = cell._style
        wb.remove(probe_ws)

    def apply(self, cell, name: str):
        cell._style = copy.copy(self._arrays[name])
        return cell


class SheetWriter:
    """Appends rows to a write-only sheet, keeping count of the row number."""

    def __init__(self, wb, title: str, styles: Styles):
        self.ws = wb.create_sheet(title)
        # Every row this writer appends holds ready-made cells (or None): position them directly instead
        # of openpyxl's per-value conversion, which tries each cell as a value and formats an error first.
        self.ws._values_to_row = _positioned_cells
        self.styles = styles
        self.row = 0  # last written row (1-based)

    def _make(self, value, data_type: str, style: str | None):
        """A write-only cell built without openpyxl's type sniffing (the type is known here); cells of
        one style share one style array, which nothing mutates."""
        c = _new_cell(_ReportCell)
        c.row = c.column = 1
        c.parent = self.ws
        c._value = value
        c.data_type = data_type
        c._hyperlink = None
        c._comment = None
        c._style = self.styles._arrays[style or "text"]
        return c

    def cell(self, value, style: str | None = None, text: bool = False):
        """A value cell. Strings are always stored as strings, never as formulas: formulas go
        through ``formula``."""
        if text or isinstance(value, str):
            return self._make(xlsx_text(value), "s", style)
        if value is None:
            return self._make(None, "n", style)
        if isinstance(value, bool):
            return self._make(value, "b", style)
        if isinstance(value, (int, np.integer)):
            return self._make(int(value), "n", style)
        value = float(value)
        if math.isnan(value) or math.isinf(value):
            value = None
        return self._make(value, "n", style)

    def text(self, value, style: str | None = "text"):
        """A cell that is always a string, whatever it starts with (input text)."""
        return self._make(xlsx_text("" if value is None else str(value)), "s", style)

    def formula(self, expr: str, style: str | None = None):
        return self._make(expr if expr.startswith("=") else "=" + expr, "f", style)

    def append(self, cells=(), height: float | None = None) -> int:
        if height is not None:
            self.ws.row_dimensions[self.row + 1].height = height
        self.ws.append(list(cells))
        self.row += 1
        return self.row

    def blank(self, n: int = 1) -> None:
        for _ in range(n):
            self.append([])

    def widths(self, widths) -> None:
        for i, w in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = w

    def merge(self, first_col: int, last_col: int, row: int | None = None) -> None:
        row = self.row if row is None else row
        self.ws.merged_cells.add(f"{col(first_col)}{row}:{col(last_col)}{row}")

    def page(self, title: str, scenario_name: str, *, header_rows: str | None = None,
             freeze: str | None = None, landscape: bool = True, pages_wide: int = 1) -> None:
        """A4 landscape, fit to one page wide, repeated header rows, footer with page numbers."""
        ws = self.ws
        ws.page_setup.paperSize = "9"  # A4
        ws.page_setup.orientation = "landscape" if landscape else "portrait"
        ws.page_setup.fitToWidth = pages_wide
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.6
        ws.print_options.horizontalCentered = False
        if header_rows:
            ws.print_title_rows = header_rows
        if freeze:
            ws.freeze_panes = freeze
        footer_title = _footer_safe(f"StrandRisk: {title}")
        ws.oddFooter.left.text = footer_title
        ws.oddFooter.left.size = 8
        ws.oddFooter.center.text = _footer_safe(scenario_name)
        ws.oddFooter.center.size = 8
        ws.oddFooter.right.text = "Page &P of &N"
        ws.oddFooter.right.size = 8


def _positioned_cells(values, row_idx: int):
    for col_idx, cell in enumerate(values, 1):
        if cell is None:
            continue
        cell.column = col_idx
        cell.row = row_idx
        yield cell


def _footer_safe(text: str) -> str:
    """Header/footer text treats '&' as a code: double it so scenario names print as typed."""
    return xlsx_text(text).replace("&", "&&")[:100]


def col(i: int) -> str:
    return get_column_letter(i)


def title_rows(w: SheetWriter, ctx, title: str, subtitle: str | None = None) -> None:
    """A sheet's title, the scenario line and an optional subtitle (three rows)."""
    w.append([w.cell(title, "title")])
    w.append([w.text(f"Scenario: {ctx.name}   Base year {fy_label(ctx.sy.base_year)}   "
                     f"Horizon {ctx.H} years   All money £000", "note")])
    w.append([w.cell(subtitle, "note")] if subtitle else [])


def header(w: SheetWriter, labels, style="head") -> int:
    return w.append([w.cell(label, style) for label in labels], height=26)


def chart_title(chart, text: str, size: int = 1100) -> None:
    """A chart title in a readable size (the default is large and wraps)."""
    cp = CharacterProperties(sz=size, b=True)
    para = Paragraph(pPr=ParagraphProperties(defRPr=cp), r=[RegularTextRun(rPr=cp, t=text)])
    chart.title = Title(tx=Text(rich=RichText(p=[para])), overlay=False)

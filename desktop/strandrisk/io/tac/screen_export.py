"""The England screen's files: the derived inputs in the template's layout, and the screen workbook.

Both are written through ``io/atomic.py``: a failure leaves any earlier file as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np

from ...core import schema
from ...core.inputs import fy_label
from ..atomic import TargetNotWritable, atomic_path, save_workbook, write_bytes_atomic
from ..safe_text import xlsx_text
from ..spreadsheets.mapping import EXAMPLE_MARKER_HEADER
from .screen import CAVEAT, COLUMNS, ScreenResult, shown_value

BASIS_SHEET = "Derived from TAC"


def _cell(col: schema.Column, v):
    if v is None:
        return None
    if col.type == schema.BOOL:
        return "Yes" if v else "No"
    if col.type == schema.DATE:
        return None if np.isnat(v) else dt.date.fromisoformat(str(np.datetime64(v, "D")))
    if isinstance(v, (float, np.floating)):
        if math.isnan(v):
            return None
        if col.type == schema.FY:
            return fy_label(int(v))
        return float(v)
    return v


def _input_sheets(wb, sr: ScreenResult) -> None:
    """One sheet per input kind in the template's layout (Row type column first), then the basis."""
    from openpyxl.styles import Font

    tables = sr.tac.tables
    basis = sr.tac.derivation.basis
    for kind in schema.INPUT_KINDS:
        ws = wb.create_sheet(kind.sheet)
        ws.append([EXAMPLE_MARKER_HEADER] + [c.header for c in kind.columns])
        for c in ws[1]:
            c.font = Font(bold=True)
        table = tables[kind.key]
        cols = [table[c.name] for c in kind.columns]
        for i in range(table.n_rows):
            ws.append([None] + [_cell(c, arr[i]) for c, arr in zip(kind.columns, cols)])
    ws = wb.create_sheet(BASIS_SHEET)
    ws.append(["Input", "Row", "Trust", "Derived from (file: trust SubCodes)"])
    for kind in schema.INPUT_KINDS:
        owner = "acute_provider_code" if kind.key == "community_budgets" else "provider_code"
        table = tables[kind.key]
        for i, text in enumerate(basis[kind.key]):
            ws.append([kind.sheet, i + 2, str(table[owner][i]), text])


def write_inputs(sr: ScreenResult, folder: Path, inputs_paths=()) -> Path:
    """DIR/inputs.xlsx (the four input sheets as the template lays them out) and DIR/scenario.json."""
    from openpyxl import Workbook

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "inputs.xlsx"
    _refuse_inputs(target, inputs_paths)
    wb = Workbook()
    wb.remove(wb.active)
    _input_sheets(wb, sr)
    _text_stays_text(wb)
    with atomic_path(target) as tmp:
        save_workbook(wb, tmp)
    write_bytes_atomic(folder / "scenario.json",
                       json.dumps(sr.scenario.to_dict(), indent=1, ensure_ascii=False).encode("utf-8"))
    return target


def _refuse_inputs(target: Path, inputs_paths) -> None:
    for p in inputs_paths:
        if Path(p).resolve() == Path(target).resolve():
            raise TargetNotWritable(f"{Path(target).name} is one of the TAC files the screen read: choose another "
                                    "name (nothing was written)")


def write_screen_workbook(sr: ScreenResult, path: Path, inputs_paths=()) -> Path:
    """Ranked table, flags, the scatter (native chart), derived inputs, the scenario and settings, the caveat."""
    from openpyxl import Workbook
    from openpyxl.chart import Reference, ScatterChart, Series
    from openpyxl.chart.shapes import GraphicalProperties
    from openpyxl.drawing.line import LineEndProperties, LineProperties
    from openpyxl.styles import Alignment, Font

    from ...core.labels import FORM_LABELS, colour_hex

    path = Path(path)
    _refuse_inputs(path, inputs_paths)
    wb = Workbook()
    ws = wb.active
    ws.title = "Ranked"
    ws.append([f"England screen - scenario '{sr.scenario.name}', base year {sr.scenario.to_dict().get('base_year')}"
               " (GBP 000)"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([CAVEAT])
    ws["A2"].alignment = Alignment(wrap_text=False)
    ws.append([])
    ws.append([h for _, h in COLUMNS])
    for c in ws[4]:
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[4].height = 30  # two lines of heading: LibreOffice does not grow a row for wrapped text
    for r in sr.rows:
        ws.append([_xl(shown_value(k, r.get(k))) for k, _ in COLUMNS])
    ws.freeze_panes = "D5"
    ws.page_setup.orientation = "landscape"  # printed: each page repeats the header and the trust's code and name
    ws.print_title_rows = "4:4"
    ws.print_title_cols = "A:C"
    for j, (k, _) in enumerate(COLUMNS, start=1):
        letter = ws.cell(4, j).column_letter
        ws.column_dimensions[letter].width = (40 if k in ("provider_name", "flags") else 6 if k == "rank" else
                                              8 if k == "provider_code" else 22 if k in ("region", "status") else 14)
        fmt = ("0.00" if k.endswith("_pct") else "0.00" if k in ("kappa", "variable_share", "semi_fixed_share",
                                                                  "api_variable_share", "community_share",
                                                                  "opening_cash_days") else "#,##0;(#,##0)")
        for i in range(5, 5 + len(sr.rows)):
            ws.cell(i, j).number_format = fmt

    flags = wb.create_sheet("Flags")
    flags.append(["Code", "Trust", "Status", "Reasons", "Flag"])
    for t in sr.trusts:
        for f in t.flags or [""]:
            flags.append([t.code, t.name, shown_value("status", t.status), "; ".join(t.reasons), f])
    flags.column_dimensions["B"].width = 40
    flags.column_dimensions["D"].width = 50
    flags.column_dimensions["E"].width = 90

    # the scatter: acute-only and integrated points, and a gap-separated line from one to the other per trust
    pts = wb.create_sheet("Scatter data")
    pts.append(["Code", "Stranded % acute-only", "Surplus % acute-only", "Stranded % integrated",
                "Surplus % integrated", "Arrow x", "Arrow y"])
    screened = [r for r in sr.rows if r["status"] == "screened" and r.get("ao_stranded_pct") is not None]
    for r in screened:
        pts.append([r["provider_code"], r["ao_stranded_pct"], r["ao_cum_surplus_pct"], r["in_stranded_pct"],
                    r["in_cum_surplus_pct"]])
    arrow_row = 2
    for r in screened:
        for x, y in ((r["ao_stranded_pct"], r["ao_cum_surplus_pct"]), (r["in_stranded_pct"], r["in_cum_surplus_pct"]),
                     (None, None)):
            pts.cell(arrow_row, 6, x)
            pts.cell(arrow_row, 7, y)
            arrow_row += 1
    chart = ScatterChart()
    chart.title = "Stranded cost and cumulative surplus"
    chart.style = 13
    chart.x_axis.title = "NPV stranded cost, % of acute contract income"
    chart.y_axis.title = "Cumulative surplus, % of income"
    chart.display_blanks = "gap"
    chart.x_axis.tickLblPos = "low"  # axis labels at the edge, not where the other axis crosses zero
    chart.y_axis.tickLblPos = "low"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    n = len(screened)
    if n:
        arrows = Series(Reference(pts, min_col=7, min_row=2, max_row=arrow_row - 1),
                        Reference(pts, min_col=6, min_row=2, max_row=arrow_row - 1), title="Acute-only to integrated")
        arrows.marker.symbol = "none"
        arrows.graphicalProperties = GraphicalProperties(ln=LineProperties(solidFill="A6A6A6", w=9525,
                                                                           tailEnd=LineEndProperties(type="triangle")))
        arrows.smooth = False
        chart.series.append(arrows)
        for col_x, col_y, form in ((2, 3, "acute_only"), (4, 5, "integrated")):
            s = Series(Reference(pts, min_col=col_y, min_row=2, max_row=n + 1),
                       Reference(pts, min_col=col_x, min_row=2, max_row=n + 1), title=FORM_LABELS[form])
            s.marker.symbol = "circle"
            s.marker.size = 6
            s.marker.graphicalProperties = GraphicalProperties(solidFill=colour_hex(form),
                                                               ln=LineProperties(solidFill=colour_hex(form)))
            s.graphicalProperties = GraphicalProperties(ln=LineProperties(noFill=True))
            chart.series.append(s)
    chart.width, chart.height = 24, 14
    sheet = wb.create_sheet("Scatter", 1)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.append(["Each trust: a red point (acute-only) and a blue point (integrated), joined by a grey line "
                  "with an arrow towards the integrated form. Data: the Scatter data sheet."])
    sheet.add_chart(chart, "A3")

    _input_sheets(wb, sr)
    info = wb.create_sheet("Scenario and settings")
    info.append(["Screen setting", "Value"])
    for k, v in sr.settings.to_dict().items():
        info.append([k, v if not isinstance(v, float) else float(v)])
    for k, v in sr.tac.derivation.peers.items():
        info.append([f"used: {k}", _xl(v)])
    info.append([])
    info.append(["Scenario key", "Value"])
    for k, v in sr.scenario.to_dict().items():
        info.append([k, v if isinstance(v, (int, float, str, bool)) or v is None else json.dumps(v)])
    info.append([])
    info.append(["Caveat", CAVEAT])
    info.column_dimensions["A"].width = 40
    info.column_dimensions["B"].width = 60
    _text_stays_text(wb)
    with atomic_path(path) as tmp:
        save_workbook(wb, tmp)
    return path


def _text_stays_text(wb) -> None:
    """Names and notes from the TAC files are stored as text cells, never as formulas: openpyxl takes any
    string starting with '=' for a formula (a trust named '=HYPERLINK(...)' would run when opened)."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.value = xlsx_text(cell.value)
                    cell.data_type = "s"


def _xl(v):
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) or math.isinf(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


__all__ = ["write_inputs", "write_screen_workbook"]

"""`strandrisk template PATH`: a blank input workbook derived from core/schema.py.

One sheet per input kind with friendly headers and units, drop-down lists for enumerations and
Yes/No columns, number formats, header comments holding the help, an Instructions sheet, and one
example row per sheet marked 'Example' in the Row type column (the importer skips it).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ...core import schema
from ...core.inputs import fy_label
from ..helptext import column_rows, plausible_words
from .mapping import EXAMPLE_MARKER_HEADER, EXAMPLE_MARKER_VALUE

INPUT_ROWS = 2000  # rows given drop-downs and formats

NUMBER_FORMATS = {
    schema.MONEY: "#,##0;(#,##0)", schema.NUMBER: "#,##0.00", schema.COUNT: "#,##0", schema.SHARE: "0.0%",
    schema.DATE: "dd/mm/yyyy", schema.FY: "@", schema.MONTH: "@", schema.YEARS: "0.0", schema.TEXT: "@",
    schema.CODE: "@",
}

INSTRUCTIONS = (
    "StrandRisk input template",
    "",
    "Fill in one sheet per input kind. Keep the header row; add your rows below the example.",
    "The row marked 'Example' in the Row type column is ignored on import: overwrite it or leave it.",
    "Money is in thousands of pounds (£000). Shares are fractions: type 30% or 0.3.",
    "Financial years are written like 2025/26. Months are M1 (April) to M12 (March).",
    "Every number and date must be plausible (see Plausible values below): money within ±£50bn, counts from",
    "0 up, dates and financial years from 2000 to 2100. Text such as nan, inf or #N/A is an error, not a blank.",
    "You do not have to use this template: StrandRisk also reads your own workbooks and CSV files",
    "and recognises their headers. Run `strandrisk check FILE` to see what it finds.",
    "",
)


def _example_value(col: schema.Column, value):
    if value is None:
        return None
    if col.type == schema.BOOL:
        return "Yes" if value else "No"
    if col.type == schema.DATE:
        return dt.date.fromisoformat(str(value))
    if col.type == schema.FY and isinstance(value, (int, float)):
        return fy_label(int(value))
    return value


def write_template(path) -> Path:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from ..atomic import atomic_path, save_workbook

    path = Path(path)
    wb = Workbook()
    info = wb.active
    info.title = "Instructions"
    for line in INSTRUCTIONS:
        info.append([line])
    info["A1"].font = Font(bold=True, size=14)
    for kind in schema.INPUT_KINDS:
        info.append([kind.sheet])
        info.cell(info.max_row, 1).font = Font(bold=True, size=12)
        info.append([kind.help])
        info.append(["Header", "Type and unit", "Needed", "Allowed values", "Meaning", "Plausible values"])
        for c in range(1, 7):
            info.cell(info.max_row, c).font = Font(bold=True)
        for r in column_rows(kind):
            info.append([r["header"], r["type"], r["need"], r["allowed"], r["help"], r["limits"]])
        info.append([])
    info.column_dimensions["A"].width = 34
    info.column_dimensions["B"].width = 30
    info.column_dimensions["C"].width = 26
    info.column_dimensions["D"].width = 36
    info.column_dimensions["E"].width = 90
    info.column_dimensions["F"].width = 60

    header_fill = PatternFill("solid", fgColor="DDEBF7")
    example_fill = PatternFill("solid", fgColor="F2F2F2")
    for kind in schema.INPUT_KINDS:
        ws = wb.create_sheet(kind.sheet)
        ws.append([EXAMPLE_MARKER_HEADER] + [c.header for c in kind.columns])
        ws.append([EXAMPLE_MARKER_VALUE] + [_example_value(c, kind.example.get(c.name)) for c in kind.columns])
        ws.freeze_panes = "B2"
        ws.column_dimensions["A"].width = 11
        ws["A1"].comment = Comment("Rows marked Example here are ignored on import. Leave it blank on your rows.",
                                   "StrandRisk")
        for j, col in enumerate(kind.columns, start=2):
            letter = get_column_letter(j)
            cell = ws.cell(1, j)
            cell.font = Font(bold=True)
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            need = "Required. " if col.required else ""
            limits = plausible_words(col)
            limits = f" Plausible values: {limits}; anything outside is an error." if limits else ""
            cell.comment = Comment(f"{need}{col.help}{limits}", "StrandRisk")
            ws.column_dimensions[letter].width = max(14, min(34, len(col.header) + 4))
            fmt = NUMBER_FORMATS.get(col.type)
            ex = ws.cell(2, j)
            if fmt:
                ws.column_dimensions[letter].number_format = fmt
                ex.number_format = fmt
            ex.fill = example_fill
            ex.font = Font(italic=True, color="7F7F7F")
            values = col.allowed if col.type == schema.ENUM else ("Yes", "No") if col.type == schema.BOOL else ()
            if values:
                dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                                    showErrorMessage=False)
                dv.promptTitle = col.label[:32]
                dv.prompt = col.help[:250]
                dv.showInputMessage = True
                dv.add(f"{letter}2:{letter}{INPUT_ROWS + 1}")
                ws.add_data_validation(dv)
        ws.cell(2, 1).fill = example_fill
        ws.cell(2, 1).font = Font(italic=True, color="7F7F7F")
    with atomic_path(path) as tmp:
        save_workbook(wb, tmp)
    return path

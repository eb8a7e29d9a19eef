"""Finding the data in a sheet: header row, input kind, column mapping, totals and example rows,
wide (months across) cash balances, then typed columns with a problem per bad cell.

The kind of a sheet is recognised from its headers, never from its name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..core import schema
from ..core.problems import ERROR, NOTE, WARNING, Problem, column_letter
from . import mapping as mp
from .values import CellError, month_header_period_end, parse_column

HEADER_SEARCH_ROWS = 30
PREVIEW_ROWS = 30
PREVIEW_COLUMNS = 40
_TOTAL = re.compile(r"^\s*(grand\s+|sub[\s-]?)?totals?\b|\btotals?\s*$", re.I)


@dataclass
class SheetReport:
    """What was found in one sheet (the app's Data pane and `check` print it).

    file, sheet: where; kind: input kind key or None when nothing was recognised; rows: data rows
    used; header_row: 1-based; mapping: source header -> canonical column; unmapped: headers not
    used; preview: the first ~30 raw rows as display strings; notes: hidden sheet ignored, wide cash
    unpivoted, encoding used, rows skipped...
    """

    file: str
    sheet: str
    kind: str | None
    rows: int = 0
    header_row: int = 1
    mapping: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    preview: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"file": self.file, "sheet": self.sheet, "kind": self.kind, "rows": self.rows,
                "header_row": self.header_row, "mapping": dict(self.mapping), "unmapped": list(self.unmapped),
                "notes": list(self.notes)}


@dataclass
class SheetData:
    """Typed columns of one kind read from one sheet (picklable: it crosses the worker boundary)."""

    kind: str
    columns: dict
    source_row: np.ndarray

    def __getstate__(self):
        """Object columns travel as distinct values plus integer codes: far cheaper to pickle."""
        from .values import factorize

        packed = {}
        for name, arr in self.columns.items():
            if arr.dtype == object and len(arr) > 1000:
                codes, uniques = factorize(arr)
                packed[name] = ("factorized", codes.astype(np.int32), uniques)
            else:
                packed[name] = arr
        return {"kind": self.kind, "columns": packed, "source_row": self.source_row}

    def __setstate__(self, state):
        columns = {}
        for name, value in state["columns"].items():
            if isinstance(value, tuple):
                _, codes, uniques = value
                table = np.empty(len(uniques), dtype=object)
                table[:] = uniques
                value = table[codes]
            columns[name] = value
        self.kind, self.columns, self.source_row = state["kind"], columns, state["source_row"]


def display(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)


def _blank(v) -> bool:
    return v is None or v == "" or (isinstance(v, str) and not v.strip())


def _match_row(row, kind_key: str, overrides: dict) -> dict[int, str]:
    """{column index: canonical name} for one candidate header row (first match of a column wins)."""
    out: dict[int, str] = {}
    used = set()
    for j, h in enumerate(row):
        if _blank(h) or not isinstance(h, (str, int, float)):
            continue
        text = display(h).strip()
        if text in overrides:
            name = overrides[text]
            if name == mp.IGNORE:
                continue
        else:
            name = mp.match_header(kind_key, text)
        if name and name not in used:
            out[j] = name
            used.add(name)
    return out


def _wide_months(row, date1904: bool) -> dict[int, object]:
    out = {}
    for j, h in enumerate(row):
        end = month_header_period_end(h, date1904)
        if end is not None:
            out[j] = end
    return out


def find_header(rows, date1904: bool, sm: mp.SheetMapping | None):
    """(header row index, kind key, {col: canonical}, wide months {col: period end}) or None."""
    kinds = [sm.kind] if sm and sm.kind in schema.KINDS_BY_KEY else [k.key for k in schema.INPUT_KINDS]
    overrides = sm.columns if sm else {}
    if sm and sm.header_row:
        candidates = [sm.header_row - 1] if sm.header_row - 1 < len(rows) else []
    else:
        candidates = [i for i in range(min(len(rows), HEADER_SEARCH_ROWS * 3))
                      if any(not _blank(v) for v in rows[i])][:HEADER_SEARCH_ROWS]
    best = None
    for i in candidates:
        row = rows[i]
        months = None
        for key in kinds:
            kind = schema.KINDS_BY_KEY[key]
            matched = _match_row(row, key, overrides)
            names = set(matched.values())
            score = len(names) + 10 * all(r in names for r in kind.required)
            wide = {}
            if key == "cash_balances" and "cash_gbp_k" not in names and "provider_code" in names:
                months = _wide_months(row, date1904) if months is None else months
                if len(months) >= 2:
                    wide = months
                    score = 11 + len(months) / 100
            n_required = sum(r in names for r in kind.required)
            if not wide and n_required < len(kind.required) and (
                    sm is None or sm.kind != key) and (len(names) < 3 or 2 * n_required < len(kind.required)):
                continue
            if best is None or score > best[0]:
                best = (score, i, key, matched, wide)
    if best is None:
        return None
    return best[1:]


def _filled(arr: np.ndarray) -> np.ndarray:
    """Cells that hold something, vectorised (blank is None, '' or NaN)."""
    if arr.dtype.kind == "f":
        return ~np.isnan(arr)
    with np.errstate(invalid="ignore"):
        return (arr != "") & (arr != None) & (arr == arr)  # noqa: E711 - elementwise on object arrays


def _rows_where_text(arr: np.ndarray, candidates: np.ndarray, test) -> np.ndarray:
    """Rows among candidates whose cell is a string passing test; each distinct string tested once."""
    if arr.dtype.kind == "f" or not candidates.any():
        return np.zeros(len(arr), dtype=bool)
    rows = np.flatnonzero(candidates)
    values = arr[rows].tolist()
    hits = {v for v in set(values) if isinstance(v, str) and not isinstance(v, CellError) and test(v)}
    out = np.zeros(len(arr), dtype=bool)
    if hits:
        out[rows[np.fromiter(map(hits.__contains__, values), dtype=bool, count=len(values))]] = True
    return out


def read_sheet(file: str, raw, date1904: bool, sm: mp.SheetMapping | None):
    """One raw sheet -> (SheetReport, SheetData or None, [Problem])."""
    head = raw.head()
    report = SheetReport(file, raw.name, None, preview=[[display(v) for v in r[:PREVIEW_COLUMNS]]
                                                      for r in head[:PREVIEW_ROWS]])
    report.notes.extend(raw.notes)
    problems: list[Problem] = []
    if raw.hidden:
        report.notes.append(f"{raw.hidden} sheet ignored")
        return report, None, [Problem(NOTE, f"{raw.hidden} sheet ignored", file, raw.name)]
    if sm is not None and sm.kind == mp.IGNORE:
        report.notes.append("ignored by the mapping")
        return report, None, []
    found = find_header(head, date1904, sm) if head else None
    if found is None:
        report.notes.append("no input data recognised (no header row naming the columns of an input kind)")
        if sm is not None and sm.kind in schema.KINDS_BY_KEY:
            problems.append(Problem(ERROR, f"the mapping says this sheet holds {sm.kind} but no header row "
                                    "matching its columns was found: check the header row in the mapping",
                                    file, raw.name))
        return report, None, problems
    h, key, matched, wide = found
    kind = schema.KINDS_BY_KEY[key]
    header = head[h]
    report.kind = key
    report.header_row = h + 1
    marker = next((j for j, v in enumerate(header) if isinstance(v, str) and mp.is_marker_header(v)), None)
    report.mapping = {display(header[j]).strip(): name for j, name in matched.items()}
    mapped_cols = set(matched) | set(wide) | ({marker} if marker is not None else set())
    report.unmapped = [display(v).strip() for j, v in enumerate(header) if j not in mapped_cols and not _blank(v)]
    for j, v in enumerate(header):
        if j not in mapped_cols and not _blank(v):
            if sm is not None and sm.columns.get(display(v).strip()) == mp.IGNORE:
                continue
            if mp.match_header(key, v):
                problems.append(Problem(WARNING, f"column '{display(v)}' repeats {mp.match_header(key, v)}, "
                                        "already taken from an earlier column: it was ignored",
                                        file, raw.name, f"{column_letter(j)}{h + 1}"))
    text_cols = [j for j in range(len(header)) if j not in matched or
                 kind.column(matched[j]).type not in (schema.MONEY, schema.NUMBER, schema.COUNT, schema.SHARE,
                                                      schema.YEARS)]
    cols = raw.columns_from(h + 1, text_cols)
    raw.rows = []
    n = len(cols[0]) if cols else 0
    filled = [_filled(c) for c in cols]
    keep = np.zeros(n, dtype=bool)
    for f in filled:
        keep |= f
    first = np.full(n, -1)
    for j in reversed(range(min(len(cols), 8))):
        first[filled[j]] = j
    total = np.zeros(n, dtype=bool)
    for j in range(min(len(cols), 8)):
        total |= _rows_where_text(cols[j], keep & (first == j), _TOTAL.search)
    for i in np.flatnonzero(total)[:50]:
        j = first[i]
        problems.append(Problem(WARNING, f"row {h + 2 + i} looks like a totals row ('{str(cols[j][i]).strip()}'): "
                                "it was left out", file, raw.name, f"{column_letter(j)}{h + 2 + i}"))
    if total.sum() > 50:
        problems.append(Problem(WARNING, f"{int(total.sum()) - 50} more totals rows were left out", file, raw.name))
    keep &= ~total
    if marker is not None and marker < len(cols):
        example = _rows_where_text(cols[marker], keep, lambda v: v.strip().lower() == "example")
        for i in np.flatnonzero(example)[:5]:
            report.notes.append(f"example row {h + 2 + i} skipped")
        keep &= ~example
    if matched:
        j0 = min(matched)
        label = display(header[j0]).strip()
        if j0 < len(cols):
            again = _rows_where_text(cols[j0], keep, lambda v: v.strip() == label)
            again_rows = [i for i in np.flatnonzero(again)
                          if sum(j < len(cols) and display(cols[j][i]).strip() == display(header[j]).strip()
                                 for j in matched) >= 2]
            for i in again_rows:
                report.notes.append(f"repeated header in row {h + 2 + i} skipped")
            keep[again_rows] = False
    idx = np.flatnonzero(keep)
    data_rows0 = idx + h + 1  # 0-based sheet rows
    if wide:
        data = _unpivot(file, raw.name, cols, idx, data_rows0, matched, wide, problems, date1904, header, report)
    else:
        data = _typed(file, raw.name, kind, cols, idx, data_rows0, matched, header, problems, date1904)
        report.rows = len(idx)
    names = set(matched.values())
    for col in kind.columns:
        if col.required and col.name not in (names | ({"period_end", "cash_gbp_k"} if wide else set())):
            problems.append(Problem(ERROR, f"no column for {col.label}: add a column headed '{col.header}' "
                                    f"or map one of the columns to {col.name}", file, raw.name))
    if kind.key == "cash_balances" and not wide and "period_end" not in names \
            and not {"financial_year", "month"} <= names:
        problems.append(Problem(ERROR, "no Period end column, nor Financial year and Month: add one so "
                                "each balance has a date", file, raw.name))
    return report, data, problems


def _cell(j: int, row0: int) -> str:
    return f"{column_letter(j)}{row0 + 1}"


def _check_column(file, sheet, col, arr, cells, problems):
    """Ranges, vectorised; returns the blank mask. cells(i) names the cell of value i."""
    if arr.dtype.kind == "f":
        blank = np.isnan(arr)
        if col.minimum is not None:
            for i in np.flatnonzero(~blank & (arr < col.minimum))[:200]:
                problems.append(Problem(ERROR, f"{col.label} {arr[i]:g} is below {col.minimum:g}: correct it",
                                        file, sheet, cells(i)))
        if col.maximum is not None:
            extra = " (shares are fractions: 30% is 0.3)" if col.type == schema.SHARE else ""
            for i in np.flatnonzero(~blank & (arr > col.maximum))[:200]:
                problems.append(Problem(ERROR, f"{col.label} {arr[i]:g} is above {col.maximum:g}{extra}: "
                                        "correct it", file, sheet, cells(i)))
        return blank
    if arr.dtype.kind == "M":
        return np.isnat(arr)
    return arr == None  # noqa: E711 - elementwise


def _typed(file, sheet, kind, cols, idx, rows0, matched, header, problems, date1904):
    columns = {}
    for j, name in matched.items():
        col = kind.column(name)
        values = cols[j][idx] if j < len(cols) else np.full(len(idx), None, dtype=object)
        scale = mp.header_scale(header[j]) if col.type == schema.MONEY else 1.0
        arr, bad = parse_column(col, values, scale or 1.0, date1904)
        for i, msg in bad[:500]:
            problems.append(Problem(ERROR, f"{col.label}: {msg}", file, sheet, _cell(j, rows0[i])))
        if len(bad) > 500:
            problems.append(Problem(ERROR, f"{col.label}: {len(bad) - 500} more bad values in this column "
                                    "(check the column mapping)", file, sheet))
        blank = _check_column(file, sheet, col, arr, lambda i, j=j: _cell(j, rows0[i]), problems)
        if col.required:
            if bad:
                blank = blank.copy()
                blank[[i for i, _ in bad]] = False
            missing = np.flatnonzero(blank)
            for i in missing[:200]:
                problems.append(Problem(ERROR, f"{col.label} is required: fill it in", file, sheet,
                                        _cell(j, rows0[i])))
            if len(missing) > 200:
                problems.append(Problem(ERROR, f"{col.label}: {len(missing) - 200} more blank cells", file, sheet))
        if col.type == schema.CODE:
            odd = sorted({v for v in set(arr.tolist()) if v is not None and not (3 <= len(v) <= 5 and v.isalnum())})
            for code in odd[:20]:
                i = int(np.flatnonzero(arr == code)[0])
                problems.append(Problem(WARNING, f"'{code}' does not look like an ODS code (3 to 5 letters or "
                                        "digits): check it", file, sheet, _cell(j, rows0[i])))
        columns[name] = arr
    return SheetData(kind.key, columns, np.asarray(rows0, dtype=np.int64) + 1)


def _unpivot(file, sheet, cols, idx, rows0, matched, wide, problems, date1904, header, report):
    kind = schema.CASH_BALANCES
    code_j = next(j for j, n in matched.items() if n == "provider_code")
    month_cols = sorted(wide.items())
    codes, ends, values, src_rows, src_cols = [], [], [], [], []
    for k, i in enumerate(idx):
        code = cols[code_j][i]
        for j, end in month_cols:
            v = cols[j][i] if j < len(cols) else None
            if _blank(v) or (isinstance(v, float) and v != v):
                continue
            codes.append(code)
            ends.append(end)
            values.append(v)
            src_rows.append(rows0[k])
            src_cols.append(j)
    scales = {mp.header_scale(v) for v in header if not _blank(v)} - {None}
    scale = scales.pop() if len(scales) == 1 else 1.0
    cash_col = kind.column("cash_gbp_k")
    code_col = kind.column("provider_code")
    cash, bad = parse_column(cash_col, values, scale, date1904)
    for k, msg in bad[:500]:
        problems.append(Problem(ERROR, f"{cash_col.label}: {msg}", file, sheet, _cell(src_cols[k], src_rows[k])))
    code_arr, _ = parse_column(code_col, codes, 1.0, date1904)
    for k in [k for k, v in enumerate(code_arr) if v is None][:200]:
        problems.append(Problem(ERROR, "Provider code is required: fill it in", file, sheet,
                                _cell(code_j, src_rows[k])))
    report.rows = len(values)
    report.notes.append(f"wide cash unpivoted: {len(month_cols)} month columns, {len(idx)} providers, "
                        f"{len(values)} balances")
    for j, end in month_cols:
        report.mapping[display(header[j]).strip()] = f"cash_gbp_k at {end.isoformat()}"
    columns = {"provider_code": code_arr, "cash_gbp_k": cash,
               "period_end": np.array(ends, dtype="datetime64[D]")}
    return SheetData(kind.key, columns, np.array(src_rows, dtype=np.int64) + 1)

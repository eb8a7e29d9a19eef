"""Finding the data in a sheet: header row, input kind, column mapping, totals and example rows,
wide (months across) cash balances, then typed columns with a problem per bad cell.

The kind of a sheet is recognised from its headers, never from its name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ...core import schema
from ...core.problems import ERROR, NOTE, WARNING, Problem, column_letter
from ...core.wording import counted, in_sentence
from . import mapping as mp
from . import matching
from .values import CellError, month_header_period_end, parse_column

HEADER_SEARCH_ROWS = 30
WIDE_CASH_TARGET = "cash_gbp_k at "  # a month column of cash laid out as months across, then its month end
PREVIEW_ROWS = 30
PREVIEW_COLUMNS = 40
HEAD_TABLE_ROWS = 60  # rows looked at to tell whether an unrecognised sheet holds a table
_TOTAL = re.compile(r"^\s*(grand\s+|sub[\s-]?)?totals?\b|\btotals?\s*$", re.I)


YOU, MATCHER = "you", "matcher"  # who decided what a value means


@dataclass(frozen=True)
class ValueMapping:
    """One value of a list column read as another (the audit trail of the report and `check`).

    written: the value as the file writes it; used: the allowed value read; by: YOU (the mapping's
    values, chosen on the Data page or in a mapping file) or MATCHER, with its confidence (0 to 1);
    rows: how many rows hold it.
    """

    file: str
    sheet: str
    column: str
    written: str
    used: str
    by: str
    confidence: float
    rows: int

    def to_dict(self) -> dict:
        return {"file": self.file, "sheet": self.sheet, "column": self.column, "written": self.written,
                "used": self.used, "by": self.by, "confidence": round(self.confidence, 2), "rows": self.rows}

    @property
    def decided_by(self) -> str:
        """'you' or 'the matcher (95% sure)', as the report and `check` say it."""
        return "you" if self.by == YOU else f"the matcher ({self.confidence:.0%} sure)"


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
    confidence: dict[str, float] = field(default_factory=dict)  # source header -> 0..1
    unknown_values: dict[str, list[str]] = field(default_factory=dict)  # column -> values with no meaning
    value_mappings: list[ValueMapping] = field(default_factory=list)  # values read as another, and by whom
    chosen: list[str] = field(default_factory=list)  # source headers whose column the user chose (a mapping)

    def to_dict(self) -> dict:
        return {"file": self.file, "sheet": self.sheet, "kind": self.kind, "rows": self.rows,
                "header_row": self.header_row, "mapping": dict(self.mapping),
                "confidence": dict(self.confidence), "unmapped": list(self.unmapped),
                "unknown_values": {k: list(v) for k, v in self.unknown_values.items()},
                "value_mappings": [v.to_dict() for v in self.value_mappings],
                "chosen": list(self.chosen), "notes": list(self.notes)}


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


def _match_row(row, kind_key: str, overrides: dict) -> tuple[dict[int, str], dict[int, float]]:
    """({column index: canonical name}, {column index: confidence}) for one candidate header row.
    A number or date in the row is a header only when the user's mapping names it."""
    if overrides:
        row = [display(h) if not isinstance(h, str) and display(h).strip() in overrides else h for h in row]
    return matching.match_row(row, kind_key, overrides, mp.IGNORE)


def _wide_months(row, date1904: bool) -> dict[int, object]:
    out = {}
    for j, h in enumerate(row):
        end = month_header_period_end(h, date1904)
        if end is not None:
            out[j] = end
    return out


# A required column a finance team often leaves out, and the column that stands in for it: a community
# sheet without service ids identifies each service by its name (said in a note on the sheet).
STANDS_IN_FOR = {("community_budgets", "service_id"): "service_name"}


def _present(kind, names) -> set:
    """The columns a sheet has, counting a required one that another of its columns stands in for."""
    return set(names) | {name for (key, name), source in STANDS_IN_FOR.items() if key == kind.key and source in names}


def find_header(rows, date1904: bool, sm: mp.SheetMapping | None, sheet_name: str = ""):
    """(header row index, kind key, {col: canonical}, wide months {col: period end}, {col: confidence})
    or None. The kind is the one whose best assignment scores highest; the sheet's name is only a
    hint that breaks near ties."""
    kinds = [sm.kind] if sm and sm.kind in schema.KINDS_BY_KEY else [k.key for k in schema.INPUT_KINDS]
    overrides = sm.columns if sm else {}
    if sm and sm.header_row:
        candidates = [sm.header_row - 1] if sm.header_row - 1 < len(rows) else []
    else:
        candidates = [i for i in range(min(len(rows), HEADER_SEARCH_ROWS * 3))
                      if any(isinstance(v, str) and not _blank(v) for v in rows[i])][:HEADER_SEARCH_ROWS]
    best = None
    for i in candidates:
        row = rows[i]
        months = None
        for key in kinds:
            kind = schema.KINDS_BY_KEY[key]
            matched, conf = _match_row(row, key, overrides)
            names = _present(kind, matched.values())
            score = sum(conf.values()) + 10 * all(r in names for r in kind.required) \
                + matching.sheet_hint(sheet_name, key)
            wide = {}
            if key == "cash_balances" and "cash_gbp_k" not in names and "provider_code" in names:
                months = _wide_months(row, date1904) if months is None else months
                if len(months) >= 2:
                    wide = months
                    score = 11 + len(months) / 100 + sum(conf.values()) / 100
            # a sheet lacking some required columns is still taken (so its errors can be shown and
            # its columns mapped by hand) only when at least three columns, half the required ones,
            # match clearly: weak matches alone do not make an unrelated table an input
            sure = _present(kind, {n for j, n in matched.items() if conf.get(j, 1.0) >= matching.CONFIDENT})
            n_required = sum(r in sure for r in kind.required)
            if not wide and not all(r in names for r in kind.required) and (
                    sm is None or sm.kind != key) and (len(sure) < 3 or 2 * n_required < len(kind.required)):
                continue
            if best is None or score > best[0] + 1e-9:
                best = (score, i, key, matched, wide, conf)
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


def read_sheet(file: str, raw, date1904: bool, sm: mp.SheetMapping | None, values: dict | None = None):
    """One raw sheet -> (SheetReport, SheetData or None, [Problem]).

    values: the user's meaning of values per column ({"vehicle": {"Subsidiary company": "new_entity"}}).
    """
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
    found = find_header(head, date1904, sm, raw.name) if head else None
    if found is None:
        report.notes.append("no input data recognised (no header row naming the columns of an input kind)")
        table_rows = sum(sum(not _blank(v) for v in r) >= 2 for r in head[:HEAD_TABLE_ROWS])
        if _is_template_instructions(head):
            report.notes.append("the template's instructions: not an input")
        elif table_rows >= 2 and (sm is None or sm.kind is None):
            problems.append(Problem(WARNING, f"this sheet holds a table ({table_rows} rows of data seen) that was "
                                    "not recognised as any input, so it is not used: if it holds inputs, choose "
                                    "its kind on the Data page or in a mapping file", file, raw.name))
        if sm is not None and sm.kind in schema.KINDS_BY_KEY:
            named = f"{schema.KINDS_BY_KEY[sm.kind].sheet} ({sm.kind})"
            problems.append(Problem(ERROR, f"the mapping says this sheet holds {named} but no header row "
                                    "matching its columns was found: check the header row in the mapping",
                                    file, raw.name))
        return report, None, problems
    h, key, matched, wide, conf = found
    kind = schema.KINDS_BY_KEY[key]
    header = head[h]
    report.kind = key
    report.header_row = h + 1
    marker = next((j for j, v in enumerate(header) if isinstance(v, str) and mp.is_marker_header(v)), None)
    body = head[h + 1:h + 1 + HEAD_TABLE_ROWS]
    for j in [j for j, name in matched.items() if conf.get(j, 1.0) < matching.CONFIDENT
              and not _fits(kind.column(name), _value_kind(_samples(body, j)))]:
        del matched[j], conf[j]  # a weak header match whose values are of another type ('Form score': 3, 4)
    by_values = _read_by_values(kind, header, body, matched, sm)
    for j, (name, _) in by_values.items():
        matched[j], conf[j] = name, VALUES_CONFIDENCE
    matched = dict(sorted(matched.items()))
    report.mapping = {display(header[j]).strip(): name for j, name in matched.items()}
    report.confidence = {display(header[j]).strip(): float(conf.get(j, 1.0)) for j in matched}
    report.chosen = [h for h in report.mapping if sm is not None and h in sm.columns]
    mapped_cols = set(matched) | set(wide) | ({marker} if marker is not None else set())
    report.unmapped = [display(v).strip() for j, v in enumerate(header) if j not in mapped_cols and not _blank(v)]
    _column_warnings(file, raw.name, kind, header, h, matched, conf, mapped_cols, sm, problems, body, by_values)
    text_cols = [j for j in range(len(header)) if j not in matched or
                 kind.column(matched[j]).type not in (schema.MONEY, schema.NUMBER, schema.COUNT, schema.SHARE,
                                                      schema.YEARS)]
    cols = raw.columns_from(h + 1, text_cols)
    raw.rows = []
    keep = _data_rows(file, raw.name, cols, h, marker, matched, header, report, problems)
    idx = np.flatnonzero(keep)
    data_rows0 = idx + h + 1  # 0-based sheet rows
    if wide:
        data = _unpivot(file, raw.name, cols, idx, data_rows0, matched, wide, problems, date1904, header, report)
    else:
        data = _typed(file, raw.name, kind, cols, idx, data_rows0, matched, header, problems, date1904,
                      report, values or {})
    names = set(matched.values())
    if data is not None and not wide:
        _stand_ins(file, raw.name, kind, data, names, header, matched, report, problems)
    for col in kind.columns:
        if col.required and col.name not in (_present(kind, names) | ({"period_end", "cash_gbp_k"} if wide else set())):
            problems.append(Problem(ERROR, f"no column for {col.label}: add a column headed '{col.header}' "
                                    f"or map one of the columns to {col.name}", file, raw.name))
    if kind.key == "cash_balances" and not wide and "period_end" not in names \
            and not {"financial_year", "month"} <= names:
        problems.append(Problem(ERROR, "no Period end column, nor Financial year and Month: add one so "
                                "each balance has a date", file, raw.name))
    if not wide:
        _default_notes(file, raw.name, kind, names, report.rows, problems)
    return report, data, problems


def _is_template_instructions(head) -> bool:
    """The Instructions sheet of StrandRisk's own template (its first cell is the template's title)."""
    from .template import INSTRUCTIONS

    first = next((v for r in head[:3] for v in r if not _blank(v)), None)
    return isinstance(first, str) and first.strip()[:60] == INSTRUCTIONS[0]


ROW_WORDS = {"providers": "provider", "cash_balances": "balance", "block_contracts": "contract line",
             "community_budgets": "service"}  # a row of each kind, in words (counted() adds the plural)


VALUES_CONFIDENCE = 0.8  # a column read by its values, not its header: a weak match to be confirmed
_NUMERIC_TYPES = (schema.MONEY, schema.NUMBER, schema.COUNT, schema.SHARE, schema.YEARS)


def _samples(body, j: int) -> list:
    """The non-blank cells of column j among the first rows under the header."""
    return [r[j] for r in body if j < len(r) and not _blank(r[j])]


def _is_number(v) -> bool:
    """A number, also as text ('£1,234', '(12)', '30%') or with its unit in the cell ('£1.2m', '3 years')."""
    from .values import parse_number

    if isinstance(v, bool):
        return False
    if isinstance(v, str) and (_MONEY_CELL.fullmatch(v[:MAX_UNIT_CELL]) or _YEARS_CELL.fullmatch(v[:MAX_UNIT_CELL])):
        return True
    try:
        return parse_number(v) is not None
    except (ValueError, TypeError):
        return False


def _value_kind(values) -> str | None:
    """'number', 'date' or 'text': what most of a column's cells hold (None when it holds nothing)."""
    import datetime as dt

    if not values:
        return None
    numbers = sum(map(_is_number, values))
    dates = sum(isinstance(v, (dt.date, dt.datetime)) for v in values)
    if 2 * numbers > len(values):
        return "number"
    if 2 * dates > len(values):
        return "date"
    return "text"


def _fits(col: schema.Column, kind_of_values: str | None) -> bool:
    """Whether a column holding such values could be this field: text is never money, a number never a
    list of named values."""
    if kind_of_values is None:
        return True
    if col.type in _NUMERIC_TYPES:
        return kind_of_values == "number"
    if col.type == schema.ENUM:
        return kind_of_values == "text"
    if col.type == schema.BOOL:
        return kind_of_values in ("text", "number")
    return True


def _read_by_values(kind, header, body, matched, sm) -> dict[int, tuple[str, list[str]]]:
    """Unused text columns whose every value is one of a single unmapped list field's values ('Contract'
    holding Capitated and Block is the payment type): {column: (field, the values seen)}."""
    free = [c for c in kind.columns if c.type == schema.ENUM and c.name not in matched.values()]
    out: dict[int, tuple[str, list[str]]] = {}
    for j, v in enumerate(header):
        if j in matched or not isinstance(v, str) or _blank(v) or mp.is_marker_header(v):
            continue
        if sm is not None and display(v).strip() in sm.columns:
            continue
        seen = list(dict.fromkeys(display(x).strip() for x in _samples(body, j)))
        if len(_samples(body, j)) < 2 or _value_kind(_samples(body, j)) != "text":
            continue
        fits = [c for c in free if c.name not in {n for n, _ in out.values()}
                and all(matching.match_value(c.name, c.allowed, x) is not None for x in seen)]
        if len(fits) == 1:
            out[j] = (fits[0].name, seen)
    return out


def _column_warnings(file, sheet, kind, header, h, matched, conf, mapped_cols, sm, problems, body=(),
                     by_values=None):
    """A weak match asks to be confirmed; an unused column is named, with the nearest column of the same
    type of value when close."""
    fs = matching.field_set(kind.key)
    where_of = {name: column_letter(j) for j, name in matched.items()}
    by_values = by_values or {}
    for j, (name, seen) in by_values.items():
        problems.append(Problem(WARNING, f"column '{display(header[j]).strip()[:60]}' was read as "
                                f"{kind.column(name).label} from its values ({', '.join(s[:30] for s in seen[:6])}"
                                f"{' ...' if len(seen) > 6 else ''}), not its header: confirm it, or map the "
                                "column on the Data page or with --mapping", file, sheet, f"{column_letter(j)}{h + 1}"))
    for j, name in matched.items():
        c = conf.get(j, 1.0)
        if c < matching.CONFIDENT and j not in by_values:
            problems.append(Problem(WARNING, f"column '{display(header[j]).strip()}' was read as "
                                    f"{kind.column(name).label}, but the header is not a clear match "
                                    f"({c:.0%} confidence): confirm it, or map the column on the Data page or "
                                    "with --mapping", file, sheet, f"{column_letter(j)}{h + 1}"))
    for j, v in enumerate(header):
        if j in mapped_cols or _blank(v):
            continue
        text = display(v).strip()
        if sm is not None and sm.columns.get(text) == mp.IGNORE:
            continue
        msg = f"column '{text[:60]}' is not used"
        scores = fs.scores(matching.normalise(text)) if isinstance(v, str) else np.zeros(1)
        if isinstance(v, str):
            held = _value_kind(_samples(body, j))
            scores = scores * np.array([_fits(kind.column(fd.name), held) for fd in fs.fields])
        f = int(np.argmax(scores))
        if scores[f] >= matching.NEAREST:
            near = fs.fields[f]
            msg += f": it reads like {near.label} ({scores[f]:.0%} match)"
            if near.name in where_of:
                msg += f", but {near.label} is read from column {where_of[near.name]}"
        problems.append(Problem(WARNING, msg + ". If it holds input, map it on the Data page or in a mapping "
                                "file", file, sheet, f"{column_letter(j)}{h + 1}"))


def _stand_ins(file, sheet, kind, data, names, header, matched, report, problems):
    """A required column the sheet lacks, made from the column standing in for it (a service's id from its
    name), unique on the sheet: a name used twice is told apart by its row number. Said in a note."""
    for (key, name), source in STANDS_IN_FOR.items():
        if key != kind.key or name in names or source not in names:
            continue
        given = data.columns[source]
        rows = data.source_row
        made = np.empty(len(given), dtype=object)
        counts: dict = {}
        for v in given.tolist():
            counts[v] = counts.get(v, 0) + 1
        twice = []
        for i, v in enumerate(given.tolist()):
            if v is None:
                made[i] = f"{sheet} row {int(rows[i])}"
            elif counts[v] > 1:
                made[i] = f"{v} (row {int(rows[i])})"
                twice.append(int(rows[i]))
            else:
                made[i] = v
        data.columns[name] = made
        src_j = next(j for j, n in matched.items() if n == source)
        label, src_label = kind.column(name).label, kind.column(source).label
        msg = f"no {label} column: each service is identified by its {in_sentence(src_label)} (column {column_letter(src_j)})"
        if twice:
            msg += f"; a name used twice gets its row number (rows {_ranges(twice)})"
        if any(v is None for v in given.tolist()):
            msg += "; a service without a name is called by its row"
        msg += f". Add a {label} column to choose your own ids"
        report.notes.append(msg)
        problems.append(Problem(NOTE, msg, file, sheet, f"{column_letter(src_j)}{report.header_row}"))


def _default_notes(file, sheet, kind, names, n_rows, problems):
    """Every optional column that feeds the model and has no column: which default, for how many rows."""
    if not n_rows:
        return
    from ...core.vocabulary import MODEL_DEFAULTS_NOTED

    rows = ROW_WORDS.get(kind.key, "row")
    for col in kind.columns:
        noted = col.name in MODEL_DEFAULTS_NOTED or f"{kind.key}.{col.name}" in MODEL_DEFAULTS_NOTED
        if col.required or col.name in names or not noted:
            continue
        if col.default is not None:
            used = f"{in_sentence(col.label)} {_default_text(col)}"
        else:
            blank = next((s.strip() for s in col.help.split(".") if "blank" in s.lower()), "")
            used = f"{in_sentence(col.label)} blank" + (f" ({blank[0].lower() + blank[1:]})" if blank else "")
        problems.append(Problem(WARNING, f"no column for {col.label}: {used} used for {counted(n_rows, rows)}. Add the "
                                "column or map one to it if your file has it", file, sheet))


def _default_text(col) -> str:
    from ...core.labels import value_label

    v = col.default
    if isinstance(v, bool):
        return "Yes" if v else "No"
    if isinstance(v, float):
        return f"{v:g}"
    return value_label(v, with_key=True) if col.type == schema.ENUM else str(v)


def _ranges(rows: list[int], most: int = 12) -> str:
    """'3, 7-9, 12' (the first ``most`` runs, then how many more rows)."""
    out, k = [], 0
    while k < len(rows) and len(out) < most:
        e = k
        while e + 1 < len(rows) and rows[e + 1] == rows[e] + 1:
            e += 1
        out.append(str(rows[k]) if e == k else f"{rows[k]}-{rows[e]}")
        k = e + 1
    return ", ".join(out) + (f" and {len(rows) - k:,} more" if k < len(rows) else "")


_NOTE_START = re.compile(r"^\s*(\*|†|‡|¹|²|\(\d\)|source|sources|note|notes|nb\b|n\.b|excl|incl|figures|data\b|"
                         r"prepared|updated|based on|please|all figures|all values|values in|amounts in)", re.I)
_TOTAL_CELL = re.compile(r"^\s*(grand|sub|sub-)?\s*totals?\s*:?\s*$", re.I)


_TYPED_NAMES = frozenset(c.name for k in schema.INPUT_KINDS for c in k.columns
                         if c.type not in (schema.TEXT, schema.CODE, schema.ENUM))


def _data_rows(file, sheet, cols, h, marker, matched, header, report, problems) -> np.ndarray:
    """Rows holding data: totals and subtotals, blank rows, notes under the table, example rows and
    repeated headers are left out, each with a note naming the row (sum rows are found once typed)."""
    n = len(cols[0]) if cols else 0
    filled = [_filled(c) for c in cols]
    count = np.zeros(n, dtype=np.int32)
    for f in filled:
        count += f
    keep = count > 0
    first = np.full(n, -1)
    for j in reversed(range(min(len(cols), 8))):
        first[filled[j]] = j
    row_no = lambda i: h + 2 + int(i)  # noqa: E731 - 1-based sheet row of body row i
    distinct: dict[int, list[str]] = {}

    def where_text(j: int, candidates: np.ndarray, test) -> np.ndarray:
        """Rows among candidates whose cell in column j is text passing test. Each column's distinct
        strings are listed once and tested once; the rows are scanned only when one passes."""
        arr = cols[j]
        if arr.dtype.kind == "f" or not candidates.any():
            return np.zeros(n, dtype=bool)
        if j not in distinct:
            distinct[j] = [v for v in set(arr.tolist()) if isinstance(v, str) and not isinstance(v, CellError)]
        hits = {v for v in distinct[j] if test(v)}
        if not hits:
            return np.zeros(n, dtype=bool)
        return np.fromiter(map(hits.__contains__, arr.tolist()), dtype=bool, count=n) & candidates

    # totals: a label starting or ending with 'total' in the row's first cell, or a cell that says only
    # 'Total' / 'Grand total' / 'Sub-total' wherever it sits
    total = np.zeros(n, dtype=bool)
    where = np.full(n, -1)
    for j in range(min(len(cols), 8)):
        hit = where_text(j, keep & (first == j), lambda v: _TOTAL.search(v[:200]) is not None)
        where[hit & (where < 0)] = j
        total |= hit
    label_cols = [j for j in range(min(len(cols), 60))  # text columns (a label in a number or date
                  if j not in matched or matched[j] not in _TYPED_NAMES]  # column is an error at its cell)
    for j in label_cols:
        hit = where_text(j, keep & ~total, lambda v: _TOTAL_CELL.match(v[:40]) is not None)
        where[hit & (where < 0)] = j
        total |= hit
    for i in np.flatnonzero(total)[:50]:
        j = where[i]
        problems.append(Problem(WARNING, f"row {row_no(i)} looks like a totals row ('{str(cols[j][i]).strip()[:40]}'): "
                                "it was left out", file, sheet, f"{column_letter(j)}{row_no(i)}"))
    if total.sum() > 50:
        problems.append(Problem(WARNING, f"{int(total.sum()) - 50} more totals rows were left out", file, sheet))
    keep &= ~total
    # notes under the table: one text cell, worded as a note, or a long sentence below the last data row
    multi = np.flatnonzero(count >= 2)
    last = int(multi[-1]) if len(multi) else -1
    single = keep & (count == 1)
    note = np.zeros(n, dtype=bool)
    for j in range(min(len(cols), 8)):
        cand = single & filled[j]
        note |= where_text(j, cand, lambda v: _NOTE_START.match(v[:40]) is not None)
        below = cand.copy()
        below[: last + 1] = False
        note |= where_text(j, below, lambda v: len(v.strip()) >= 25 and " " in v.strip())
    for i in np.flatnonzero(note)[:50]:
        j = next(j for j in range(len(cols)) if filled[j][i])
        text = str(cols[j][i]).strip()
        msg = f"row {row_no(i)} is a note, not data ('{text[:50]}{'...' if len(text) > 50 else ''}'): left out"
        report.notes.append(msg)
        problems.append(Problem(NOTE, msg, file, sheet, f"{column_letter(j)}{row_no(i)}"))
    keep &= ~note
    # blank rows inside the table (not the empty rows after it)
    data_at = np.flatnonzero(keep)
    if len(data_at):
        inside = np.flatnonzero(count[: data_at[-1]] == 0)
        inside = inside[inside > data_at[0]]
        if len(inside):
            msg = f"blank row{'s' if len(inside) > 1 else ''} {_ranges([row_no(i) for i in inside])} " \
                  "inside the table: left out"
            report.notes.append(msg)
            problems.append(Problem(NOTE, msg, file, sheet, f"A{row_no(inside[0])}"))
    if marker is not None and marker < len(cols):
        example = _rows_where_text(cols[marker], keep, lambda v: v.strip().lower() == "example")
        for i in np.flatnonzero(example)[:5]:
            report.notes.append(f"example row {row_no(i)} skipped")
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
                report.notes.append(f"repeated header in row {row_no(i)} skipped")
            keep[again_rows] = False
    return keep


def _cell(j: int, row0: int) -> str:
    return f"{column_letter(j)}{row0 + 1}"


def _blank_mask(arr: np.ndarray) -> np.ndarray:
    """Which values are blank. Ranges are checked once, by parse_column's plausibility limits."""
    if arr.dtype.kind == "f":
        return np.isnan(arr)
    if arr.dtype.kind == "M":
        return np.isnat(arr)
    return arr == None  # noqa: E711 - elementwise


SUM_TYPES = (schema.MONEY, schema.COUNT)


def _sum_rows(arrays: dict[str, np.ndarray], key: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose money and counts are the sums of rows straight above them (totals without a label).

    Returns (rows to leave out, rows kept but warned). A row without a key (provider code, contract
    id) is left out when every filled money or count cell equals the sum of a block of two or more
    rows straight above it (a subtotal, or a grand total over rows and subtotals). A row with a key
    may be data that happens to add up, so it is kept and warned when two or more of its cells equal
    the sums of every row above it. Only rows without a key are searched one by one (a real table
    has few); the rest is vectorised.
    """
    cols = [a for a in arrays.values() if a.dtype.kind == "f"]
    n = len(cols[0]) if cols else 0
    out = np.zeros(n, dtype=bool)
    if n < 3:
        return out, out.copy()
    vals = np.vstack(cols)
    filled = ~np.isnan(vals)
    zero = np.where(filled, vals, 0.0)
    blank_key = np.ones(n, dtype=bool) if key is None else np.asarray(key == None, dtype=bool)  # noqa: E711
    candidates = [i for i in np.flatnonzero(blank_key & filled.any(axis=0))[:200] if i >= 2]
    for i in candidates:
        live = ~out
        part = np.where(live[None, :i], zero[:, :i], 0.0)
        before_i = part.sum(axis=1)
        starts = np.cumsum(part, axis=1) - part  # sum of live rows before each j
        fc = filled[:, i]
        target = before_i[fc] - zero[fc, i]
        tol = 0.005 + 1e-9 * np.abs(before_i[fc])[:, None]
        ok = (np.abs(starts[fc] - target[:, None]) <= tol).all(axis=0)
        live_from = np.cumsum(live[:i][::-1])[::-1]  # live rows in j..i-1
        ok &= (live_from >= 2) & live[:i]
        if ok.any() and np.abs(zero[fc, i]).sum() > 0:
            out[i] = True
    live = ~out
    part = np.where(live[None, :], zero, 0.0)
    above = np.cumsum(part, axis=1) - part
    count_above = np.cumsum(live) - live
    match = filled & (np.abs(zero - above) <= 0.005 + 1e-9 * np.abs(above))
    suspect = ~blank_key & (match.sum(axis=0) >= 2) & (match | ~filled).all(axis=0) & (count_above >= 2)
    return out, suspect


def _same_words(text: str, code: str) -> bool:
    """'Non-elective' or 'non elective' is the value non_elective as written, no reinterpretation."""
    from ...core.labels import value_label

    plain = _plain(text)
    return plain in (_plain(code), _plain(value_label(code)))


def _plain(text: str) -> str:
    return "".join(ch for ch in str(text).lower() if ch.isalnum() or ch == "&")


def _enum_values(col, values: np.ndarray, chosen: dict[str, str]):
    """Each distinct value read by meaning (the user's choice first): (values, those with no meaning,
    [(as written, allowed value, who decided, confidence, rows)] for each value read as another)."""
    from .values import factorize

    codes, uniques = factorize(values)
    counts = np.bincount(codes, minlength=len(uniques)) if len(codes) else np.zeros(len(uniques), dtype=int)
    out, unknown, read = [], [], []
    for k, u in enumerate(uniques):
        if u is None or isinstance(u, CellError) or _blank(u):
            out.append(u)
            continue
        text = display(u).strip()
        hit, by, sure = chosen.get(text), YOU, 1.0
        if hit is None or hit not in col.allowed:
            hit, sure = matching.read_value(col.name, col.allowed, text)
            by = MATCHER
        if hit is None:
            unknown.append(text)
        elif by == YOU or not _same_words(text, hit):
            read.append((text, hit, by, sure, int(counts[k])))
        out.append(hit if hit is not None else u)
    table = np.empty(len(out), dtype=object)
    table[:] = out
    return (table[codes] if len(codes) else values), unknown, read


_YEARS_CELL = re.compile(r"\s*([-+]?\d+(?:\.\d+)?)\s*(?:years?|yrs?)\.?\s*", re.I)
_MONEY_CELL = re.compile(r"\s*(\()?\s*(-)?\s*£?\s*(\d[\d,]*(?:\.\d+)?)\s*(k|m|mn|bn)\s*(\))?\s*", re.I)
_MONEY_UNIT = {"k": 1.0, "m": 1000.0, "mn": 1000.0, "bn": 1_000_000.0}


def _unit_in_cells(col, values: np.ndarray, header_scale: float) -> np.ndarray:
    """Numbers written with their unit in the cell ('3 years', '£1.2m', '£412,345k'): each distinct text
    read once, money brought to the header's unit (the column is scaled by the header afterwards)."""
    if values.dtype.kind == "f" or col.type not in (schema.MONEY, schema.YEARS):
        return values
    if str not in set(map(type, values.tolist())):  # numbers only (the usual case): nothing to do
        return values
    from .values import factorize

    codes, uniques = factorize(values)
    out, changed = [], False
    for u in uniques:
        text = u[:MAX_UNIT_CELL] if isinstance(u, str) and not isinstance(u, CellError) else None
        m = None if text is None else (_YEARS_CELL.fullmatch(text) if col.type == schema.YEARS
                                       else _MONEY_CELL.fullmatch(text))
        if m is None or (col.type == schema.MONEY and bool(m.group(1)) != bool(m.group(5))):
            out.append(u)
            continue
        changed = True
        if col.type == schema.YEARS:
            out.append(float(m.group(1)))
        else:
            v = float(m.group(3).replace(",", "")) * _MONEY_UNIT[m.group(4).lower()] / header_scale
            out.append(-v if (m.group(1) or m.group(2)) else v)
    if not changed:
        return values
    table = np.empty(len(out), dtype=object)
    table[:] = out
    return table[codes]


MAX_UNIT_CELL = 60


def _typed(file, sheet, kind, cols, idx, rows0, matched, header, problems, date1904, report, values):
    parsed = {}
    enum_raw = {}
    for j, name in matched.items():
        col = kind.column(name)
        raw_values = cols[j][idx] if j < len(cols) else np.full(len(idx), None, dtype=object)
        if col.type == schema.ENUM:
            raw_values, unknown, read = _enum_values(col, raw_values, values.get(name, {}))
            if unknown:
                report.unknown_values[name] = unknown[:50]
            report.value_mappings.extend(ValueMapping(file, sheet, name, *r) for r in read)
            enum_raw[j] = raw_values
        scale = mp.header_scale(header[j]) if col.type == schema.MONEY else 1.0
        raw_values = _unit_in_cells(col, raw_values, scale or 1.0)
        parsed[j] = parse_column(col, raw_values, scale or 1.0, date1904)
    key_j = next((j for j, name in matched.items() if kind.column(name).required
                  and kind.column(name).type in (schema.CODE, schema.TEXT)), None)
    sums, suspect = _sum_rows({kind.column(matched[j]).name: parsed[j][0] for j in matched
                               if kind.column(matched[j]).type in SUM_TYPES},
                              parsed[key_j][0] if key_j is not None else None)
    for i in np.flatnonzero(suspect)[:20]:
        problems.append(Problem(WARNING, f"row {rows0[i] + 1} holds the sums of the rows above it but has its own "
                                f"{kind.column(matched[key_j]).label}: it was read as data; if it is a total, "
                                "delete it", file, sheet, _cell(key_j, rows0[i])))
    if sums.any():
        for i in np.flatnonzero(sums)[:50]:
            problems.append(Problem(WARNING, f"row {rows0[i] + 1} holds the sums of the rows above it (a total "
                                    "without a label): it was left out", file, sheet, f"A{rows0[i] + 1}"))
        position = np.cumsum(~sums) - 1
        kept = np.flatnonzero(~sums)
        rows0 = np.asarray(rows0)[kept]
        for j, (arr, bad) in list(parsed.items()):
            parsed[j] = (arr[kept], [(int(position[i]), m) for i, m in bad if not sums[i]])
        enum_raw = {j: v[kept] for j, v in enum_raw.items()}
    report.rows = len(rows0)
    columns = {}
    for j, name in matched.items():
        col = kind.column(name)
        arr, bad = parsed[j]
        for i, msg in bad[:500]:
            if col.type == schema.ENUM:
                value = display(enum_raw[j][i]).strip()
                msg += (f": say what it means on the Data page, or add {mp.value_entry(name, value)} to the "
                        "mapping file")
            problems.append(Problem(ERROR, f"{col.label}: {msg}", file, sheet, _cell(j, rows0[i])))
        if len(bad) > 500:
            problems.append(Problem(ERROR, f"{col.label}: {len(bad) - 500} more bad values in this column "
                                    "(check the column mapping)", file, sheet))
        blank = _blank_mask(arr)
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
        report.mapping[display(header[j]).strip()] = f"{WIDE_CASH_TARGET}{end.isoformat()}"
    columns = {"provider_code": code_arr, "cash_gbp_k": cash,
               "period_end": np.array(ends, dtype="datetime64[D]")}
    return SheetData(kind.key, columns, np.array(src_rows, dtype=np.int64) + 1)

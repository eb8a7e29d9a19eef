"""Typed, column-wise input tables: what the io floor hands to the engine.

A table holds one numpy array per canonical column of its kind (see ``schema``), plus where each
row came from, so that any later message can name the file, sheet and cell.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from . import schema
from .schema import BOOL, CODE, DATE, ENUM, TEXT, InputKind

FLOAT_TYPES = {schema.MONEY, schema.NUMBER, schema.COUNT, schema.SHARE, schema.YEARS, schema.FY,
               schema.MONTH}


def empty_array(col_type: str, n: int) -> np.ndarray:
    if col_type in FLOAT_TYPES:
        return np.full(n, np.nan)
    if col_type == DATE:
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    return np.full(n, None, dtype=object)


def as_array(col_type: str, values) -> np.ndarray:
    """Convert python values (None for blank) into the column's array type."""
    if col_type in FLOAT_TYPES:
        return np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    if col_type == DATE:
        return np.array([np.datetime64("NaT") if v is None else np.datetime64(v, "D") for v in values],
                        dtype="datetime64[D]")
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


@dataclass
class Table:
    """One input kind's rows, column-wise. Blank numbers are NaN, blank text/enum/bool is None."""

    kind: InputKind
    columns: dict[str, np.ndarray]
    source_file: np.ndarray = None  # object: file name per row
    source_sheet: np.ndarray = None  # object: sheet name per row
    source_row: np.ndarray = None  # int: 1-based spreadsheet row per row

    def __post_init__(self):
        n = self.n_rows
        for col in self.kind.columns:
            if col.name not in self.columns:
                self.columns[col.name] = empty_array(col.type, n)
        if self.source_file is None:
            self.source_file = np.full(n, "", dtype=object)
        if self.source_sheet is None:
            self.source_sheet = np.full(n, self.kind.sheet, dtype=object)
        if self.source_row is None:
            self.source_row = np.arange(2, n + 2)

    @property
    def n_rows(self) -> int:
        for arr in self.columns.values():
            return len(arr)
        return 0

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    @classmethod
    def empty(cls, kind: InputKind) -> "Table":
        return cls(kind, {c.name: empty_array(c.type, 0) for c in kind.columns})

    @classmethod
    def from_records(cls, kind: InputKind, records: list[dict], source_file: str = "") -> "Table":
        """Build from dicts with canonical keys and already-typed values (tests, sample, project files)."""
        cols = {c.name: as_array(c.type, [r.get(c.name) for r in records]) for c in kind.columns}
        return cls(kind, cols, source_file=np.full(len(records), source_file, dtype=object))

    @classmethod
    def concat(cls, kind: InputKind, tables: list["Table"]) -> "Table":
        tables = [t for t in tables if t.n_rows]
        if not tables:
            return cls.empty(kind)
        cols = {c.name: np.concatenate([t.columns[c.name] for t in tables]) for c in kind.columns}
        return cls(
            kind, cols,
            source_file=np.concatenate([t.source_file for t in tables]),
            source_sheet=np.concatenate([t.source_sheet for t in tables]),
            source_row=np.concatenate([t.source_row for t in tables]),
        )

    def take(self, index) -> "Table":
        index = np.asarray(index)
        return Table(self.kind, {k: v[index] for k, v in self.columns.items()},
                     self.source_file[index], self.source_sheet[index], self.source_row[index])

    def records(self) -> list[dict]:
        """Rows as dicts of plain python values (None for blank)."""
        out = []
        for i in range(self.n_rows):
            rec = {}
            for col in self.kind.columns:
                rec[col.name] = plain_value(col.type, self.columns[col.name][i])
            out.append(rec)
        return out


def plain_value(col_type: str, v):
    if col_type in FLOAT_TYPES:
        return None if np.isnan(v) else float(v)
    if col_type == DATE:
        return None if np.isnat(v) else v.astype(dt.date)
    return v


@dataclass(frozen=True)
class SourceFile:
    """An input file as the report and project file record it."""

    file: str
    sha256: str
    sheets: tuple[str, ...] = ()
    rows_used: int = 0


@dataclass
class ModelInputs:
    """Everything the engine needs from the spreadsheets: one table per input kind."""

    providers: Table
    cash_balances: Table
    block_contracts: Table
    community_budgets: Table
    sources: list[SourceFile] = field(default_factory=list)

    @classmethod
    def empty(cls) -> "ModelInputs":
        return cls(*(Table.empty(k) for k in schema.INPUT_KINDS))

    def table(self, key: str) -> Table:
        return getattr(self, key)

    def tables(self) -> dict[str, Table]:
        return {k.key: getattr(self, k.key) for k in schema.INPUT_KINDS}


# Financial years ---------------------------------------------------------------------------------

def fy_label(start_year: int) -> str:
    """2025 -> '2025/26'."""
    start_year = int(start_year)
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def fy_of_date(day) -> int:
    """The financial year (start year) a date falls in: April to March."""
    if isinstance(day, np.datetime64):
        day = day.astype(dt.date)
    return day.year if day.month >= 4 else day.year - 1


def fy_month_end(start_year: int, month: int) -> dt.date:
    """Last day of month M (1 = April .. 12 = March) of the financial year."""
    month = int(month)
    cal_month = (month + 2) % 12 + 1
    year = int(start_year) + (1 if month >= 10 else 0)
    nxt = dt.date(year + (cal_month == 12), cal_month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def parse_fy_label(text: str) -> int:
    """'2025/26' -> 2025. Only the canonical form: the io floor reads the variants finance teams write."""
    text = str(text).strip()
    if len(text) == 7 and text[4] == "/" and text[:4].isdigit() and text[5:].isdigit():
        start = int(text[:4])
        if (start + 1) % 100 == int(text[5:]):
            return start
    raise ValueError(f"'{text}' is not a financial year like 2025/26")


def cash_period_ends(table: Table) -> np.ndarray:
    """Period end per cash row, from period_end or financial_year + month (NaT when neither)."""
    ends = table["period_end"].copy()
    fy = table["financial_year"]
    month = table["month"]
    missing = np.isnat(ends) & ~np.isnan(fy) & ~np.isnan(month)
    if missing.any():
        # M1 is April of the start year: calendar months since year 0 of month M, then its last day
        months = fy[missing].astype(np.int64) * 12 + month[missing].astype(np.int64) + 2
        first_of_next = (months + 1 - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]")
        ends[missing] = first_of_next - np.timedelta64(1, "D")
    return ends


__all__ = [
    "BOOL", "CODE", "ENUM", "TEXT", "ModelInputs", "SourceFile", "Table", "cash_period_ends", "fy_label",
    "fy_month_end", "fy_of_date", "parse_fy_label",
]

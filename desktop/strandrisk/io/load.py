"""The one way files become model inputs: ``load_inputs(paths) -> ImportResult``.

Everything that reads spreadsheets (CLI, app, smoke test) goes through here, so the readers behind
it can change without touching callers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from ..core import schema
from ..core.inputs import ModelInputs, SourceFile, Table, as_array, parse_fy_label
from ..core.problems import ERROR, Problem, column_letter

ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]


class ImportFailure(Exception):
    """A file that cannot be read at all (exit code 2). The message is one line for the user."""


class ImportCancelled(Exception):
    """The user cancelled the import."""


@dataclass
class SheetReport:
    """What was found in one sheet: its kind, rows used and how its columns were mapped."""

    file: str
    sheet: str
    kind: str | None
    rows: int = 0
    header_row: int = 1
    mapping: dict[str, str] = field(default_factory=dict)  # source header -> canonical column
    unmapped: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    inputs: ModelInputs
    problems: list[Problem] = field(default_factory=list)
    sheets: list[SheetReport] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(p.severity == ERROR for p in self.problems)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sample_dir() -> Path:
    """The built-in sample system shipped in resources/sample."""
    from importlib.resources import files

    return Path(str(files("strandrisk.resources").joinpath("sample")))


def sample_paths() -> list[Path]:
    return sorted(sample_dir().glob("*.xlsx"))


def load_sample(progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> ImportResult:
    return load_inputs(sample_paths(), progress=progress, cancel=cancel)


def load_inputs(paths: Iterable[str | Path], mapping: dict | None = None,
                progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> ImportResult:
    """Read every sheet of every file that holds one of the input kinds and combine them."""
    paths = [Path(p) for p in paths]
    parts: dict[str, list[Table]] = {k.key: [] for k in schema.INPUT_KINDS}
    problems: list[Problem] = []
    sheets: list[SheetReport] = []
    sources: list[SourceFile] = []
    for i, path in enumerate(paths):
        if cancel is not None and cancel():
            raise ImportCancelled()
        if progress is not None:
            progress(i / max(1, len(paths)), f"Reading {path.name}")
        tables, reports, found = _read_canonical_workbook(path)
        problems.extend(found)
        sheets.extend(reports)
        for key, table in tables.items():
            parts[key].append(table)
        sources.append(SourceFile(path.name, sha256_of(path), tuple(r.sheet for r in reports),
                                  sum(r.rows for r in reports)))
    inputs = ModelInputs(*(Table.concat(k, parts[k.key]) for k in schema.INPUT_KINDS), sources=sources)
    if progress is not None:
        progress(1.0, "Read")
    return ImportResult(inputs, problems, sheets)


def _read_canonical_workbook(path: Path):
    """Template-form workbooks: sheets named as the kinds, canonical column names in row 1."""
    from python_calamine import CalamineWorkbook

    if not path.exists():
        raise ImportFailure(f"{path}: file not found")
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - any reader failure is one line for the user
        raise ImportFailure(f"{path.name}: cannot be read as a workbook ({exc})") from None
    tables: dict[str, Table] = {}
    reports: list[SheetReport] = []
    problems: list[Problem] = []
    for name in wb.sheet_names:
        kind = schema.KINDS_BY_SHEET.get(name)
        if kind is None:
            continue
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        if not rows:
            continue
        header = [str(h).strip() for h in rows[0]]
        colmap = {j: h for j, h in enumerate(header) if h in kind.names}
        data_rows = [(r_i + 2, row) for r_i, row in enumerate(rows[1:])
                     if any(v not in ("", None) for v in row)]
        columns = {}
        for col in kind.columns:
            j = next((j for j, h in colmap.items() if h == col.name), None)
            values = []
            for r, row in data_rows:
                raw = row[j] if j is not None and j < len(row) else None
                try:
                    values.append(_canonical_value(col, raw))
                except ValueError as exc:
                    problems.append(Problem(ERROR, str(exc), path.name, name, f"{column_letter(j)}{r}"))
                    values.append(None)
            columns[col.name] = as_array(col.type, values)
        n = len(data_rows)
        tables[kind.key] = Table(kind, columns, np.full(n, path.name, dtype=object), np.full(n, name, dtype=object),
                                 np.array([r for r, _ in data_rows], dtype=np.int64))
        reports.append(SheetReport(path.name, name, kind.key, n, 1, {h: h for h in colmap.values()},
                                   [h for h in header if h and h not in kind.names]))
    return tables, reports, problems


def _canonical_value(col: schema.Column, raw):
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    t = col.type
    if t in (schema.MONEY, schema.NUMBER, schema.COUNT, schema.SHARE, schema.YEARS, schema.MONTH):
        if isinstance(raw, str) and t == schema.MONTH and raw.strip().upper().startswith("M"):
            return float(raw.strip()[1:])
        return float(raw)
    if t == schema.FY:
        if isinstance(raw, (int, float)):
            return float(raw)
        return float(parse_fy_label(raw))
    if t == schema.DATE:
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        return dt.date.fromisoformat(str(raw).strip()[:10])
    if t == schema.BOOL:
        if isinstance(raw, str):
            return raw.strip().lower() in ("true", "yes", "y", "1")
        return bool(raw)
    if t == schema.CODE:
        return str(raw).strip().upper()
    return str(raw).strip()

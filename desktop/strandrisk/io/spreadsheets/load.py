"""The one way files become model inputs: ``load_inputs(paths) -> ImportResult``.

Everything that reads spreadsheets (CLI, app, smoke test) goes through here, so the readers behind
it can change without touching callers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from ...core import schema
from ...core.inputs import ModelInputs, SourceFile, Table
from ...core.problems import ERROR, NOTE, Problem, column_letter
from ...core.validation import validate_inputs
from ..failures import CancelFn, ImportCancelled, ImportFailure, ProgressFn
from .sheets import WIDE_CASH_TARGET, SheetReport

__all__ = ["ImportCancelled", "ImportFailure", "ImportResult", "SheetReport", "load_inputs", "load_sample",
           "sample_dir", "sample_paths", "sha256_of"]



@dataclass
class ImportResult:
    inputs: ModelInputs
    problems: list[Problem] = field(default_factory=list)
    sheets: list[SheetReport] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(p.severity == ERROR for p in self.problems)

    @property
    def value_mappings(self) -> list:
        """Every value read as another (``sheets.ValueMapping``: file, sheet, column, as written, used,
        who decided), sheet by sheet: the audit trail of the report's Inputs sheet and of `check`."""
        return [v for s in self.sheets for v in getattr(s, "value_mappings", ())]


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


def load_inputs(paths: Iterable[str | Path], mapping=None, progress: ProgressFn | None = None,
                cancel: CancelFn | None = None, tac_selection=None) -> ImportResult:
    """Read every sheet of every file that holds one of the input kinds and combine them.

    mapping: an ``io.mapping.Mapping`` (or its dict) of the user's per-sheet overrides.
    Each file is read in a worker process (see ``worker.py``); a file that cannot be read at all
    raises ImportFailure with one line. Cross-table checks (references, duplicates) run at the end.
    """
    from . import worker
    from .mapping import Mapping
    from .readers import UnreadableFile

    try:
        worker.check_xml_protection()
    except worker.WorkerFailure as exc:
        raise ImportFailure(str(exc)) from None
    if isinstance(mapping, dict):
        mapping = Mapping.from_dict(mapping)
    mapping_dict = mapping.to_dict() if mapping is not None else None
    paths = [Path(p) for p in paths]
    parts: dict[str, list[Table]] = {k.key: [] for k in schema.INPUT_KINDS}
    problems: list[Problem] = []
    sheets: list[SheetReport] = []
    sources: list[SourceFile] = []
    letters: dict[tuple, dict[str, str]] = {}
    tac_paths = [p for p in paths if _is_tac(p)]
    for i, path in enumerate(paths):
        if cancel is not None and cancel():
            raise ImportCancelled()
        if progress is not None:
            progress(i / max(1, len(paths)), f"Reading {path.name}")
        if not path.is_file():
            raise ImportFailure(f"{path}: file not found" if not path.exists() else f"{path}: is not a file")
        try:
            digest = sha256_of(path)
        except OSError as exc:
            raise ImportFailure(f"{path.name}: cannot be opened ({exc.strerror or exc})") from None
        if path in tac_paths:
            if path == tac_paths[0]:  # all TAC files are read together: years and sectors combine
                from ..tac.reader import read_tac

                names = ", ".join(p.name for p in tac_paths)
                tac_result = worker.run_guarded(read_tac, (tac_paths,), {"selection": tac_selection}, names,
                                                progress, cancel, seconds=worker.TIME_LIMIT_SECONDS * len(tac_paths))
                problems.extend(tac_result.problems)
                sheets.extend(tac_result.sheets)
            mine = [r for r in tac_result.sheets if r.file == path.name]
            sources.append(SourceFile(path.name, digest, tuple(dict.fromkeys(r.sheet for r in mine)),
                                      sum(r.rows for r in mine)))
            continue
        try:
            reports, datas, found = worker.run_isolated(str(path), path.name, mapping_dict, cancel)
        except worker._Cancelled:
            raise ImportCancelled() from None
        except (UnreadableFile, worker.WorkerFailure) as exc:
            raise ImportFailure(f"{path.name}: {exc}") from None
        problems.extend(found)
        sheets.extend(reports)
        by_sheet = {r.sheet: r for r in reports}
        for sheet_name, data in datas:
            kind = schema.KINDS_BY_KEY[data.kind]
            n = len(data.source_row)
            parts[data.kind].append(Table(kind, dict(data.columns), _same(n, path.name), _same(n, sheet_name),
                                          data.source_row))
            report = by_sheet[sheet_name]
            letters[(path.name, sheet_name)] = _column_letters(report)
        used = [r for r in reports if r.kind]
        if not used:
            problems.append(Problem(ERROR, nothing_recognised_message(), path.name))
        sources.append(SourceFile(path.name, digest, tuple(r.sheet for r in used), sum(r.rows for r in used)))
    if tac_paths:
        _own_rows_replace_derived(parts, tac_result.tables, problems)
    inputs = ModelInputs(*(Table.concat(k, parts[k.key]) for k in schema.INPUT_KINDS), sources=sources)
    if progress is not None:
        progress(0.95, "Checking")

    def locate(table: Table, i: int, column: str):
        file, sheet = str(table.source_file[i]), str(table.source_sheet[i])
        letter = letters.get((file, sheet), {}).get(column, "")
        row = int(table.source_row[i])
        return file, sheet, f"{letter}{row}" if letter else f"A{row}"

    with worker._no_gc():
        problems.extend(validate_inputs(inputs, locate))
    if progress is not None:
        progress(1.0, "Read")
    return ImportResult(inputs, problems, sheets)


def _own_rows_replace_derived(parts: dict[str, list[Table]], derived: dict[str, Table], problems: list) -> None:
    """The user's own rows for a trust replace the rows derived from TAC data for it, kind by kind."""
    from ..tac.derive import replace_with_user_rows

    kept, replaced = replace_with_user_rows(derived, parts)
    for key, table in kept.items():
        parts[key].insert(0, table)
    for key, codes in replaced.items():
        problems.append(Problem(NOTE, f"your own {schema.KINDS_BY_KEY[key].sheet} rows replace those derived from "
                                      f"the TAC data for {', '.join(codes[:10])}{' ...' if len(codes) > 10 else ''}"))


def nothing_recognised_message() -> str:
    """One line saying what was looked for in a file where nothing was recognised."""
    from .sheets import HEADER_SEARCH_ROWS

    kinds = "; ".join(f"{k.sheet} ({', '.join(k.column(c).label for c in k.required)})" for k in schema.INPUT_KINDS)
    return (f"nothing was recognised in this file: no sheet has a header row (in its first {HEADER_SEARCH_ROWS} "
            f"rows) naming the required columns of an input - {kinds}. Save the template to see the layout, "
            "or choose the sheet's kind and columns on the Data page or in a mapping file")


def _same(n: int, text: str) -> np.ndarray:
    """An object array holding one shared string (np.full would make n copies of it)."""
    arr = np.empty(n, dtype=object)
    arr[:] = [text] if n else []
    return arr


def _column_letters(report: SheetReport) -> dict[str, str]:
    """canonical column -> column letter, from the report's header preview."""
    out = {}
    header = report.preview[report.header_row - 1] if report.header_row - 1 < len(report.preview) else []
    for j, text in enumerate(header):
        name = report.mapping.get(text.strip())
        if name and not name.startswith(WIDE_CASH_TARGET):
            out.setdefault(name, column_letter(j))
    return out


def _is_tac(path: Path) -> bool:
    """TAC (trust accounts consolidation) workbooks are read by io.tac, all of them in one call."""
    if path.suffix.lower() not in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        return False
    from ..tac import reader as tac

    try:
        with open(path, "rb") as fh:
            if fh.read(4) != b"PK\x03\x04":
                return False
        from .readers import check_zip

        fmt, _, names = check_zip(path, scan=False)
        if fmt not in ("xlsx", "xlsm"):
            return False
    except Exception:  # noqa: BLE001 - not a TAC file; the normal reader will give the reason
        return False
    return tac.looks_like_tac(list(names))  # sheet names compared ignoring case and spaces

"""The ``.strandrisk`` project file: imported data, mappings, named scenarios and source file hashes.

A project is a zip holding one ``project.json``, so a colleague can open it without the original
spreadsheets. The JSON holds every input table column-wise (canonical columns of core.schema), the
source of each row, the column mapping used, the named scenarios and the format version. A file written
by a newer StrandRisk is refused rather than half-read. Saves are atomic; the app's recovery files
(``recovery.py``) are project files too.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...core import schema
from ...core.inputs import FLOAT_TYPES, ModelInputs, SourceFile, Table
from ...core.schema import DATE
from ..atomic import atomic_path

FORMAT_VERSION = 1
SUFFIX = ".strandrisk"
MEMBER = "project.json"
MAX_JSON_BYTES = 256 * 1024 * 1024  # a project far larger than any trust's inputs is refused unread


class ProjectError(Exception):
    """A project file that cannot be opened or saved; the message is one line for the user."""


@dataclass
class Project:
    inputs: ModelInputs
    scenarios: dict[str, dict] = field(default_factory=dict)  # name -> scenario dict (Scenario.from_dict)
    current_scenario: str | None = None
    mapping: dict | None = None  # io.mapping.Mapping.to_dict(), when the user changed the mapping
    source_paths: list[str] = field(default_factory=list)  # where the files were when imported
    is_sample: bool = False
    app_version: str = ""


def _column_to_json(col_type: str, arr: np.ndarray) -> list:
    if col_type in FLOAT_TYPES:
        return [None if math.isnan(x) else float(x) for x in arr.tolist()]
    if col_type == DATE:
        return [None if np.isnat(x) else str(x) for x in arr]
    return [None if v is None else (bool(v) if isinstance(v, (bool, np.bool_)) else str(v)) for v in arr]


def _column_from_json(col_type: str, values: list, n: int, where: str) -> np.ndarray:
    if not isinstance(values, list) or len(values) != n:
        raise ProjectError(f"the project file is damaged: column {where} has the wrong length")
    if col_type in FLOAT_TYPES:
        try:
            return np.array([np.nan if v is None else float(v) for v in values], dtype=float)
        except (TypeError, ValueError):
            raise ProjectError(f"the project file is damaged: column {where} holds a non-number") from None
    if col_type == DATE:
        try:
            return np.array([np.datetime64("NaT") if v is None else np.datetime64(dt.date.fromisoformat(v), "D")
                             for v in values], dtype="datetime64[D]")
        except (TypeError, ValueError):
            raise ProjectError(f"the project file is damaged: column {where} holds a bad date") from None
    out = np.empty(n, dtype=object)
    for i, v in enumerate(values):
        if v is not None and not isinstance(v, (str, bool)):
            raise ProjectError(f"the project file is damaged: column {where} holds an unexpected value")
        out[i] = v
    return out


def _table_to_json(table: Table) -> dict:
    return {
        "rows": table.n_rows,
        "columns": {c.name: _column_to_json(c.type, table.columns[c.name]) for c in table.kind.columns},
        "source_file": [str(x) for x in table.source_file],
        "source_sheet": [str(x) for x in table.source_sheet],
        "source_row": [int(x) for x in table.source_row],
    }


def _table_from_json(kind: schema.InputKind, data) -> Table:
    if not isinstance(data, dict) or not isinstance(data.get("rows"), int) or data["rows"] < 0:
        raise ProjectError(f"the project file is damaged: table {kind.key} is unreadable")
    n = data["rows"]
    cols_in = data.get("columns") or {}
    columns = {c.name: _column_from_json(c.type, cols_in[c.name], n, f"{kind.key}.{c.name}")
               for c in kind.columns if c.name in cols_in}
    if not columns:
        return Table.empty(kind) if n == 0 else Table(kind, {c.name: np.full(n, np.nan) for c in kind.columns[:1]})
    try:
        src_file = np.array(list(data.get("source_file", [""] * n)), dtype=object)
        src_sheet = np.array(list(data.get("source_sheet", [kind.sheet] * n)), dtype=object)
        src_row = np.array([int(x) for x in data.get("source_row", range(2, n + 2))], dtype=np.int64)
    except (TypeError, ValueError):
        raise ProjectError(f"the project file is damaged: row sources of {kind.key} are unreadable") from None
    if not len(src_file) == len(src_sheet) == len(src_row) == n:
        raise ProjectError(f"the project file is damaged: row sources of {kind.key} have the wrong length")
    return Table(kind, columns, src_file, src_sheet, src_row)


def to_document(project: Project) -> dict:
    inputs = project.inputs
    return {
        "format": "strandrisk-project",
        "format_version": FORMAT_VERSION,
        "app_version": project.app_version,
        "saved_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "is_sample": project.is_sample,
        "sources": [{"file": s.file, "sha256": s.sha256, "sheets": list(s.sheets), "rows_used": s.rows_used}
                    for s in inputs.sources],
        "source_paths": list(project.source_paths),
        "mapping": project.mapping,
        "scenarios": project.scenarios,
        "current_scenario": project.current_scenario,
        "tables": {k.key: _table_to_json(inputs.table(k.key)) for k in schema.INPUT_KINDS},
    }


def from_document(doc) -> Project:
    if not isinstance(doc, dict) or doc.get("format") != "strandrisk-project":
        raise ProjectError("this is not a StrandRisk project file")
    version = doc.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ProjectError("the project file is damaged: its format version is missing")
    if version > FORMAT_VERSION:
        raise ProjectError(f"this project was saved by a newer StrandRisk (project format {version}; this "
                           f"version reads up to {FORMAT_VERSION}): install the newer version to open it")
    tables_in = doc.get("tables") or {}
    if not isinstance(tables_in, dict):
        raise ProjectError("the project file is damaged: its data tables are unreadable")
    tables = [(_table_from_json(k, tables_in[k.key]) if k.key in tables_in else Table.empty(k))
              for k in schema.INPUT_KINDS]
    sources = []
    for s in doc.get("sources") or []:
        try:
            sources.append(SourceFile(str(s["file"]), str(s["sha256"]), tuple(str(x) for x in s.get("sheets", [])),
                                      int(s.get("rows_used", 0))))
        except (KeyError, TypeError, ValueError):
            raise ProjectError("the project file is damaged: its source file list is unreadable") from None
    scenarios = doc.get("scenarios") or {}
    if not isinstance(scenarios, dict) or not all(isinstance(v, dict) for v in scenarios.values()):
        raise ProjectError("the project file is damaged: its scenarios are unreadable")
    current = doc.get("current_scenario")
    if current not in scenarios:
        current = next(iter(scenarios), None)
    mapping = doc.get("mapping")
    return Project(ModelInputs(*tables, sources=sources), dict(scenarios), current,
                   mapping if isinstance(mapping, dict) else None,
                   [str(p) for p in doc.get("source_paths") or []], bool(doc.get("is_sample", False)),
                   str(doc.get("app_version", "")))


def save_project(project: Project, path: str | Path) -> None:
    """Write the project atomically: an existing file survives any failure."""
    path = Path(path)
    data = json.dumps(to_document(project), ensure_ascii=False, allow_nan=False).encode("utf-8")
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(MEMBER, data)


def load_project(path: str | Path) -> Project:
    """Read a project file; sizes are checked before anything is decompressed."""
    path = Path(path)
    if not path.exists():
        raise ProjectError(f"{path.name}: file not found")
    try:
        with zipfile.ZipFile(path) as zf:
            try:
                info = zf.getinfo(MEMBER)
            except KeyError:
                raise ProjectError(f"{path.name} is not a StrandRisk project file") from None
            if info.file_size > MAX_JSON_BYTES:
                raise ProjectError(f"{path.name} is too large to be a StrandRisk project")
            with zf.open(info) as fh:
                raw = fh.read(MAX_JSON_BYTES + 1)
    except zipfile.BadZipFile:
        raise ProjectError(f"{path.name} is not a StrandRisk project file (or it is damaged)") from None
    except OSError as exc:
        raise ProjectError(f"{path.name} cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_JSON_BYTES:
        raise ProjectError(f"{path.name} is too large to be a StrandRisk project")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ProjectError(f"{path.name}: the project data is damaged and cannot be read") from None
    return from_document(doc)

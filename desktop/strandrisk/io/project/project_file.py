"""The ``.strandrisk`` project file: imported data, mappings, named scenarios and source file hashes.

A project is a zip holding one ``project.json``, so a colleague can open it without the original
spreadsheets. The JSON holds every input table column-wise (canonical columns of core.schema), the
source of each row, the column mapping used, the named scenarios and the format version. A file written
by a newer StrandRisk is refused rather than half-read. Saves are atomic; the same format is used for
the app's autosave (recovery) file.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import zipfile
import zlib
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


def _damaged(what: str) -> ProjectError:
    return ProjectError(f"the project file is damaged: {what}")


def _float_values(col, values: list, where: str) -> np.ndarray:
    out = np.empty(len(values), dtype=float)
    for i, v in enumerate(values):
        if v is None:
            out[i] = np.nan
        elif isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _damaged(f"{where} row {i + 1} holds {_shown(v)}, not a number")
        else:
            try:
                out[i] = float(v)
            except OverflowError:
                raise _damaged(f"{where} row {i + 1} holds a number too large to be real") from None
    limits = schema.value_range(col)
    finite = ~np.isnan(out)
    if limits is not None:
        outside = finite & ((out < limits[0]) | (out > limits[1]))
    else:
        outside = finite & ~np.isfinite(out)
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise _damaged(f"{where} row {i + 1} holds {out[i]:g}, outside what it can be")
    return out


def _shown(v) -> str:
    """A damaged value in a message: short, and never a Python type name."""
    if isinstance(v, str):
        return f"the text '{v[:20]}'" if v else "empty text"
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, (list, dict)):
        return "a list" if isinstance(v, list) else "a group of values"
    return "an unreadable value"


def _column_from_json(col, values, n: int, where: str) -> np.ndarray:
    if not isinstance(values, list) or len(values) != n:
        raise _damaged(f"column {where} has the wrong length")
    if col.type in FLOAT_TYPES:
        return _float_values(col, values, where)
    if col.type == DATE:
        low, high = schema.value_range(col) or (1, 9999)
        out = np.empty(n, dtype="datetime64[D]")
        for i, v in enumerate(values):
            try:
                day = None if v is None else dt.date.fromisoformat(v)
            except (TypeError, ValueError):
                raise _damaged(f"{where} row {i + 1} holds {_shown(v)}, not a date") from None
            if day is not None and not low <= day.year <= high:
                raise _damaged(f"{where} row {i + 1} holds the date {day}, outside what it can be")
            out[i] = np.datetime64("NaT") if day is None else np.datetime64(day, "D")
        return out
    out = np.empty(n, dtype=object)
    for i, v in enumerate(values):
        if v is not None and not isinstance(v, (str, bool)):
            raise _damaged(f"{where} row {i + 1} holds an unexpected value")
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


MAX_ROWS = 10_000_000  # far beyond any trust's inputs; a larger count is damage, not data


def _row_count(kind, data) -> int:
    if not isinstance(data, dict):
        raise _damaged(f"table {kind.key} is unreadable")
    n = data.get("rows")
    if isinstance(n, bool) or not isinstance(n, int):
        raise _damaged(f"{kind.key}.rows is {_shown(n) if n is not None else 'missing'}, not a count")
    if not 0 <= n <= MAX_ROWS:
        raise _damaged(f"{kind.key}.rows is {n}, not a possible number of rows")
    return n


def _texts(values, n: int, where: str) -> np.ndarray:
    if not isinstance(values, list) or len(values) != n:
        raise _damaged(f"{where} has the wrong length")
    if not all(isinstance(v, str) for v in values):
        raise _damaged(f"{where} holds a value that is not text")
    return np.array(values, dtype=object)


def _row_numbers(values, n: int, where: str) -> np.ndarray:
    if not isinstance(values, list) or len(values) != n:
        raise _damaged(f"{where} has the wrong length")
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 2**31:
            raise _damaged(f"{where} row {i + 1} is not a spreadsheet row number")
    return np.array(values, dtype=np.int64)


def _table_from_json(kind: schema.InputKind, data) -> Table:
    n = _row_count(kind, data)
    cols_in = data.get("columns") or {}
    if not isinstance(cols_in, dict):
        raise _damaged(f"{kind.key}.columns is unreadable")
    columns = {c.name: _column_from_json(c, cols_in[c.name], n, f"{kind.key}.{c.name}")
               for c in kind.columns if c.name in cols_in}
    if not columns:
        return Table.empty(kind) if n == 0 else Table(kind, {c.name: np.full(n, np.nan) for c in kind.columns[:1]})
    src_file = _texts(data.get("source_file", [""] * n), n, f"{kind.key}.source_file")
    src_sheet = _texts(data.get("source_sheet", [kind.sheet] * n), n, f"{kind.key}.source_sheet")
    src_row = _row_numbers(data.get("source_row", list(range(2, n + 2))), n, f"{kind.key}.source_row")
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


def _format_version(doc: dict) -> int:
    """The format version; a number written as text ("2") is read as that number."""
    version = doc.get("format_version")
    if version is None:
        raise _damaged("its format version is missing")
    if isinstance(version, str) and version.strip().isdigit():
        version = int(version.strip())
    elif isinstance(version, float) and version.is_integer():
        version = int(version)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _damaged(f"its format version is {_shown(version) if not isinstance(version, int) else version}, "
                       "not a version number")
    return version


def _sources(doc: dict) -> list[SourceFile]:
    raw = doc.get("sources") or []
    if not isinstance(raw, list):
        raise _damaged("its source file list is unreadable")
    out = []
    for i, s in enumerate(raw):
        where = f"sources row {i + 1}"
        if not isinstance(s, dict) or not isinstance(s.get("file"), str) or not isinstance(s.get("sha256"), str):
            raise _damaged(f"{where} is unreadable")
        sheets = s.get("sheets", [])
        rows = s.get("rows_used", 0)
        if not isinstance(sheets, list) or not all(isinstance(x, str) for x in sheets):
            raise _damaged(f"{where}: its sheet names are unreadable")
        if isinstance(rows, bool) or not isinstance(rows, int) or not 0 <= rows <= MAX_ROWS:
            raise _damaged(f"{where}: its count of rows used is not a count")
        out.append(SourceFile(s["file"], s["sha256"], tuple(sheets), rows))
    return out


def _scenarios(doc: dict) -> dict[str, dict]:
    """The named scenarios; each is read as the app reads it, so a damaged value is named here, at opening."""
    from ...core.scenario import Scenario, ScenarioError

    scenarios = doc.get("scenarios") or {}
    if not isinstance(scenarios, dict) or not all(isinstance(v, dict) for v in scenarios.values()):
        raise _damaged("its scenarios are unreadable")
    for name, data in scenarios.items():
        try:
            Scenario.from_dict(data)
        except ScenarioError as exc:
            raise _damaged(f"scenario '{name[:40]}': {exc}") from None
        except (TypeError, ValueError, OverflowError, KeyError, AttributeError, IndexError):
            raise _damaged(f"scenario '{name[:40]}' holds a value of the wrong kind") from None
    return dict(scenarios)


def _mapping(doc: dict) -> dict | None:
    mapping = doc.get("mapping")
    if mapping is None:
        return None
    from ..spreadsheets.mapping import Mapping, MappingError

    if not isinstance(mapping, dict):
        raise _damaged("its column mapping is unreadable")
    try:
        Mapping.from_dict(mapping)
    except (MappingError, TypeError, ValueError, OverflowError, KeyError, AttributeError, IndexError):
        raise _damaged("its column mapping is unreadable") from None
    return mapping


def from_document(doc) -> Project:
    if not isinstance(doc, dict) or doc.get("format") != "strandrisk-project":
        raise ProjectError("this is not a StrandRisk project file")
    version = _format_version(doc)
    if version > FORMAT_VERSION:
        raise ProjectError(f"this project was saved by a newer StrandRisk (project format {version}; this "
                           f"version reads up to {FORMAT_VERSION}): install the newer version to open it")
    tables_in = doc.get("tables") or {}
    if not isinstance(tables_in, dict):
        raise _damaged("its data tables are unreadable")
    tables = [(_table_from_json(k, tables_in[k.key]) if k.key in tables_in else Table.empty(k))
              for k in schema.INPUT_KINDS]
    scenarios = _scenarios(doc)
    current = doc.get("current_scenario")
    if not isinstance(current, str) or current not in scenarios:
        current = next(iter(scenarios), None)
    paths = doc.get("source_paths") or []
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise _damaged("its list of spreadsheet locations is unreadable")
    app_version = doc.get("app_version", "")
    return Project(ModelInputs(*tables, sources=_sources(doc)), scenarios, current, _mapping(doc), list(paths),
                   doc.get("is_sample") is True, app_version if isinstance(app_version, str) else "")


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
    except (zlib.error, EOFError, NotImplementedError, RuntimeError):  # broken compressed data, odd zips
        raise ProjectError(f"{path.name}: the project file is damaged (its compressed data cannot be read)") from None
    except OSError as exc:
        raise ProjectError(f"{path.name} cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_JSON_BYTES:
        raise ProjectError(f"{path.name} is too large to be a StrandRisk project")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ProjectError(f"{path.name}: the project data is damaged and cannot be read") from None
    try:
        return from_document(doc)
    except ProjectError as exc:
        raise ProjectError(f"{path.name}: {exc}") from None


def autosave_dir() -> Path:
    from ...logs import user_data_dir

    return user_data_dir() / "autosave"


def autosave_path() -> Path:
    return autosave_dir() / f"recovery{SUFFIX}"


def write_autosave(project: Project) -> Path:
    folder = autosave_dir()
    folder.mkdir(parents=True, exist_ok=True)
    save_project(project, autosave_path())
    return autosave_path()


def clear_autosave() -> None:
    try:
        autosave_path().unlink()
    except FileNotFoundError:
        pass

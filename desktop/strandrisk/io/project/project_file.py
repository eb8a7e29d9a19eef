"""The ``.strandrisk`` project file: imported data, mappings, named scenarios, source file hashes and the
simulations that were current when it was saved.

A project is a zip holding one ``project.json``, so a colleague can open it without the original
spreadsheets, and one ``simulations/N.npz`` per saved Monte Carlo (its arrays; ``project.json`` lists
each with the scenario it was run for and the fingerprint of what it was computed from). The
simulations are an optional part: damage there drops that simulation with a note, never the project. The JSON holds every input table column-wise (canonical columns of core.schema), the
source of each row, the column mapping used, the named scenarios and the format version. A file written
by a newer StrandRisk is refused rather than half-read. Saves are atomic; the app's recovery files
(``recovery.py``) are project files too.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...core import schema
from ...core.inputs import FLOAT_TYPES, ModelInputs, SourceFile, Table
from ...core.schema import DATE
from ...core.simulation import MonteCarloResult, TornadoResult
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
    simulations: list["SavedSimulation"] = field(default_factory=list)  # current when saved
    notes: list[str] = field(default_factory=list)  # what was left out when reading, in plain words


@dataclass
class SavedSimulation:
    """A Monte Carlo run (and its tornado) kept in the project with the fingerprint of everything it was
    computed from (the workspace works the fingerprint out and decides whether it is still current)."""

    scenario: str  # the scenario it was run for when saved
    fingerprint: str
    monte_carlo: MonteCarloResult
    tornado: TornadoResult | None = None


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


# saved simulations ------------------------------------------------------------------------------------

SIMULATIONS_KEY = "simulations"
SIMULATION_MEMBER = "simulations/{}.npz"
MAX_SAVED_SIMULATIONS = 64  # far more than the workspace keeps; a longer list is damage
MAX_SIMULATION_BYTES = 2 * 2**30  # one simulation's arrays unpacked; checked before anything is decompressed
MAX_DRAWS = 10_000_000
_PER_FORM = ("npv_stranded", "cumulative_surplus", "probability_deficit", "probability_liquidity_risk",
             "probability_shift_exceeds_break_even")
_SAMPLES = ("npv_stranded_samples", "cumulative_surplus_samples", "closing_cash_samples")
_PROBABILITIES = ("probability_deficit", "probability_liquidity_risk", "probability_shift_exceeds_break_even")
_TORNADO_ARRAYS = ("base_npv", "base_cumulative_surplus", "base_closing_cash", "npv_stranded", "cumulative_surplus",
                   "closing_cash")
_log = logging.getLogger("strandrisk")


class _Unusable(Exception):
    """A saved simulation that cannot be used; the message is for the log, the user gets a plain note."""


def pack_draws(draws: np.ndarray) -> np.ndarray:
    """(N, P) float32 draws -> (P, 4, N) bytes, losslessly and about half the size once compressed: each
    provider's draws sorted (the histograms need the values, not the order they were drawn in), as
    integer keys in the same order, each the difference from the one before, split into byte planes."""
    bits = np.sort(np.asarray(draws, dtype=np.float32), axis=0).view(np.uint32)
    keys = np.where(bits >> 31, ~bits, bits | np.uint32(0x80000000)).astype("<u4")
    steps = np.diff(keys, axis=0, prepend=np.zeros((1, keys.shape[1]), dtype="<u4"))
    n, p = steps.shape
    return np.ascontiguousarray(steps.T).view(np.uint8).reshape(p, n, 4).transpose(0, 2, 1).copy()


def unpack_draws(packed: np.ndarray) -> np.ndarray:
    """The (N, P) float32 draws of ``pack_draws``, each provider's sorted."""
    p, _four, n = packed.shape
    steps = np.ascontiguousarray(packed.transpose(0, 2, 1)).view("<u4").reshape(p, n)
    keys = np.cumsum(steps, axis=1, dtype=np.uint32)  # wraps round as the differences did
    bits = np.where(keys >> 31, keys ^ np.uint32(0x80000000), ~keys).astype(np.uint32)
    return np.ascontiguousarray(bits.view(np.float32).T)


def _simulation_arrays(sim: SavedSimulation) -> dict[str, np.ndarray]:
    """Every array of the run by name: percentiles and probabilities exactly as computed (float64), the
    draws kept for the histograms at the precision the simulation keeps them (float32, ``pack_draws``)."""
    mc, tor = sim.monte_carlo, sim.tornado
    arrays = {}
    for form in mc.forms:
        for key, arr in mc.percentiles[form].items():
            arrays[f"percentiles/{form}/{key}"] = arr
    for name in _PER_FORM:
        for form, arr in getattr(mc, name).items():
            arrays[f"{name}/{form}"] = arr
    for name in _SAMPLES:
        for form, arr in getattr(mc, name).items():
            arrays[f"{name}/{form}"] = pack_draws(arr)
    for form, arr in mc.break_even.items():
        arrays[f"break_even/{form}"] = arr
    if tor is not None:
        for name in _TORNADO_ARRAYS:
            for form, arr in getattr(tor, name).items():
                arrays[f"tornado/{name}/{form}"] = arr
    return {k: np.asarray(v) for k, v in arrays.items()}


def _simulation_entry(sim: SavedSimulation, member: str) -> dict:
    mc, tor = sim.monte_carlo, sim.tornado
    entry = {"scenario": sim.scenario, "fingerprint": sim.fingerprint, "member": member,
             "simulations": int(mc.simulations), "seed": int(mc.seed), "forms": list(mc.forms),
             "years": [str(y) for y in mc.years], "percentiles": [int(q) for q in mc.percentiles_levels]}
    if tor is not None:
        entry["tornado"] = {"parameters": list(tor.parameters), "labels": list(tor.labels),
                            "low_values": [float(x) for x in tor.low_values],
                            "high_values": [float(x) for x in tor.high_values], "forms": list(tor.forms)}
    return entry


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    import io

    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def save_project(project: Project, path: str | Path) -> None:
    """Write the project atomically: an existing file survives any failure."""
    path = Path(path)
    doc = to_document(project)
    parts = []
    for i, sim in enumerate(project.simulations, start=1):
        member = SIMULATION_MEMBER.format(i)
        doc.setdefault(SIMULATIONS_KEY, []).append(_simulation_entry(sim, member))
        parts.append((member, _npz_bytes(_simulation_arrays(sim))))
    data = json.dumps(doc, ensure_ascii=False, allow_nan=False).encode("utf-8")
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(MEMBER, data)
            for member, blob in parts:  # already compressed
                zf.writestr(member, blob, compress_type=zipfile.ZIP_STORED)


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
        project = from_document(doc)
    except ProjectError as exc:
        raise ProjectError(f"{path.name}: {exc}") from None
    if doc.get(SIMULATIONS_KEY) is not None:
        project.simulations, project.notes = read_simulations(path, doc[SIMULATIONS_KEY], project.scenarios)
    return project


def read_simulations(path: Path, entries, scenarios: dict) -> tuple[list[SavedSimulation], list[str]]:
    """The saved simulations that can be read, and a plain note for each one left out. Never raises: a
    damaged simulations part costs the simulation, not the project."""
    if not isinstance(entries, list) or len(entries) > MAX_SAVED_SIMULATIONS:
        _log.info("%s: the list of saved simulations is unreadable", path.name)
        return [], ["The simulations saved in the project could not be read (that part of the file is damaged) "
                    "and were left out: run them again."]
    out, notes = [], []
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        _log.info("%s: saved simulations unreadable: %s", path.name, exc)
        return [], ["The simulations saved in the project could not be read and were left out: run them again."]
    with zf:
        for i, entry in enumerate(entries, start=1):
            name = entry.get("scenario") if isinstance(entry, dict) else None
            try:
                out.append(_read_simulation(zf, entry))
            except (_Unusable, zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, TypeError, KeyError,
                    OverflowError, NotImplementedError, RuntimeError, MemoryError) as exc:
                _log.info("%s: saved simulation %d left out: %s", path.name, i, exc)
                which = f"The simulations saved for scenario '{name[:40]}'" if isinstance(name, str) \
                    and name in scenarios else f"Saved simulation number {i}"
                notes.append(f"{which} could not be read (that part of the file is damaged) and were left out: run "
                             "the simulation again.")
    return out, notes


def _meta_int(entry: dict, key: str, low: int, high: int) -> int:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _Unusable(f"{key} is {value!r}")
    return value


def _meta_texts(entry: dict, key: str) -> list[str]:
    value = entry.get(key)
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise _Unusable(f"{key} is not a list of texts")
    return value


def _read_simulation(zf: zipfile.ZipFile, entry) -> SavedSimulation:
    from ...core.engine import FORMS
    from ...core.simulation import PERCENTILES

    if not isinstance(entry, dict):
        raise _Unusable("entry is not a group of values")
    scenario, fingerprint, member = entry.get("scenario"), entry.get("fingerprint"), entry.get("member")
    if not all(isinstance(x, str) for x in (scenario, fingerprint, member)):
        raise _Unusable("scenario, fingerprint or member missing")
    n = _meta_int(entry, "simulations", 1, MAX_DRAWS)
    seed = _meta_int(entry, "seed", 0, 2**63)
    forms = tuple(_meta_texts(entry, "forms"))
    years = _meta_texts(entry, "years")
    if not forms or len(set(forms)) != len(forms) or not set(forms) <= set(FORMS) or not 1 <= len(years) <= 200:
        raise _Unusable("forms or years unreadable")
    if entry.get("percentiles") != list(PERCENTILES):
        raise _Unusable("other percentiles")
    arrays = _read_arrays(zf, member)
    H, L = len(years), len(PERCENTILES)
    first = arrays.get(f"npv_stranded/{forms[0]}")
    if first is None or first.ndim != 2:
        raise _Unusable("no NPV percentiles")
    P = first.shape[1]

    def take(name: str, shape: tuple, dtype=np.float64, required: bool = True):
        arr = arrays.get(name)
        if arr is None:
            if required:
                raise _Unusable(f"{name} missing")
            return None
        if arr.dtype.kind != "f" or arr.shape != shape:
            raise _Unusable(f"{name} has shape {arr.shape}, dtype {arr.dtype}")
        if name.split("/")[0] in _PROBABILITIES and (np.nanmin(arr, initial=0) < 0 or np.nanmax(arr, initial=0) > 1):
            raise _Unusable(f"{name} is not a probability")
        return arr.astype(dtype, copy=False)

    shapes = {"npv_stranded": (L, P), "cumulative_surplus": (L, P), "probability_deficit": (P, H),
              "probability_liquidity_risk": (P, H), "probability_shift_exceeds_break_even": (P,)}
    per_form = {name: {f: take(f"{name}/{f}", shape) for f in forms} for name, shape in shapes.items()}
    samples = {name: {f: unpack_draws(a) for f in forms if (a := _packed(arrays, f"{name}/{f}", P, n)) is not None}
               for name in _SAMPLES}
    break_even = {f: a for f in FORMS if (a := take(f"break_even/{f}", (P,), required=False)) is not None}
    from ...core.results import YEARLY_KEYS

    mc = MonteCarloResult(
        simulations=n, seed=seed, forms=forms, years=years,
        percentiles={f: {k: take(f"percentiles/{f}/{k}", (L, P, H)) for k in YEARLY_KEYS} for f in forms},
        npv_stranded_samples=samples["npv_stranded_samples"], break_even=break_even,
        cumulative_surplus_samples=samples["cumulative_surplus_samples"],
        closing_cash_samples=samples["closing_cash_samples"], **per_form)
    return SavedSimulation(scenario, fingerprint, mc, _read_tornado(entry.get("tornado"), take, P))


def _packed(arrays: dict, name: str, P: int, n: int) -> np.ndarray | None:
    arr = arrays.get(name)
    if arr is not None and (arr.dtype != np.uint8 or arr.shape != (P, 4, n)):
        raise _Unusable(f"{name} has shape {arr.shape}, dtype {arr.dtype}")
    return arr


def _read_tornado(meta, take, P: int) -> TornadoResult | None:
    from ...core.engine import FORMS

    if meta is None:
        return None
    if not isinstance(meta, dict):
        raise _Unusable("tornado unreadable")
    parameters, labels = _meta_texts(meta, "parameters"), _meta_texts(meta, "labels")
    forms = tuple(_meta_texts(meta, "forms"))
    lows, highs = meta.get("low_values"), meta.get("high_values")
    k = len(parameters)
    if (not forms or not set(forms) <= set(FORMS) or len(labels) != k or not isinstance(lows, list)
            or not isinstance(highs, list) or len(lows) != k or len(highs) != k
            or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in lows + highs)):
        raise _Unusable("tornado settings unreadable")
    arrays = {name: {f: take(f"tornado/{name}/{f}", (P,) if name.startswith("base_") else (k, 2, P))
                     for f in forms} for name in _TORNADO_ARRAYS}
    return TornadoResult(parameters=parameters, labels=labels, low_values=[float(x) for x in lows],
                         high_values=[float(x) for x in highs], forms=forms, **arrays)


def _read_arrays(zf: zipfile.ZipFile, member: str) -> dict[str, np.ndarray]:
    """The arrays of one saved simulation; every size is checked before it is decompressed, and nothing
    but plain numbers is read (no pickled objects)."""
    import io

    info = zf.getinfo(member)
    if info.file_size > MAX_SIMULATION_BYTES:
        raise _Unusable("simulation part too large")
    with zf.open(info) as fh:
        blob = fh.read(MAX_SIMULATION_BYTES + 1)
    with zipfile.ZipFile(io.BytesIO(blob)) as inner:
        infos = inner.infolist()
        if sum(i.file_size for i in infos) > MAX_SIMULATION_BYTES or len(infos) > 10_000:
            raise _Unusable("simulation arrays too large")
        out = {}
        for i in infos:
            if not i.filename.endswith(".npy"):
                raise _Unusable(f"unexpected part {i.filename[:40]}")
            with inner.open(i) as fh:
                out[i.filename[:-4]] = np.lib.format.read_array(fh, allow_pickle=False)
    return out

"""Header mapping: finance teams' headers to canonical columns, and the user's saved overrides.

Headers are read by meaning by ``matching.py`` (the vocabulary is ``core/vocabulary.py``). A unit in
the header (`(£000)`, `£k`, `(£m)`, `(£)`) is taken out before matching and scales money to GBP thousands.

A ``Mapping`` holds the user's overrides per file and sheet (the kind, the header row and the
source header -> canonical column choices, or ``ignore``). It is saved as a small JSON file::

    {"version": 1, "sheets": [{"file": "cash.xlsx", "sheet": "Sheet1", "kind": "cash_balances",
                               "header_row": 3, "columns": {"Bal £m": "cash_gbp_k", "Notes": "ignore"}}]}

``file`` and ``sheet`` may be ``"*"`` to match any file or sheet. ``values`` (optional) gives the
user's meaning of values the matcher does not know, per column, for every file::

    {"values": {"vehicle": {"Subsidiary company": "new_entity"}}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...core import schema
from ...core.labels import value_label
from . import matching

IGNORE = "ignore"
EXAMPLE_MARKER_HEADER = "Row type"  # template marker column; rows saying 'Example' are skipped
EXAMPLE_MARKER_VALUE = "Example"


class MappingError(Exception):
    """A mapping file that cannot be used; the message is one line for the user."""


def normalise_header(text) -> str:
    """A header's meaning words: 'Cash Balance (£000)' -> 'cash closing' (see ``matching.normalise``)."""
    return matching.normalise(text).text


def header_scale(text) -> float | None:
    """The money scale a header's unit implies (1.0 for £000/£k, 1000 for £m, 0.001 for £); None if none."""
    return matching.header_scale(text)


def header_scores(kind_key: str, header) -> dict[str, float]:
    """Score of one header against every column of a kind (0 to 1), best first; zero scores left out."""
    fs = matching.field_set(kind_key)
    scores = fs.scores(matching.normalise(header))
    order = np.argsort(-scores, kind="stable")
    return {fs.fields[i].name: float(scores[i]) for i in order if scores[i] > 0}


def match_header(kind_key: str, header) -> str | None:
    """The canonical column a header names on its own (no other column competing), or None."""
    best = next(iter(header_scores(kind_key, header).items()), None)
    return best[0] if best is not None and best[1] >= matching.MIN_MAP else None


def is_marker_header(header) -> bool:
    return " ".join(str(header)[:40].split()).lower() == EXAMPLE_MARKER_HEADER.lower()


@dataclass
class SheetMapping:
    """The user's choices for one sheet. kind None means 'recognise it'; 'ignore' skips the sheet."""

    file: str = "*"
    sheet: str = "*"
    kind: str | None = None
    header_row: int | None = None  # 1-based
    columns: dict[str, str] = field(default_factory=dict)  # source header -> canonical name or 'ignore'

    def to_dict(self) -> dict:
        out = {"file": self.file, "sheet": self.sheet}
        if self.kind is not None:
            out["kind"] = self.kind
        if self.header_row is not None:
            out["header_row"] = self.header_row
        if self.columns:
            out["columns"] = dict(self.columns)
        return out


@dataclass
class Mapping:
    """Per file/sheet overrides of kind, header row and column mapping. Files match by name."""

    sheets: list[SheetMapping] = field(default_factory=list)
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> {value in file: allowed value}

    def for_sheet(self, file: str, sheet: str) -> SheetMapping | None:
        name = Path(file).name
        best = None
        for sm in self.sheets:
            if sm.file in ("*", name) and sm.sheet in ("*", sheet):
                score = (sm.file != "*") + (sm.sheet != "*")
                if best is None or score > best[0]:
                    best = (score, sm)
        return best[1] if best else None

    def set(self, sm: SheetMapping) -> None:
        self.sheets = [s for s in self.sheets if (s.file, s.sheet) != (sm.file, sm.sheet)] + [sm]

    def set_value(self, column: str, source: str, target: str | None) -> None:
        """The user's meaning of one value of a column (None forgets it)."""
        chosen = self.values.setdefault(column, {})
        if target is None:
            chosen.pop(source, None)
        else:
            chosen[source] = target
        if not chosen:
            self.values.pop(column, None)

    def to_dict(self) -> dict:
        out = {"version": 1, "sheets": [s.to_dict() for s in self.sheets]}
        if self.values:
            out["values"] = {c: dict(v) for c, v in self.values.items()}
        return out

    @classmethod
    def from_dict(cls, data) -> "Mapping":
        if not isinstance(data, dict) or not isinstance(data.get("sheets", []), list):
            raise MappingError("a mapping file is a JSON object with a 'sheets' list")
        sheets = []
        for i, item in enumerate(data.get("sheets", []), start=1):
            if not isinstance(item, dict):
                raise MappingError(f"mapping entry {i} is not an object with file, sheet, kind, columns")
            kind = item.get("kind")
            if kind is not None and kind != IGNORE and kind not in schema.KINDS_BY_KEY:
                raise MappingError(f"mapping entry {i}: kind '{kind}' is not one of "
                                   f"{', '.join(schema.KINDS_BY_KEY)} or ignore")
            columns = item.get("columns", {}) or {}
            if not isinstance(columns, dict):
                raise MappingError(f"mapping entry {i}: 'columns' must map source headers to column names")
            if kind in schema.KINDS_BY_KEY:
                names = schema.KINDS_BY_KEY[kind].names
                for src, dst in columns.items():
                    if dst != IGNORE and dst not in names:
                        raise MappingError(f"mapping entry {i}: '{dst}' (for header '{src}') is not a "
                                           f"column of {kind}; use one of {', '.join(names)} or ignore")
            header_row = item.get("header_row")
            if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
                raise MappingError(f"mapping entry {i}: header_row must be a row number from 1")
            sheets.append(SheetMapping(str(item.get("file", "*")), str(item.get("sheet", "*")), kind,
                                       header_row, {str(k): str(v) for k, v in columns.items()}))
        return cls(sheets, _values_from(data.get("values", {})))


def value_entry(column: str, source: str, target: str = "...") -> str:
    """The mapping-file entry that gives a value its meaning, as the user would type it."""
    return json.dumps({"values": {column: {source: target}}}, ensure_ascii=False)


def _values_from(data) -> dict[str, dict[str, str]]:
    if not isinstance(data, dict):
        raise MappingError("'values' must map column names to {value in your file: allowed value}")
    out: dict[str, dict[str, str]] = {}
    enums = {c.name: c for k in schema.INPUT_KINDS for c in k.columns if c.type == schema.ENUM}
    for column, chosen in data.items():
        col = enums.get(column)
        if col is None:
            raise MappingError(f"values: '{column}' is not a column with a list of allowed values; use one of "
                               f"{', '.join(enums)}")
        if not isinstance(chosen, dict):
            raise MappingError(f"values: '{column}' must map values in your file to allowed values")
        allowed = {a for k in schema.INPUT_KINDS for c in k.columns if c.name == column for a in c.allowed}
        for src, dst in chosen.items():
            if dst not in allowed:
                raise MappingError(f"values: '{dst}' (for '{src}' in {column}) is not one of "
                                   f"{', '.join(value_label(a, with_key=True) for a in sorted(allowed))}: "
                                   "write the key in brackets")
        out[column] = {str(k): str(v) for k, v in chosen.items()}
    return out


def read_mapping_file(path) -> Mapping:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise MappingError(f"cannot read mapping file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise MappingError(f"mapping file {path} is not a text (JSON) file") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MappingError(f"mapping file {path} is not valid JSON (line {exc.lineno}): "
                           "save it again from the app or fix it in a text editor") from None
    try:
        return Mapping.from_dict(data)
    except MappingError as exc:
        raise MappingError(f"mapping file {path}: {exc}") from None


def write_mapping_file(path, mapping: Mapping) -> None:
    from ..atomic import atomic_path

    with atomic_path(Path(path)) as tmp:
        Path(tmp).write_text(json.dumps(mapping.to_dict(), indent=2) + "\n", encoding="utf-8")

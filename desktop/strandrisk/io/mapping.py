"""Header mapping: finance teams' headers to canonical columns, and the user's saved overrides.

Headers match the canonical name, the template label, or any ``header_synonyms`` of a column in
``core/schema.py``, ignoring case, spacing and punctuation. A unit in the header (`(£000)`, `£k`,
`(£m)`, `(£)`) is taken out before matching and scales money to GBP thousands.

A ``Mapping`` holds the user's overrides per file and sheet (the kind, the header row and the
source header -> canonical column choices, or ``ignore``). It is saved as a small JSON file::

    {"version": 1, "sheets": [{"file": "cash.xlsx", "sheet": "Sheet1", "kind": "cash_balances",
                               "header_row": 3, "columns": {"Bal £m": "cash_gbp_k", "Notes": "ignore"}}]}

``file`` and ``sheet`` may be ``"*"`` to match any file or sheet.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..core import schema

IGNORE = "ignore"
EXAMPLE_MARKER_HEADER = "Row type"  # template marker column; rows saying 'Example' are skipped
EXAMPLE_MARKER_VALUE = "Example"


class MappingError(Exception):
    """A mapping file that cannot be used; the message is one line for the user."""


_UNITS = (  # (pattern, scale to GBP thousands)
    (re.compile(r"\(?\s*£\s*'?\s*000'?s?\s*\)?|\(?\s*gbp\s*'?000s?\s*\)?|\(\s*000s?\s*\)|\b000s\b", re.I), 1.0),
    (re.compile(r"\(?\s*£\s*k\s*\)?|\(?\s*gbp\s*k\b\s*\)?|\bk£", re.I), 1.0),
    (re.compile(r"\(?\s*£\s*(m|mn|million)\s*\)?|\(?\s*gbp\s*m\b\s*\)?|\bin millions\b", re.I), 1000.0),
    (re.compile(r"\(\s*£\s*\)|\(\s*gbp\s*\)|£\s*$|\(pounds\)", re.I), 0.001),
)
_PUNCT = re.compile(r"[^0-9a-z&%/]+")


MAX_HEADER_CHARS = 256  # no header is longer; a longer cell is cut before matching


def _collapse_spaces(text) -> str:
    """Runs of spacing as one space, then cut: the unit patterns' optional spaces would otherwise try
    every split of a long run (quadratic time on a cell of 40,000 spaces)."""
    return " ".join(str(text if text is not None else "").replace("\u00a0", " ").split())[:MAX_HEADER_CHARS]


def normalise_header(text) -> str:
    """Lower case, units removed, punctuation and spacing collapsed: 'Cash Balance (£000)' -> 'cash balance'."""
    text = _collapse_spaces(text).lower()
    for pattern, _ in _UNITS:
        text = pattern.sub(" ", text)
    text = text.replace("_", " ").replace("£", " ")
    return " ".join(_PUNCT.sub(" ", text).split())


def header_scale(text) -> float | None:
    """The money scale a header's unit implies (1.0 for £000/£k, 1000 for £m, 0.001 for £); None if none."""
    text = _collapse_spaces(text)
    for pattern, scale in _UNITS:
        if pattern.search(text):
            return scale
    return None


def _keys(col: schema.Column) -> list[str]:
    names = [col.name, col.name.removesuffix("_gbp_k").removesuffix("_gbp"), col.label, col.header]
    names.extend(col.header_synonyms)
    return [k for k in dict.fromkeys(normalise_header(n) for n in names) if k]


def _build_index() -> dict[str, dict[str, str]]:
    index: dict[str, dict[str, str]] = {}
    for kind in schema.INPUT_KINDS:
        lookup: dict[str, str] = {}
        # canonical names and labels win over synonyms shared with another column
        for col in kind.columns:
            for key in _keys(col)[:4]:
                lookup.setdefault(key, col.name)
        for col in kind.columns:
            for key in _keys(col):
                lookup.setdefault(key, col.name)
        index[kind.key] = lookup
    return index


HEADER_INDEX = _build_index()


def match_header(kind_key: str, header) -> str | None:
    """The canonical column a source header names in this kind, or None."""
    key = normalise_header(header)
    if not key:
        return None
    lookup = HEADER_INDEX[kind_key]
    hit = lookup.get(key)
    if hit is None and key.endswith(" s"):
        hit = lookup.get(key[:-2])
    return hit


def is_marker_header(header) -> bool:
    return normalise_header(header) == normalise_header(EXAMPLE_MARKER_HEADER)


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

    def to_dict(self) -> dict:
        return {"version": 1, "sheets": [s.to_dict() for s in self.sheets]}

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
        return cls(sheets)


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
    from .atomic import atomic_path

    with atomic_path(Path(path)) as tmp:
        Path(tmp).write_text(json.dumps(mapping.to_dict(), indent=2) + "\n", encoding="utf-8")

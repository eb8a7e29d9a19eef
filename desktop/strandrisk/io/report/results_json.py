"""The section-7 JSON document, written atomically with stable bytes for the same results."""

from __future__ import annotations

import json
from pathlib import Path

from ..atomic import write_bytes_atomic


def dumps(document: dict) -> str:
    return json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def write_json(document: dict, path: Path) -> None:
    write_bytes_atomic(Path(path), dumps(document).encode("utf-8"))

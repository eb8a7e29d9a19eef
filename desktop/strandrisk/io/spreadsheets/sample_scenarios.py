"""The scenarios shipped with the built-in sample: the base case, then every scenario file beside the
sample workbook (written by tools/make_sample.py), so the Compare page opens on two different scenarios."""

from __future__ import annotations

import json

from .load import sample_dir

BASE_CASE = "Base case"


def sample_scenarios() -> dict[str, dict]:
    """Scenario name -> scenario dict, the base case first."""
    out = {BASE_CASE: {"name": BASE_CASE}}
    for path in sorted(sample_dir().glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        out[str(data.get("name") or path.stem)] = data
    return out

"""The SubCodes the TAC importer relies on, checked against NHS England's illustrative TAC forms.

The forms and the SubCode dictionary are shared reference files (never copied into the repository):
these tests skip when /work/shared is absent. The help page's table is checked without them.
"""

from __future__ import annotations

import importlib.util
import json
import re

import pytest

from strandrisk.io.tac import codes as tac_codes
from tests.conftest import REPO, SHARED

TAC_DIR = SHARED / "tac"
FORMS = sorted(TAC_DIR.glob("*-NHS-Provider-TAC-illustrative-file.xlsx")) if TAC_DIR.exists() else []


def _norm(text) -> str:
    return " ".join(str(text or "").split())


def _form_lines(path):
    """{(worksheet, SubCode): (label, expected sign, MainCodes of its table)} from one illustrative form."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    out = {}
    for sheet in wb.sheet_names:
        rows = wb.get_sheet_by_name(sheet).to_python()
        maincodes: set = set()
        sign_col = None
        for row in rows:
            cells = [_norm(v) for v in row]
            if "Maincode" in cells:
                maincodes = {c for c in cells if re.fullmatch(r"A\d\d[A-Z]?(CY|PY)\d\d", c)}
            if "Expected sign" in cells:
                sign_col = cells.index("Expected sign")
            codes = [c for c in cells[1:] if re.fullmatch(r"[A-Z]{3}\d{4}[A-Z]?", c)]
            if codes and cells[0]:
                sign = cells[sign_col] if sign_col is not None and sign_col < len(cells) else ""
                out[(sheet, codes[-1])] = (cells[0], sign, frozenset(maincodes))
    return out


@pytest.mark.skipif(not FORMS, reason="the shared TAC reference files are not present")
@pytest.mark.parametrize("form", FORMS, ids=lambda p: p.name[:7])
def test_subcodes_exist_in_the_illustrative_form_with_the_labels_quoted(form):
    fy = int(form.name[:4])
    lines = _form_lines(form)
    checked = 0
    for row in tac_codes.subcode_rows():
        if fy not in row["labels"]:
            continue
        found = lines.get((row["worksheet"], row["subcode"]))
        assert found is not None, f"{row['subcode']} is not in {row['worksheet']} of {form.name}"
        label, sign, maincodes = found
        assert _norm(label) == _norm(row["labels"][fy]), row["subcode"]
        assert sign == row["expected_sign"], f"{row['subcode']}: the form expects {sign}"
        assert row["maincode"] in maincodes, f"{row['subcode']}: {row['maincode']} not a column of its table"
        checked += 1
    assert checked >= 15


@pytest.mark.skipif(not (TAC_DIR / "dim_tac_subcodes_by_year.csv").exists(),
                    reason="the shared TAC SubCode dictionary is not present")
def test_definition_file_is_what_the_tool_builds_from_the_dictionary():
    spec = importlib.util.spec_from_file_location("make_tac_subcodes", REPO / "tools" / "make_tac_subcodes.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    built = tool.build(TAC_DIR / "dim_tac_subcodes_by_year.csv")
    stored = json.loads((REPO / "resources" / "tac" / "tac_subcodes.json").read_text(encoding="utf-8"))
    assert built == stored


@pytest.mark.skipif(not (TAC_DIR / "dim_tac_subcodes_by_year.csv").exists(),
                    reason="the shared TAC SubCode dictionary is not present")
def test_each_year_is_told_apart_by_its_own_subcodes():
    import csv

    with open(TAC_DIR / "dim_tac_subcodes_by_year.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for fy in tac_codes.known_years():
        key = f"{fy}-{(fy + 1) % 100:02d}"
        codes = {r["SubCode"] for r in rows if r["fy"] == key}
        assert tac_codes.year_from_subcodes(codes) == fy


def test_help_page_lists_every_subcode_from_the_definition():
    text = (REPO / "resources" / "help" / "tac.md").read_text(encoding="utf-8")
    table = text.split("<!-- SUBCODES START -->", 1)[1].split("<!-- SUBCODES END -->", 1)[0].strip()
    assert table == tac_codes.help_table_markdown()
    for row in tac_codes.subcode_rows():
        assert row["subcode"] in table
        for label in row["labels"].values():
            assert label.replace("|", "/") in table

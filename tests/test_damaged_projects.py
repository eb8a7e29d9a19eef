"""Damaged projects get a clear answer (issue 17): broken zips, compressed data and JSON, and damaged values
inside a valid project (wrong types, huge numbers, NaN, negative counts, text versions), generated from a
saved sample project and run through the command line: one line, no traceback, never an unexpected error.
The full generated set (about 4,700 files) is run by tests/benchmarks/fault_campaign.py."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from strandrisk.cli import main
from strandrisk.io.project import project_file as pj
from tests import damaged_projects as dp

CLASS_NAMES = ("TypeError", "OverflowError", "ValueError", "KeyError", "Traceback", "unexpected problem",
               "zlib", "Error -3")


@pytest.fixture(scope="module")
def document():
    return dp.sample_document()


def _run(path, capsys) -> tuple[int, str]:
    code = main(["run", str(path), "--saved-data", "--simulations", "0"])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) <= 1, err
    for word in CLASS_NAMES:
        assert word not in err, err
    return code, err


def test_broken_files_are_named_damaged(document, tmp_path, capsys):
    items = dp.structural(document, random.Random(17), 40)
    for item, path in dp.write_all(tmp_path, items):
        code, err = _run(path, capsys)
        assert code == 2, (item.name, err)
        assert "damaged" in err or "not a StrandRisk project" in err, (item.name, err)


def test_damaged_values_are_named_never_crash(document, tmp_path, capsys):
    items = dp.values(document, random.Random(17), 250)
    outcomes = {0: 0, 1: 0, 2: 0}
    for item, path in dp.write_all(tmp_path, items):
        code, err = _run(path, capsys)
        assert code in outcomes, (item.name, code, err)
        outcomes[code] += 1
        if code == 2:
            assert "damaged" in err or "newer StrandRisk" in err or "not a StrandRisk" in err, (item.name, err)
    assert outcomes[2] > 150  # most damage is refused at opening, with the field named


@pytest.mark.parametrize("field, value, words", [
    ("tables.providers.columns.operating_income_gbp_k.0", 10**30, "providers.operating_income_gbp_k row 1"),
    ("tables.providers.columns.operating_income_gbp_k.0", "text", "providers.operating_income_gbp_k row 1 holds the text 'text'"),
    ("tables.providers.rows", -1, "providers.rows is -1"),
    ("tables.providers.rows", 10**30, "providers.rows"),
    ("tables.cash_balances.source_row.0", 1e308, "cash_balances.source_row row 1"),
    ("sources.0.rows_used", -5, "sources row 1"),
    ("format_version", "one", "format version is the text 'one'"),
])
def test_a_damaged_value_names_its_field(document, field, value, words):
    import copy

    doc = copy.deepcopy(document)
    target = doc
    keys = [int(k) if k.isdigit() else k for k in field.split(".")]
    if keys[0] == "sources" and not doc["sources"]:
        doc["sources"] = [{"file": "a.xlsx", "sha256": "0" * 64, "sheets": [], "rows_used": 1}]
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    with pytest.raises(pj.ProjectError) as info:
        pj.from_document(doc)
    assert "damaged" in str(info.value) and words in str(info.value)


def test_a_text_version_is_read_as_its_number(document):
    import copy

    doc = copy.deepcopy(document)
    doc["format_version"] = "1"
    assert pj.from_document(doc).current_scenario == document["current_scenario"]
    doc["format_version"] = "2"
    with pytest.raises(pj.ProjectError, match="project format 2"):
        pj.from_document(doc)


def test_broken_compressed_data_through_the_real_command(document, tmp_path):
    data = bytearray(dp.pack(document))
    data[200:264] = b"\0" * 64
    path = tmp_path / "P.strandrisk"
    path.write_bytes(bytes(data))
    done = subprocess.run([sys.executable, "-m", "strandrisk", "run", str(path), "--saved-data"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "damaged" in lines[0] and "Error -3" not in lines[0], done.stderr

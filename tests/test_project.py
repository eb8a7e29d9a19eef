"""The .strandrisk project file: round trip, newer versions refused, damaged files."""

import json
import zipfile

import numpy as np
import pytest

from strandrisk.core import schema
from strandrisk.core.results import run_deterministic
from strandrisk.core.scenario import Scenario
from strandrisk.io.project import project_file as pj
from strandrisk.io.spreadsheets.load import load_sample


@pytest.fixture(scope="module")
def sample():
    return load_sample()


def _project(sample, **kw):
    return pj.Project(sample.inputs, {"Base case": {"name": "Base case"},
                                      "Fast shift": {"name": "Fast shift", "discount_rate": 0.05}},
                      "Fast shift", mapping={"version": 1, "sheets": []}, source_paths=["/x/a.xlsx"], **kw)


def test_round_trip_keeps_tables_scenarios_and_sources(sample, tmp_path):
    path = tmp_path / "p.strandrisk"
    pj.save_project(_project(sample), path)
    back = pj.load_project(path)
    assert back.current_scenario == "Fast shift"
    assert back.scenarios["Fast shift"]["discount_rate"] == 0.05
    assert back.mapping == {"version": 1, "sheets": []}
    assert [s.sha256 for s in back.inputs.sources] == [s.sha256 for s in sample.inputs.sources]
    for kind in schema.INPUT_KINDS:
        a, b = sample.inputs.table(kind.key), back.inputs.table(kind.key)
        assert a.records() == b.records()
        assert list(a.source_row) == list(b.source_row)
    r1 = run_deterministic(sample.inputs, Scenario.default())
    r2 = run_deterministic(back.inputs, Scenario.default())
    np.testing.assert_array_equal(r1.forms["integrated"]["cash_gbp_k"], r2.forms["integrated"]["cash_gbp_k"])


def _rewrite(path, change):
    with zipfile.ZipFile(path) as zf:
        doc = json.loads(zf.read(pj.MEMBER))
    change(doc)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(pj.MEMBER, json.dumps(doc))


def test_newer_format_is_refused_with_a_clear_message(sample, tmp_path):
    path = tmp_path / "new.strandrisk"
    pj.save_project(_project(sample), path)
    _rewrite(path, lambda d: d.update(format_version=pj.FORMAT_VERSION + 1))
    with pytest.raises(pj.ProjectError, match="newer StrandRisk"):
        pj.load_project(path)


@pytest.mark.parametrize("content", [b"not a zip", b"PK\x03\x04garbage"])
def test_damaged_files_give_one_line(tmp_path, content):
    path = tmp_path / "bad.strandrisk"
    path.write_bytes(content)
    with pytest.raises(pj.ProjectError) as err:
        pj.load_project(path)
    assert "\n" not in str(err.value)


def test_wrong_column_length_is_reported(sample, tmp_path):
    path = tmp_path / "short.strandrisk"
    pj.save_project(_project(sample), path)
    _rewrite(path, lambda d: d["tables"]["providers"]["columns"]["provider_code"].pop())
    with pytest.raises(pj.ProjectError, match="damaged"):
        pj.load_project(path)


def test_failed_save_keeps_the_old_file(sample, tmp_path, monkeypatch):
    path = tmp_path / "keep.strandrisk"
    pj.save_project(_project(sample), path)
    before = path.read_bytes()

    def boom(_project):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pj, "to_document", boom)
    with pytest.raises(RuntimeError):
        pj.save_project(_project(sample), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.strandrisk"]



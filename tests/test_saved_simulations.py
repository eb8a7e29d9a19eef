"""Simulations kept by the fingerprint of what they depend on (issue 21): an edit makes them out of date, its
undo brings the same run back without simulating; saved in the project and shown at once when reopened;
a damaged simulations part is dropped with a note; `strandrisk run PROJECT` reuses current ones."""

from __future__ import annotations

import io
import json
import random
import zipfile

import numpy as np
import pytest

import strandrisk.core.simulation as simulation
from strandrisk.cli import main
from strandrisk.io.project import project_file as pj
from strandrisk.workspace import Workspace
from strandrisk.workspace import workspace as wsm
from strandrisk.workspace.workspace import SIM_CURRENT, SIM_NONE, SIM_OUT_OF_DATE, SIM_SAVED, SIM_SAVED_OUT_OF_DATE

CLASS_NAMES = ("TypeError", "OverflowError", "ValueError", "KeyError", "Traceback", "BadZipFile", "zlib", "Error -3")


@pytest.fixture
def runs(monkeypatch):
    """Counts the Monte Carlo runs (the real engine runs)."""
    real = simulation.run_monte_carlo
    calls = []

    def counted(*args, **kwargs):
        calls.append(kwargs.get("simulations"))
        return real(*args, **kwargs)

    monkeypatch.setattr(simulation, "run_monte_carlo", counted)
    return calls


@pytest.fixture
def ws():
    ws = Workspace()
    ws.sample_task().run()
    return ws


def _edit(ws, **changes):
    ws.edit_scenario(dict(ws.scenario_dict(), **changes), "Edit " + ", ".join(changes))


# --- the workspace ---------------------------------------------------------------------------------------

def test_edit_then_undo_gives_back_the_same_simulation_without_rerunning(ws, runs):
    assert ws.simulation_status() == SIM_NONE
    assert ws.simulation_task(300).run() is True
    mc, tor = ws.result.monte_carlo, ws.result.tornado
    assert ws.simulation_status() == SIM_CURRENT and len(runs) == 1
    _edit(ws, discount_rate=0.05)
    assert ws.result.monte_carlo is None and ws.simulation_status() == SIM_OUT_OF_DATE
    ws.commands.undo()
    assert ws.result.monte_carlo is mc and ws.result.tornado is tor
    assert ws.simulation_status() == SIM_CURRENT and len(runs) == 1
    ws.commands.redo()
    assert ws.result.monte_carlo is None and ws.simulation_status() == SIM_OUT_OF_DATE


def test_a_change_of_the_uncertainty_seed_or_draws_setting_makes_it_out_of_date(ws):
    ws.simulation_task(200).run()
    for change in ({"seed": 7}, {"simulations": 5000},
                   {"uncertainty": {"shift_rate_multiplier": {"dist": "triangular", "low": 0.5, "mode": 1.0,
                                                               "high": 2.0}}}):
        _edit(ws, **change)
        assert ws.result.monte_carlo is None, change
        ws.commands.undo()
        assert ws.result.monte_carlo is not None, change


def test_renaming_or_a_data_reread_with_the_same_values_keeps_it_current(tmp_path, sample_copy, runs):
    ws = Workspace()
    ws.import_task(sample_copy).run()
    ws.simulation_task(200).run()
    mc = ws.result.monte_carlo
    ws.rename_scenario("Base case", "Board case")
    assert ws.result.monte_carlo is mc
    ws.import_task([]).run()  # the same files read again: another inputs object, the same values
    assert ws.result.monte_carlo is mc and len(runs) == 1


def test_a_run_finishing_after_an_edit_is_kept_for_its_undo(ws, runs):
    task = ws.simulation_task(200)
    _edit(ws, discount_rate=0.05)
    assert task.run() is False  # not shown: the assumptions changed meanwhile
    assert ws.result.monte_carlo is None
    ws.commands.undo()
    assert ws.result.monte_carlo is not None and ws.result.monte_carlo.simulations == 200 and len(runs) == 1


def test_memory_is_bounded_to_the_last_few_simulations(ws, runs):
    seeds = list(range(1, wsm.MAX_KEPT_SIMULATIONS + 2))
    for seed in seeds:
        _edit(ws, seed=seed)
        ws.simulation_task(100).run()
    assert len(ws._simulations) == wsm.MAX_KEPT_SIMULATIONS
    assert ws.result.monte_carlo is not None
    for _ in seeds[2:]:
        ws.commands.undo()
        assert ws.result.monte_carlo is not None  # the last four come back
    ws.commands.undo()
    assert ws.scenario_dict()["seed"] == seeds[0] and ws.result.monte_carlo is None  # the oldest was let go
    assert ws.simulation_status() == SIM_OUT_OF_DATE and len(runs) == len(seeds)


def test_memory_bound_in_bytes_keeps_the_newest(ws, monkeypatch):
    ws.simulation_task(1000).run()
    monkeypatch.setattr(wsm, "KEPT_SIMULATION_BYTES", 1)
    _edit(ws, seed=9)
    ws.simulation_task(1000).run()
    assert len(ws._simulations) == 1 and ws.result.monte_carlo is not None
    ws.commands.undo()
    assert ws.result.monte_carlo is None


# --- the project file ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def simulated_sample(tmp_path_factory):
    """The sample with both scenarios simulated (10,000 draws, as shipped), and its saved project's bytes."""
    ws = Workspace()
    ws.sample_task().run()
    for name in list(ws.scenarios):
        ws.switch_scenario(name)
        assert ws.simulation_task().run() is True
    ws.switch_scenario(next(iter(ws.scenarios)))
    path = ws.save(tmp_path_factory.mktemp("saved") / "board.strandrisk")
    ws.close()
    return ws, path.read_bytes()


@pytest.fixture
def saved(simulated_sample, tmp_path):
    """The live workspace (on its first scenario) and a copy of its saved project."""
    live, data = simulated_sample
    live.switch_scenario(next(iter(live.scenarios)))
    path = tmp_path / "board.strandrisk"
    path.write_bytes(data)
    return live, path


def _assert_same_simulation(a, b):
    assert (a.simulations, a.seed, a.forms, list(a.years)) == (b.simulations, b.seed, b.forms, list(b.years))
    for form in a.forms:
        for key in a.percentiles[form]:
            np.testing.assert_array_equal(a.percentiles[form][key], b.percentiles[form][key])
        for name in ("npv_stranded", "cumulative_surplus", "probability_deficit", "probability_liquidity_risk",
                     "probability_shift_exceeds_break_even"):
            np.testing.assert_array_equal(getattr(a, name)[form], getattr(b, name)[form])
        for metric in simulation.TORNADO_METRICS:  # every draw the histograms show, to the last bit
            for p in range(a.npv_stranded[form].shape[1]):
                np.testing.assert_array_equal(a.distribution(form, p, metric), b.distribution(form, p, metric))


def test_reopened_project_shows_its_simulations_at_once(saved, runs):
    live, path = saved
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        doc = json.loads(zf.read(pj.MEMBER))
    assert names == [pj.MEMBER, "simulations/1.npz", "simulations/2.npz"]
    assert [e["scenario"] for e in doc["simulations"]] == list(live.scenarios)
    ws = Workspace()
    ws.open(path)
    assert ws.simulation_status() == SIM_SAVED and ws.simulation_notes == []
    for name in live.scenarios:
        live.switch_scenario(name)
        ws.switch_scenario(name)
        _assert_same_simulation(live.result.monte_carlo, ws.result.monte_carlo)
        assert ws.result.to_document() == live.result.to_document()
        for form in ws.result.tornado.forms:
            np.testing.assert_array_equal(ws.result.tornado.npv_stranded[form], live.result.tornado.npv_stranded[form])
    assert not runs  # nothing was simulated by opening


def _cells(path):
    from openpyxl import load_workbook

    wb = load_workbook(path)
    out = {}
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    out[(sheet.title, cell.coordinate)] = cell.value
    for key, value in list(out.items()):
        if value == "Run date":
            out.pop((key[0], "B" + key[1][1:]), None)  # the minute it was written
    return out


def test_report_from_the_reopened_project_equals_the_live_one(saved, tmp_path):
    live, path = saved
    live.report_task(tmp_path / "live.xlsx").run()
    ws = Workspace()
    ws.open(path)
    ws.report_task(tmp_path / "reopened.xlsx").run()
    a, b = _cells(tmp_path / "live.xlsx"), _cells(tmp_path / "reopened.xlsx")
    assert any(key[0] == "Monte Carlo" for key in a)
    # the Inputs sheet lists what the import found sheet by sheet, which a project does not keep (it did not
    # before simulations were saved either); every figure is on the other sheets
    differ = sorted({key[0] for key in set(a) | set(b) if a.get(key) != b.get(key)})
    assert differ in ([], ["Inputs"])
    assert {k: v for k, v in a.items() if k[0] != "Inputs"} == {k: v for k, v in b.items() if k[0] != "Inputs"}


def test_edit_after_opening_makes_saved_ones_out_of_date_and_undo_brings_them_back(saved):
    _live, path = saved
    ws = Workspace()
    ws.open(path)
    mc = ws.result.monte_carlo
    _edit(ws, discount_rate=0.05)
    assert ws.simulation_status() == SIM_OUT_OF_DATE
    ws.commands.undo()
    assert ws.result.monte_carlo is mc and ws.simulation_status() == SIM_SAVED


def test_simulations_of_another_version_are_out_of_date_on_opening(saved, monkeypatch):
    _live, path = saved
    monkeypatch.setattr(wsm, "MODEL_VERSION", "strandrisk 99.0")
    ws = Workspace()
    ws.open(path)
    assert ws.result.monte_carlo is None and ws.simulation_status() == SIM_SAVED_OUT_OF_DATE


def test_only_current_simulations_are_saved(ws, tmp_path):
    ws.simulation_task(200).run()
    _edit(ws, discount_rate=0.05)
    path = ws.save(tmp_path / "p.strandrisk")
    assert pj.load_project(path).simulations == []
    ws.commands.undo()
    assert len(pj.load_project(ws.save(path)).simulations) == 1


def test_older_project_without_simulations_opens(ws, tmp_path):
    path = tmp_path / "old.strandrisk"
    pj.save_project(ws.project(), path)  # as saved before simulations were kept: project.json alone
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist() == [pj.MEMBER] and "simulations" not in json.loads(zf.read(pj.MEMBER))
    other = Workspace()
    other.open(path)
    assert other.result is not None and other.simulation_status() == SIM_NONE and other.simulation_notes == []


def test_draws_are_packed_losslessly():
    rng = np.random.default_rng(21)
    draws = np.concatenate([rng.normal(0, 1e5, (999, 3)), [[np.nan, -0.0, np.inf]]]).astype(np.float32)
    draws[:, 1] = np.nan
    back = pj.unpack_draws(pj.pack_draws(draws))
    assert back.dtype == np.float32 and back.shape == draws.shape
    np.testing.assert_array_equal(back, np.sort(draws, axis=0))
    assert np.signbit(back[:, 2]).sum() == np.signbit(draws[:, 2]).sum()


# --- damaged simulations ----------------------------------------------------------------------------------

def _rewrite(path, doc_change=None, member_change=None):
    """The project with its JSON and/or its first simulation's bytes changed."""
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    doc = json.loads(parts[pj.MEMBER])
    if doc_change:
        doc_change(doc)
    parts[pj.MEMBER] = json.dumps(doc).encode()
    if member_change:
        parts = member_change(parts)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def _npz(arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _first_arrays(parts):
    with zipfile.ZipFile(io.BytesIO(parts["simulations/1.npz"])) as inner:
        return {n[:-4]: np.lib.format.read_array(inner.open(n), allow_pickle=True) for n in inner.namelist()}


def _replace_array(name, value):
    def change(parts):
        arrays = _first_arrays(parts)
        arrays[name] = value
        parts["simulations/1.npz"] = _npz(arrays)
        return parts
    return change


DAMAGE = {
    "member missing": (None, lambda parts: {k: v for k, v in parts.items() if k != "simulations/1.npz"}),
    "member not a zip": (None, lambda parts: dict(parts, **{"simulations/1.npz": b"not arrays at all"})),
    "member cut short": (None, lambda parts: dict(parts, **{"simulations/1.npz": parts["simulations/1.npz"][:5000]})),
    "member bytes flipped": (None, lambda parts: dict(parts, **{"simulations/1.npz": bytes(
        b ^ 0xFF if 2000 <= i < 2100 else b for i, b in enumerate(parts["simulations/1.npz"]))})),
    "array of the wrong shape": (None, _replace_array("npv_stranded/acute_only", np.zeros((2, 2)))),
    "array of text": (None, _replace_array("npv_stranded/acute_only", np.array(["a"] * 35).reshape(5, 7))),
    "pickled objects": (None, _replace_array("npv_stranded/acute_only", np.array([{"a": 1}] * 35,
                                                                                  dtype=object).reshape(5, 7))),
    "probability above 1": (None, _replace_array("probability_deficit/acute_only", np.full((7, 5), 3.0))),
    "draws of the wrong shape": (None, _replace_array("npv_stranded_samples/acute_only", np.zeros((7, 4, 3), np.uint8))),
    "array missing": (None, lambda parts: dict(parts, **{"simulations/1.npz": _npz(
        {k: v for k, v in _first_arrays(parts).items() if k != "percentiles/acute_only/cash_gbp_k"})})),
    "draws as text": (lambda d: d["simulations"][0].update(simulations="many"), None),
    "draws negative": (lambda d: d["simulations"][0].update(simulations=-3), None),
    "forms unknown": (lambda d: d["simulations"][0].update(forms=["hospital"]), None),
    "entry a number": (lambda d: d["simulations"].__setitem__(0, 12), None),
    "tornado labels short": (lambda d: d["simulations"][0]["tornado"].update(labels=[]), None),
    "member path outside": (lambda d: d["simulations"][0].update(member="../../etc/passwd"), None),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_a_damaged_simulation_is_dropped_with_a_note(saved, case, capsys):
    live, path = saved
    _rewrite(path, *DAMAGE[case])
    project = pj.load_project(path)
    assert len(project.simulations) == 1 and project.simulations[0].scenario == list(live.scenarios)[1]
    assert len(project.notes) == 1
    note = project.notes[0]
    assert "could not be read" in note and "run the simulation again" in note
    assert not any(word in note for word in CLASS_NAMES)
    ws = Workspace()
    ws.open(path)
    assert ws.simulation_status() == SIM_NONE and ws.simulation_notes == project.notes
    assert main(["run", str(path), "--saved-data", "--simulations", "0"]) == 0
    err = capsys.readouterr().err
    assert "could not be read" in err and not any(word in err for word in CLASS_NAMES)


def test_an_unreadable_simulations_list_is_dropped_with_one_note(saved):
    _live, path = saved
    _rewrite(path, lambda d: d.update(simulations="text"))
    project = pj.load_project(path)
    assert project.simulations == [] and len(project.notes) == 1 and "could not be read" in project.notes[0]


def test_damaged_simulation_campaign_opens_every_project(saved, tmp_path):
    """Every value of the simulations' entries replaced by each bad value (tests/damaged_projects.py):
    the project always opens; each simulation is either read as it was or dropped with a note."""
    from tests import damaged_projects as dp

    _live, path = saved
    items = dp.simulation_values(path.read_bytes())
    for item in random.Random(21).sample(items, 150):  # every one in tests/benchmarks/fault_campaign.py
        target = tmp_path / "damaged.strandrisk"
        target.write_bytes(item.data)
        project = pj.load_project(target)
        if item.name in ("simulations = None", "simulations = []"):  # as a project without simulations
            assert project.simulations == [] and project.notes == []
            continue
        assert (len(project.simulations) + len(project.notes) == 2
                or (project.simulations == [] and len(project.notes) == 1)), item.name


# --- the command line -------------------------------------------------------------------------------------

@pytest.fixture
def project_over_files(tmp_path, sample_copy):
    """A project over spreadsheets in the user's folder, simulated at the scenario's 200 draws, saved."""
    ws = Workspace()
    ws.import_task(sample_copy).run()
    _edit(ws, simulations=200)
    ws.simulation_task().run()
    return ws.save(tmp_path / "month end.strandrisk")


def test_cli_uses_current_saved_simulations_and_says_so(project_over_files, tmp_path, capsys, monkeypatch):
    fresh = tmp_path / "fresh.json"
    assert main(["run", str(project_over_files), "--rerun-simulations", "--json", str(fresh)]) == 0
    assert "simulating again, as asked" in capsys.readouterr().err

    def no_run(*_a, **_k):
        raise AssertionError("simulated although the project holds current simulations")

    monkeypatch.setattr(simulation, "run_monte_carlo", no_run)
    reused = tmp_path / "reused.json"
    report = tmp_path / "reused.xlsx"
    assert main(["run", str(project_over_files), "--json", str(reused), "--out", str(report)]) == 0
    captured = capsys.readouterr()
    assert "using the 200 simulations (seed 2014) saved in the project" in captured.err
    assert "Monte Carlo: 200 draws" in captured.out
    assert json.loads(reused.read_text()) == json.loads(fresh.read_text())
    assert report.exists()


def test_cli_reruns_when_the_run_differs_from_the_saved_one(project_over_files, capsys, runs):
    assert main(["run", str(project_over_files), "--simulations", "300"]) == 0
    assert runs == [None] and "saved in the project" not in capsys.readouterr().err
    assert main(["run", str(project_over_files), "--scenario", "Base case", "--seed", "5"]) == 0
    assert len(runs) == 2


def test_cli_says_saved_simulations_are_out_of_date(project_over_files, capsys, monkeypatch, runs):
    monkeypatch.setattr(wsm, "MODEL_VERSION", "strandrisk 99.0")
    assert main(["run", str(project_over_files)]) == 0
    assert "were run on other data, settings or StrandRisk version: simulating again" in capsys.readouterr().err
    assert len(runs) == 1


def test_rerun_option_goes_with_a_project(capsys):
    assert main(["run", "--sample", "--rerun-simulations"]) == 1
    assert "go with a saved project" in capsys.readouterr().err


# --- the app ------------------------------------------------------------------------------------------------

def test_status_says_up_to_date_out_of_date_and_saved(window, qtbot, tmp_path):
    w = window
    pane = w.uncertainty_pane
    w.open_sample(wait=True)
    w.show_pane("Uncertainty")
    assert "No simulation yet" in pane.status.text()
    w.run_simulation(500, wait=True)
    assert "Up to date" in pane.status.text() and "500 simulations" in pane.status.text()
    mc = w.result.monte_carlo
    _edit(w.workspace, discount_rate=0.05)
    w.rerun_now()
    assert "out of date" in pane.status.text() and "Run simulation" in pane.status.text()
    assert pane.run_button.isEnabled()
    w.undo()
    w.rerun_now()
    assert w.result.monte_carlo is mc and "Up to date" in pane.status.text()
    path = w.save_project(tmp_path / "shown.strandrisk")
    w.workspace.reset()
    w.open_project(path)
    w.show_pane("Uncertainty")
    w.rerun_now()
    assert "Saved with the project" in pane.status.text() and "500 simulations" in pane.status.text()


def test_a_scenario_with_the_same_settings_shares_the_simulation(ws, runs):
    ws.add_scenario("Copy of base", ws.scenario_dict())
    first = next(iter(ws.scenarios))
    ws.switch_scenario("Copy of base")
    assert ws.result.monte_carlo is None
    ws.switch_scenario(first)
    ws.simulation_task(200).run()
    ws.switch_scenario("Copy of base")
    assert ws.result.monte_carlo is not None and len(runs) == 1


def test_undoing_a_data_fix_brings_the_simulation_back(sample_copy, runs):
    """A mapping fix on the Data page changes the inputs; undoing it puts back the same values, so the
    simulation run before the fix is shown again without rerunning."""
    from strandrisk.io.spreadsheets import mapping as mp

    ws = Workspace()
    ws.import_task(sample_copy).run()
    ws.simulation_task(200).run()
    mc = ws.result.monte_carlo
    rep = next(r for r in ws.imported.sheets if r.kind == "providers")
    header = next(h for h, name in rep.mapping.items() if name == "depreciation_gbp_k")
    ws.change_mapping(rep.file, rep.sheet, "providers", header, mp.IGNORE).run()
    assert ws.result.monte_carlo is None and ws.simulation_status() == SIM_OUT_OF_DATE
    ws.commands.undo()
    assert ws.result.monte_carlo is mc and ws.simulation_status() == SIM_CURRENT and len(runs) == 1

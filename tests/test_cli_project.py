"""`strandrisk run PROJECT.strandrisk`: the month-end refresh of a project set up in the app."""

import json

import pytest

from strandrisk.cli import main
from strandrisk.workspace import Workspace


@pytest.fixture
def project(tmp_path, sample_copy):
    """A project saved from the workspace (as the app saves it) over spreadsheets in the user's folder."""
    paths = sample_copy
    ws = Workspace()
    ws.import_task(paths).run()
    ws.edit_scenario(dict(ws.scenario_dict(), simulations=200), "Change simulations")
    ws.add_scenario("Seven years", dict(ws.scenario_dict(), horizon_years=7))
    ws.switch_scenario("Base case")
    return ws.save(tmp_path / "board.strandrisk"), paths


def _app_export(project_path, scenario, tmp_path):
    """What the app exports after opening the project, picking the scenario and running its simulation."""
    ws = Workspace()
    ws.open(project_path)
    ws.switch_scenario(scenario)
    assert ws.simulation_task().run() is True
    return json.loads(ws.export_json(tmp_path / f"app {scenario}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("scenario", [None, "Seven years"])
def test_run_project_gives_the_apps_json(project, tmp_path, capsys, scenario):
    path, _ = project
    out = tmp_path / "cli.json"
    argv = ["run", str(path), "--json", str(out)]
    if scenario:
        argv += ["--scenario", scenario]
    assert main(argv) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc == _app_export(path, scenario or "Base case", tmp_path)
    assert len(doc["years"]) == (7 if scenario else 5)
    assert doc["providers"][0]["forms"]["acute_only"]["monte_carlo"]["simulations"] == 200
    assert "scenario 'Seven years'" in capsys.readouterr().out if scenario else True


def test_run_project_with_simulations_and_report(project, tmp_path, capsys):
    path, _ = project
    report = tmp_path / "board report.xlsx"
    assert main(["run", str(path), "--simulations", "200", "--out", str(report)]) == 0
    assert report.exists()
    assert "200" in capsys.readouterr().out


def test_unknown_scenario_lists_the_projects_scenarios(project, capsys):
    path, _ = project
    assert main(["run", str(path), "--scenario", "Nope"]) == 1
    err = capsys.readouterr().err
    assert "no scenario called 'Nope'" in err and "'Base case', 'Seven years'" in err


def test_changed_input_file_stops_with_a_clear_message(project, tmp_path, capsys):
    path, inputs = project
    with open(inputs[0], "ab") as fh:
        fh.write(b"\0")
    assert main(["run", str(path), "--simulations", "0"]) == 2
    err = capsys.readouterr().err
    assert "changed since the project was saved" in err and inputs[0].name in err and "--accept-changed" in err
    assert main(["run", str(path), "--simulations", "0", "--accept-changed"]) == 0
    assert "changed since the project was saved" in capsys.readouterr().err
    assert main(["run", str(path), "--simulations", "0", "--saved-data"]) == 0


def test_vanished_input_file_stops_with_a_clear_message(project, capsys):
    path, inputs = project
    inputs[0].unlink()
    assert main(["run", str(path), "--simulations", "0"]) == 2
    err = capsys.readouterr().err
    assert "input file not found" in err and str(inputs[0]) in err and "Traceback" not in err
    assert main(["run", str(path), "--simulations", "0", "--saved-data"]) == 0


def test_damaged_or_missing_project_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.strandrisk"
    bad.write_bytes(b"not a zip")
    assert main(["run", str(bad)]) == 2
    assert "not a StrandRisk project" in capsys.readouterr().err
    assert main(["run", str(tmp_path / "gone.strandrisk")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_project_options_need_a_project(capsys):
    assert main(["run", "--sample", "--saved-data"]) == 1
    assert "go with a saved project" in capsys.readouterr().err

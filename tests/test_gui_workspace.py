"""The window is a view of its workspace: edits go through the workspace's undo stack, the app's exports
match `strandrisk run PROJECT` (pytest-qt, offscreen)."""

import json

import pytest

pytest.importorskip("pytestqt")
from tests.conftest import QT_MISSING  # noqa: E402

if QT_MISSING:
    pytest.skip(QT_MISSING, allow_module_level=True)


from strandrisk.cli import main  # noqa: E402


def test_app_export_of_a_project_equals_the_command_line(window, tmp_path, sample_copy):
    window.import_files(sample_copy, wait=True)
    window.assumptions_pane.set_value("simulations", "300")
    window.rerun_now()
    project = window.save_project(tmp_path / "month end")
    assert window.windowTitle() == "StrandRisk - month end[*]" and not window.isWindowModified()

    window.run_simulation(wait=True)
    assert window.result.monte_carlo.simulations == 300
    app_json = tmp_path / "app.json"
    assert window.export_json(app_json) == app_json
    cli_json = tmp_path / "cli.json"
    assert main(["run", str(project), "--json", str(cli_json)]) == 0
    assert json.loads(app_json.read_text(encoding="utf-8")) == json.loads(cli_json.read_text(encoding="utf-8"))


def test_undo_menu_follows_the_workspace_stack(window):
    window.open_sample(wait=True)
    undo, redo = window.actions_["undo"], window.actions_["redo"]
    assert not undo.isEnabled() and not redo.isEnabled()
    window.assumptions_pane.set_value("horizon_years", "7")
    assert undo.isEnabled() and "Change" in undo.text() and window.isWindowModified()
    assert window.workspace.commands.count == 1
    undo.trigger()
    assert window.workspace.scenario_dict().get("horizon_years") is None and redo.isEnabled()
    window.rerun_now()
    assert window.result.system.horizon == 5
    redo.trigger()
    window.rerun_now()
    assert window.result.system.horizon == 7


def test_month_columns_of_wide_cash_show_what_they_are_read_as(window, tmp_path):
    import tests.fixtures_messy as fm

    paths = fm.write_messier_set(tmp_path)
    window.import_files([p for p in paths if "cash" in p.name], wait=True)
    pane = window.data_pane
    texts = {pane.mapping.item(r, 0).text(): pane.mapping.item(r, 1) for r in range(pane.mapping.rowCount())}
    assert texts["Apr-24"] is not None and texts["Apr-24"].text() == "Cash balance at 30 Apr 2024 (month column)"
    assert pane.mapping.cellWidget(0, 1).currentData() == "provider_code"  # the code column keeps its choice


def test_redo_shortcuts_are_never_listed_twice(qtbot):
    """Ctrl+Y and the platform's Redo key, each once: on Windows the platform's Redo is Ctrl+Y itself, and a
    key bound twice to one action is 'ambiguous' to Qt and does nothing."""
    from strandrisk.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    keys = [k.toString() for k in window.actions_["redo"].shortcuts()]
    assert "Ctrl+Y" in keys and len(keys) == len(set(keys))

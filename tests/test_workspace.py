"""The Qt-free workspace: every operation the app offers, undo and redo, results invalidated by edits, saving."""

import json
import os
import sys

import pytest

from strandrisk.workspace import DATA, RESULTS, SCENARIOS, CommandStack, Workspace, WorkspaceError


@pytest.fixture
def ws(sample_copy):
    ws = Workspace()
    ws.import_task(sample_copy).run()
    return ws


def test_workspace_module_loads_without_qt():
    import subprocess

    code = ("import sys, strandrisk.workspace, strandrisk.cli; "
            "print(','.join(m for m in ('PySide6', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_import_gives_data_results_and_unsaved_changes(ws, sample_copy):
    assert ws.inputs is not None and not ws.imported.has_errors
    assert ws.source_paths == [str(p) for p in sample_copy]
    assert ws.result is not None and ws.result.system.n_providers == 7
    assert ws.dirty and ws.project_name == "Untitled"


def test_sample_task_marks_the_sample_and_is_clean():
    ws = Workspace()
    events = []
    ws.subscribe(events.append)
    ws.sample_task().run()
    assert ws.is_sample and not ws.dirty and ws.project_name == "Sample"
    assert DATA in events and ws.result is not None


def test_scenario_edits_undo_and_redo(ws):
    base = ws.scenario_dict()
    edited = dict(base, horizon_years=7)
    ws.edit_scenario(edited, "Change horizon")
    ws.edit_scenario(dict(edited, discount_rate=0.05), "Change discount rate")
    assert ws.commands.count == 2 and ws.commands.undo_text == "Change discount rate"
    assert ws.result.system.horizon == 7
    ws.commands.undo()
    assert "discount_rate" not in ws.scenario_dict()
    ws.commands.undo()
    assert ws.scenario_dict() == base and ws.result.system.horizon == 5
    assert ws.commands.can_redo and ws.commands.redo_text == "Change horizon"
    ws.commands.redo()
    assert ws.scenario_dict()["horizon_years"] == 7


def test_add_rename_delete_switch_scenarios_are_undoable(ws):
    ws.add_scenario("Faster shift", dict(ws.scenario_dict(), horizon_years=6))
    assert ws.current_scenario == "Faster shift" and ws.scenario_dict()["name"] == "Faster shift"
    with pytest.raises(WorkspaceError, match="already a scenario"):
        ws.add_scenario("Base case", {})
    ws.rename_scenario("Faster shift", "Fast")
    assert list(ws.scenarios) == ["Base case", "Fast"] and ws.current_scenario == "Fast"
    ws.switch_scenario("Base case")
    assert ws.current_scenario == "Base case" and ws.commands.count == 2  # switching is not an edit
    ws.delete_scenario("Fast")
    assert list(ws.scenarios) == ["Base case"]
    with pytest.raises(WorkspaceError, match="at least one scenario"):
        ws.delete_scenario("Base case")
    ws.commands.undo()
    ws.commands.undo()
    assert list(ws.scenarios) == ["Base case", "Faster shift"]


def test_results_are_kept_until_an_edit_invalidates_them(ws):
    first = ws.result
    assert ws.result is first  # cached: no change since
    ws.add_scenario("Other", dict(ws.scenario_dict(), horizon_years=6))
    other = ws.result
    assert other is not first and other.system.horizon == 6
    assert ws.result_for("Base case").system.horizon == 5
    ws.edit_scenario(dict(ws.scenario_dict(), horizon_years=8), "Change horizon")
    assert ws.result is not other and ws.result.system.horizon == 8


def test_a_scenario_the_model_cannot_run_says_why(ws):
    ws.edit_scenario(dict(ws.scenario_dict(), horizon_years=-3), "Change horizon")
    assert ws.result is None and "horizon" in ws.run_problem
    with pytest.raises(WorkspaceError, match="cannot run"):
        ws.simulation_task(100)


def test_simulation_attaches_to_its_result_and_is_dropped_by_an_edit(ws):
    events = []
    ws.subscribe(events.append)
    task = ws.simulation_task(200)
    value = task.work(lambda *_: None, lambda: False)
    assert task.finish(value) is True and RESULTS in events
    assert ws.result.monte_carlo.simulations == 200 and ws.result.tornado is not None
    stale = ws.simulation_task(100)
    value = stale.work(lambda *_: None, lambda: False)
    ws.edit_scenario(dict(ws.scenario_dict(), horizon_years=6), "Change horizon")
    assert stale.finish(value) is False  # the assumptions changed meanwhile
    assert ws.result.monte_carlo is None


def test_report_and_json_exports_refuse_an_input_file(ws, tmp_path, sample_copy):
    written = ws.report_task(tmp_path / "board.xlsx").run()
    assert written.exists() and written.stat().st_size > 10_000
    with pytest.raises(WorkspaceError, match="one of your input files"):
        ws.report_task(sample_copy[0])
    path = ws.export_json(tmp_path / "results.json")
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(json.dumps(ws.result.to_document()))
    with pytest.raises(WorkspaceError, match="no results"):
        Workspace().export_json(tmp_path / "none.json")


def test_save_open_round_trip(ws, tmp_path):
    ws.add_scenario("Seven years", dict(ws.scenario_dict(), horizon_years=7))
    ws.mapping = {"version": 1, "sheets": [{"file": "*", "sheet": "Notes", "kind": "ignore"}]}
    path = ws.save(tmp_path / "board")
    assert path.name == "board.strandrisk" and not ws.dirty and ws.project_name == "board"
    other = Workspace()
    other.open(path)
    assert other.scenarios == ws.scenarios and other.current_scenario == "Seven years"
    assert other.mapping == ws.mapping and other.source_paths == ws.source_paths
    assert not other.dirty and other.commands.count == 0
    assert other.result.to_document() == ws.result.to_document()
    other.edit_scenario(dict(other.scenario_dict(), discount_rate=0.05), "Change discount rate")
    assert other.dirty
    other.commands.undo()
    assert not other.dirty  # back at the saved state


def test_autosave_and_recover(ws, tmp_path):
    from strandrisk.io.project import recovery

    path = ws.autosave()
    assert path is not None and path.exists()
    assert recovery.orphaned() == []  # this process is alive: its file is not a crash
    crashed = path.with_name(path.name.replace(f"~{os.getpid()}.", "~999999."))
    path.rename(crashed)
    (rec,) = recovery.orphaned()
    other = Workspace()
    other.recover(rec)
    assert other.dirty and other.project_name == "Untitled"
    assert other.result.to_document() == ws.result.to_document()
    ws.save(tmp_path / "saved")
    assert ws.autosave() is None  # nothing unsaved


def test_change_mapping_rereads_the_files(ws, sample_copy):
    sheet = ws.imported.sheets[0]
    task = ws.change_mapping(sheet.file, sheet.sheet, "ignore", None, None)
    task.run()
    assert ws.mapping["sheets"][0] == {"file": sheet.file, "sheet": sheet.sheet, "kind": "ignore"}
    assert all(not (s.file == sheet.file and s.sheet == sheet.sheet and s.kind) for s in ws.imported.sheets)


def test_mapping_without_the_files_is_kept_for_later(tmp_path):
    ws = Workspace()
    ws.sample_task().run()
    with pytest.raises(WorkspaceError, match="not on this computer"):
        ws.set_mapping({"version": 1, "sheets": []})
    assert ws.mapping == {"version": 1, "sheets": []}


def test_reimport_notices_changed_and_missing_files(ws, tmp_path, sample_copy):
    path = ws.save(tmp_path / "p.strandrisk")
    reopened = Workspace()
    reopened.open(path)
    assert reopened.reimport_task().run() == []
    with open(sample_copy[0], "ab") as fh:
        fh.write(b"\0")  # any change of the bytes changes the hash
    with pytest.raises(WorkspaceError, match="changed since the project was saved"):
        reopened.reimport_task()
    assert reopened.reimport_task(accept_changed=True).run() == [str(sample_copy[0])]
    sample_copy[0].unlink()
    with pytest.raises(WorkspaceError, match="not found"):
        reopened.reimport_task(accept_changed=True)


def test_describe_row_names_the_values(ws):
    table = ws.inputs.table("providers")
    file, sheet, row = table.source_file[0], table.source_sheet[0], int(table.source_row[0])
    text = ws.describe_row(file, sheet, f"A{row}")
    assert text.startswith(f"{sheet} row {row}:") and "Provider code" in text
    assert "was not read" in ws.describe_row(file, sheet, "A9999")


def test_reset_gives_an_empty_untitled_project(ws):
    ws.add_scenario("Other", {})
    ws.reset()
    assert ws.inputs is None and list(ws.scenarios) == ["Base case"] and not ws.dirty
    assert ws.result is None


class _Append:
    def __init__(self, log, item):
        self.log, self.item, self.text = log, item, f"add {item}"

    def do(self):
        self.log.append(self.item)

    def undo(self):
        self.log.remove(self.item)


def test_command_stack_forgets_the_undone_branch_and_the_clean_mark():
    log, stack = [], CommandStack()
    changes = []
    stack.subscribe(lambda: changes.append(stack.count))
    stack.do(_Append(log, 1))
    stack.set_clean()
    stack.do(_Append(log, 2))
    assert not stack.is_clean
    stack.undo()
    assert stack.is_clean and log == [1]
    stack.undo()
    stack.do(_Append(log, 3))  # the saved state (after 1) is now in the forgotten branch
    assert log == [3] and not stack.can_redo and not stack.is_clean
    stack.undo()
    assert not stack.is_clean and changes


def test_value_mapping_is_kept_and_rereads(ws):
    task = ws.change_value_mapping("vehicle", "Subsidiary company", "new_entity")
    assert ws.mapping is None  # the mapping changes with the data read with it, in one undoable edit
    task.run()
    assert ws.mapping["values"] == {"vehicle": {"Subsidiary company": "new_entity"}} and ws.dirty
    assert ws.imported is not None and not ws.imported.has_errors


def test_opening_runs_each_scenario_once(monkeypatch, ws, tmp_path):
    import strandrisk.core.results as results

    calls = []
    real = results.run_deterministic
    monkeypatch.setattr(results, "run_deterministic", lambda *a, **k: calls.append(1) or real(*a, **k))
    sample = Workspace()
    sample.subscribe(lambda _event: sample.result)  # as the window does: it shows results after each change
    sample.sample_task().run()
    for _ in range(3):
        assert sample.result is not None
    assert len(calls) == 1
    path = ws.save(tmp_path / "p.strandrisk")
    other = Workspace()
    other.subscribe(lambda _event: other.result)
    other.open(path)
    assert len(calls) == 2

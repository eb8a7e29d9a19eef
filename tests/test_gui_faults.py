"""Faults met by the desktop app: every failure reaches the user in plain words, and no work is lost.

Every message box the windows show is captured (QMessageBox.open and exec are replaced; a question is
answered with the button the test names, else the default) and its text checked for plainness: no
traceback, no exception class name. Full and read-only targets are stubs of the writers raising the
operating system's errors; two windows on one project, a second process holding a lock or a recovery
file, and damaged projects and recovery files are real.
"""

import errno
import logging
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
from tests.conftest import QT_MISSING  # noqa: E402

if QT_MISSING:
    pytest.skip(QT_MISSING, allow_module_level=True)

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from strandrisk.io.project import locks, recovery  # noqa: E402
from strandrisk.io.project import project_file as pj  # noqa: E402
from strandrisk.ui.main_window import MainWindow  # noqa: E402

CLASS_NAME = re.compile(r"\b[A-Za-z_.]*(Error|Exception|Failure|Errno)\b|Traceback|File \"|0x[0-9a-f]{6,}")
DEAD_PID = 999_999


def assert_plain(text: str) -> None:
    assert text.strip(), "an empty message"
    assert not CLASS_NAME.search(text), f"not plain: {text!r}"


@pytest.fixture
def boxes(monkeypatch):
    """Every message box shown, as (title, text); ``boxes.answers[title] = button text`` answers a question."""

    class Shown(list):
        answers: dict = {}

    shown = Shown()
    shown.answers = {}

    def fake_open(self):
        shown.append((self.windowTitle(), self.text()))

    def fake_exec(self):
        shown.append((self.windowTitle(), self.text()))
        want = shown.answers.get(self.windowTitle())
        button = next((b for b in self.buttons() if b.text() == want), None) or self.defaultButton()
        if button is not None:
            button.click()
        return 0

    monkeypatch.setattr(QMessageBox, "open", fake_open)
    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: shown.append(("question", a[2])) or QMessageBox.StandardButton.Discard))
    yield shown
    for title, text in shown:
        assert_plain(title)
        assert_plain(text)


@pytest.fixture
def window(qtbot, tmp_path, boxes):
    made = []

    def make():
        w = MainWindow(QSettings(str(tmp_path / f"settings{len(made)}.ini"), QSettings.Format.IniFormat))
        qtbot.addWidget(w)
        w.show()
        made.append(w)
        return w

    yield make
    for w in made:
        if w.busy:
            w.cancel_job(wait=True)


@pytest.fixture
def project(tmp_path):
    """A saved project of the sample (its lock released: nobody has it open)."""
    from strandrisk.workspace import Workspace

    ws = Workspace()
    ws.sample_task().run()
    path = ws.save(tmp_path / "board")
    ws.close()
    return path


def _add_scenario(w, name):
    w.assumptions_pane.new_scenario()
    w.assumptions_pane.rename_scenario(new_name=name)


def _os_error(code, path="target"):
    return OSError(code, os.strerror(code), str(path))


# ---------------------------------------------------------------------------------- exports
@pytest.mark.parametrize("code, says", [(errno.ENOSPC, "disk is full"), (errno.EROFS, "read-only"),
                                        (errno.EACCES, "read-only")])
def test_json_export_on_a_full_disk_or_read_only_folder_shows_a_dialog(window, boxes, tmp_path, monkeypatch,
                                                                       code, says):
    from strandrisk.io.report import results_json

    w = window()
    w.open_sample(wait=True)

    def fail(path, data):
        raise _os_error(code, path)

    monkeypatch.setattr(results_json, "write_bytes_atomic", fail)
    assert w.export_json(tmp_path / "results.json") is None
    assert boxes[-1][0] == "Export results" and says in boxes[-1][1]
    assert says in w.status_label.text()
    assert not (tmp_path / "results.json").exists()


def test_json_export_into_a_missing_folder_shows_a_dialog(window, boxes, tmp_path):
    w = window()
    w.open_sample(wait=True)
    w.export_json(tmp_path / "gone" / "results.json")
    assert boxes[-1][0] == "Export results" and "does not exist" in boxes[-1][1]


@pytest.mark.parametrize("code, says", [(errno.ENOSPC, "space"), (errno.EACCES, "ermission|read-only")])
def test_report_export_failure_shows_the_one_line(window, boxes, tmp_path, monkeypatch, qtbot, code, says):
    from strandrisk.io.report import workbook

    w = window()
    w.open_sample(wait=True)

    @contextmanager
    def failing(path, *a, **k):
        raise _os_error(code, path)
        yield  # pragma: no cover

    monkeypatch.setattr(workbook, "atomic_path", failing)
    job = w.export_report(tmp_path / "report.xlsx")
    qtbot.waitUntil(lambda: not w.busy, timeout=60_000)
    assert job.outcome == "failed"
    title, text = boxes[-1]
    assert title == "Writing the report failed" and re.search(says, text)
    assert text.startswith("Writing the report failed")
    assert w.status_label.text() == text  # the status bar says the same line


def test_failing_simulation_and_import_jobs_show_the_one_line(window, boxes, tmp_path, monkeypatch, qtbot):
    import strandrisk.core.simulation as simulation

    w = window()
    w.open_sample(wait=True)

    def out_of_memory(*_a, **_k):
        raise MemoryError()

    monkeypatch.setattr(simulation, "run_monte_carlo", out_of_memory)
    w.run_simulation(1000)
    qtbot.waitUntil(lambda: not w.busy, timeout=60_000)
    assert "not enough memory" in boxes[-1][1]
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 a damaged workbook")
    w.import_files([bad])
    qtbot.waitUntil(lambda: not w.busy, timeout=60_000)
    assert "broken.xlsx" in boxes[-1][1] and boxes[-1][0].endswith("failed")


def test_an_unknown_failure_is_one_line_pointing_at_the_log(window, boxes, tmp_path, monkeypatch):
    from strandrisk.io.report import results_json

    w = window()
    w.open_sample(wait=True)

    def bug(_path, _data):
        raise KeyError("internal detail")

    monkeypatch.setattr(results_json, "write_bytes_atomic", bug)
    w.export_json(tmp_path / "r.json")
    assert "log" in boxes[-1][1] and "internal detail" not in boxes[-1][1]


def test_a_shown_error_dialog_is_visible_and_stays(qtbot, tmp_path):
    w = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    w.open_sample(wait=True)
    w.export_json(tmp_path / "gone" / "r.json")
    import gc

    gc.collect()
    qtbot.wait(50)
    (box,) = [b for b in w.findChildren(QMessageBox) if b.isVisible()]
    assert box.windowTitle() == "Export results" and "does not exist" in box.text()
    box.done(0)


# ---------------------------------------------------------------------------------- damaged projects
def _damage(path: Path, how: str) -> None:
    if how == "truncated":
        path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    elif how == "bad-deflate":
        data = bytearray(path.read_bytes())
        start = 30 + len(pj.MEMBER)
        data[start:start + 64] = b"\x07" * 64
        path.write_bytes(bytes(data))
    elif how == "not-json":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr(pj.MEMBER, "{\"format\": ")
    elif how == "bad-values":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr(pj.MEMBER, '{"format": "strandrisk-project", "format_version": 1, "scenarios": '
                                   '{"A": {"name": "A", "horizon_years": "many"}}, "sources": [{"file": 1, '
                                   '"sha256": 2, "rows_used": 1e400}], "tables": {"providers": {"rows": 1, '
                                   '"columns": {"operating_income_gbp_k": [[1]]}}}}')
    elif how == "empty":
        path.write_bytes(b"")


@pytest.mark.parametrize("how", ["truncated", "bad-deflate", "not-json", "bad-values", "empty"])
def test_a_damaged_project_opened_in_the_app_is_a_clear_dialog(window, boxes, project, how):
    _damage(project, how)
    w = window()
    w.open_paths([project])
    assert boxes and boxes[-1][0] == "Open project" and "board.strandrisk" in boxes[-1][1]
    assert w.workspace.project_path is None and w.result is None  # nothing half-open
    assert not locks.lock_path(project).exists()


def test_a_damaged_project_given_at_start_is_a_clear_dialog(qtbot, boxes, project, tmp_path):
    from strandrisk.ui.app import start_window

    _damage(project, "bad-deflate")
    w = start_window(project, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    assert w.isVisible() and boxes[-1][0] == "Open project" and "damaged" in boxes[-1][1]


# ---------------------------------------------------------------------------------- recovery at start
def _crashed_recovery(tmp_path, damage: str | None = None) -> Path:
    from strandrisk.workspace import Workspace

    ws = Workspace()
    ws.sample_task().run()
    ws.edit_scenario(dict(ws.scenario_dict(), discount_rate=0.05), "edit")
    path = ws.autosave()
    crashed = path.with_name(path.name.replace(f"~{os.getpid()}.", f"~{DEAD_PID}."))
    path.rename(crashed)
    ws.recovery_file = None
    if damage == "bytes":
        crashed.write_bytes(b"\x00" * 100)
    elif damage == "bad-deflate":
        _damage(crashed, "bad-deflate")
    return crashed


@pytest.mark.parametrize("answer, kept", [("Keep it aside", True), ("Discard it", False)])
@pytest.mark.parametrize("damage", ["bytes", "bad-deflate"])
def test_a_damaged_recovery_file_never_stops_the_app(qtbot, boxes, tmp_path, answer, kept, damage):
    from strandrisk.ui.app import start_window

    crashed = _crashed_recovery(tmp_path, damage)
    boxes.answers["Recovery file damaged"] = answer
    w = start_window(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    assert w.isVisible()
    assert [t for t, _ in boxes].count("Recovery file damaged") == 1
    assert not crashed.exists()
    aside = list(recovery.damaged_dir().glob("*.strandrisk")) if recovery.damaged_dir().exists() else []
    assert len(aside) == (1 if kept else 0)
    w2 = start_window(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w2)
    assert [t for t, _ in boxes].count("Recovery file damaged") == 1  # never asked again


def test_recovery_offered_by_name_keeps_it_for_later_or_recovers_it(qtbot, boxes, tmp_path):
    from strandrisk.ui.app import start_window

    crashed = _crashed_recovery(tmp_path)
    boxes.answers["Recover unsaved work"] = "Ask me next time"
    w = start_window(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    assert crashed.exists() and "Sample" in boxes[-1][1]
    boxes.answers["Recover unsaved work"] = "Recover"
    w2 = start_window(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w2)
    assert w2.workspace.scenario_dict()["discount_rate"] == 0.05 and w2.isWindowModified()
    assert not crashed.exists() and w2.workspace.recovery_file.exists()


# ---------------------------------------------------------------------------------- live recovery files
class OtherProcess:
    def __init__(self, code: str, arg=""):
        script = "import sys\n" + textwrap.dedent(code) + "\nprint(result, flush=True)\nsys.stdin.read()\n"
        self.proc = subprocess.Popen([sys.executable, "-c", script, str(arg)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.line = self.proc.stdout.readline().strip()
        assert self.line

    def kill(self):
        self.proc.kill()
        self.proc.wait()


def test_a_live_windows_recovery_file_is_never_offered_nor_deleted(window, boxes, qtbot, tmp_path):
    from strandrisk.ui.app import start_window

    a = window()
    a.open_sample(wait=True)
    a.assumptions_pane.set_value("price_uplift", "0.03")
    mine = a.autosave_now()
    other = OtherProcess("""
        from strandrisk.workspace import Workspace
        w = Workspace()
        w.edit_scenario(dict(w.scenario_dict(), discount_rate=0.07), "edit")
        result = w.autosave()
        """)
    try:
        boxes.answers["Recover unsaved work"] = "Discard it"
        second = start_window(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
        qtbot.addWidget(second)
        assert "Recover unsaved work" not in [t for t, _ in boxes]  # a second start: no crash to speak of
        b = window()
        b.open_sample(wait=True)
        b.save_project(tmp_path / "b")  # another window's Save
        assert mine.exists() and Path(other.line).exists()
    finally:
        other.kill()
    third = start_window(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(third)
    assert [t for t, _ in boxes].count("Recover unsaved work") == 1  # the dead process's work, only
    assert not Path(other.line).exists() and mine.exists()  # "Discard it" removed only that one


def test_autosave_failure_is_shown_at_once_and_once(window, boxes, monkeypatch):
    w = window()
    w.open_sample(wait=True)
    w.assumptions_pane.set_value("price_uplift", "0.03")
    real = recovery.write_autosave

    def full(*_a, **_k):
        raise _os_error(errno.ENOSPC, recovery.autosave_dir() / "x.strandrisk")

    monkeypatch.setattr(recovery, "write_autosave", full)
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logging.getLogger("strandrisk").addHandler(handler)
    try:
        assert w.autosave_now() is None
        assert w.autosave_now() is None
    finally:
        logging.getLogger("strandrisk").removeHandler(handler)
    assert [t for t, _ in boxes].count("Autosave failed") == 1
    assert "disk is full" in w.status_label.text()
    assert any("disk is full" in r.getMessage() for r in records)  # logged too
    monkeypatch.setattr(recovery, "write_autosave", real)
    assert w.autosave_now() is not None and "works again" in w.status_label.text()
    monkeypatch.setattr(recovery, "write_autosave", full)
    w.autosave_now()
    assert [t for t, _ in boxes].count("Autosave failed") == 2  # a new failure after a success is shown


def test_edits_before_any_data_count_as_unsaved(window, boxes):
    w = window()
    assert w.assumptions_pane.set_value("price_uplift", "0.03")
    assert w.isWindowModified()
    written = w.autosave_now()
    assert written is not None and written.name.startswith("Untitled~")
    assert w.close()  # asked first (the captured question answers Discard) ...
    assert ("question", "Save the changes to Untitled first?") in boxes
    assert not written.exists()  # ... then closed cleanly: its recovery file goes


# ---------------------------------------------------------------------------------- two windows, one project
def test_two_windows_on_one_project_never_lose_the_first_writers_scenario(window, boxes, project, tmp_path,
                                                                          monkeypatch):
    a, b = window(), window()
    a.open_paths([project])
    assert not a.workspace.read_only and locks.lock_path(project).exists()
    boxes.answers["Project already open"] = "Open read-only"
    b.open_paths([project])
    assert b.workspace.read_only and "(read-only)" in b.windowTitle()
    _add_scenario(a, "Window A")
    assert a.save()
    _add_scenario(b, "Window B")
    monkeypatch.setattr(b, "_ask_save_path", lambda *_a: tmp_path / "b copy.strandrisk")
    boxes.answers["Save project"] = "Save As..."
    assert b.save()  # read-only: saved under another name instead
    assert "Window A" in pj.load_project(project).scenarios
    assert "Window B" in pj.load_project(tmp_path / "b copy.strandrisk").scenarios
    assert not b.workspace.read_only and b.workspace.project_path == tmp_path / "b copy.strandrisk"
    a.close()
    assert not locks.lock_path(project).exists()


def test_a_project_locked_by_another_process_opens_read_only_or_not_at_all(window, boxes, project):
    holder = OtherProcess("""
        from strandrisk.io.project import locks
        result = locks.acquire(sys.argv[1]).path
        """, project)
    try:
        w = window()
        boxes.answers["Project already open"] = "Cancel"
        w.open_paths([project])
        assert w.workspace.project_path is None and "another StrandRisk on this computer" in boxes[-1][1]
    finally:
        holder.kill()
    w.open_paths([project])  # its process is gone: the stale lock is taken over
    assert w.workspace.project_path == project and not w.workspace.read_only


@pytest.mark.parametrize("answer, ours", [("Cancel", False), ("Replace it", True)])
def test_saving_over_a_file_changed_on_disk_asks_first(window, boxes, project, answer, ours):
    w = window()
    w.open_paths([project])
    theirs = pj.load_project(project)
    theirs.scenarios["Theirs"] = {"name": "Theirs"}
    pj.save_project(theirs, project)  # a colleague on another computer (no lock here) saved it
    _add_scenario(w, "Ours")
    boxes.answers["File changed on disk"] = answer
    assert w.save() is ours
    assert boxes[-1][0] == "File changed on disk"
    on_disk = pj.load_project(project).scenarios
    assert ("Ours" in on_disk) is ours and ("Theirs" in on_disk) is not ours

"""Recovery files per window and document, project lock files, saving over a changed file, and the
fingerprint of a file replaced while it is imported. Qt-free; a second process plays the other window."""

import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from strandrisk.io.project import locks, recovery
from strandrisk.io.project import project_file as pj
from strandrisk.workspace import ChangedOnDisk, ProjectInUse, ReadOnlyProject, Workspace

DEAD_PID = 999_999  # above Linux's default pid_max (and Windows ids are multiples of 4)


@pytest.fixture
def ws(sample_copy):
    ws = Workspace()
    ws.import_task(sample_copy).run()
    return ws


def _edit(ws, text="Change discount rate", rate=0.05):
    ws.edit_scenario(dict(ws.scenario_dict(), discount_rate=rate), text)


def _crash(path: Path) -> Path:
    """Pretend the process that wrote this recovery file is gone (it is renamed to a dead process id)."""
    crashed = path.with_name(path.name.replace(f"~{os.getpid()}.", f"~{DEAD_PID}."))
    path.rename(crashed)
    return crashed


class OtherProcess:
    """A second StrandRisk process: runs ``code`` (with ``path``), prints a line, waits until killed."""

    def __init__(self, code: str, path):
        script = textwrap.dedent(code) + "\nprint(result, flush=True)\nsys.stdin.read()\n"
        self.proc = subprocess.Popen([sys.executable, "-c", "import sys\n" + script, str(path)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.line = self.proc.stdout.readline().strip()
        assert self.line, "the other process did not start"

    def kill(self):
        self.proc.kill()
        self.proc.wait()  # reaped: no zombie that still answers as alive


# ---------------------------------------------------------------------------------- recovery files
def test_each_window_autosaves_to_its_own_file_named_after_its_document(ws, tmp_path):
    other = Workspace()
    _edit(other)  # an edit before any data counts as unsaved work too
    assert other.dirty
    first, second = ws.autosave(), other.autosave()
    assert first != second and first.parent == second.parent == recovery.autosave_dir()
    assert first.name.startswith("Untitled~untitled-") and first.name.endswith(f"~{os.getpid()}.strandrisk")
    ws.save(tmp_path / "Board pack")
    assert not first.exists()  # saved: its recovery file goes
    _edit(ws)
    named = ws.autosave()
    assert named.name.startswith("Board pack~") and second.exists()  # another window's Save never deletes it
    with zipfile.ZipFile(named) as zf:
        assert {"project.json", "recovery.json"} <= set(zf.namelist())
    ws.close()
    assert not named.exists() and second.exists()


def test_a_live_processes_file_is_never_offered_and_a_dead_ones_is(ws, tmp_path):
    path = ws.autosave()
    assert recovery.orphaned() == []  # this process is alive
    live = OtherProcess("""
        from strandrisk.workspace import Workspace
        w = Workspace()
        w.edit_scenario(dict(w.scenario_dict(), discount_rate=0.07), "edit")
        result = w.autosave()
        """, "")
    try:
        assert Path(live.line).exists()
        assert recovery.orphaned() == []  # the second process holds its session: not a crash
    finally:
        live.kill()
    (rec,) = recovery.orphaned()  # gone without closing: now it is offered
    assert rec.path == Path(live.line) and not rec.damaged and rec.title == "Untitled"
    assert rec.project.scenarios["Base case"]["discount_rate"] == 0.07
    assert path.exists()


def test_recovered_project_keeps_its_path_and_notices_a_changed_file(ws, tmp_path):
    saved = ws.save(tmp_path / "board")
    _edit(ws)
    crashed = _crash(ws.autosave())
    ws.lock.release()
    (rec,) = recovery.orphaned()
    assert rec.project_path == str(saved) and "board" in rec.describe()
    back = Workspace()
    back.recover(rec)
    assert back.project_path == saved and back.project_name == "board" and back.dirty
    assert back.scenario_dict()["discount_rate"] == 0.05
    assert not crashed.exists() and back.recovery_file.exists()  # adopted: safe until the next autosave
    theirs = pj.load_project(saved)
    theirs.scenarios["Theirs"] = {"name": "Theirs"}
    pj.save_project(theirs, saved)  # someone saved the project after the crash
    with pytest.raises(ChangedOnDisk):
        back.save(saved)
    back.save(saved, overwrite_changed=True)
    assert pj.load_project(saved).scenarios["Base case"]["discount_rate"] == 0.05


@pytest.mark.parametrize("damage", [b"", b"PK\x03\x04 not a zip", "bad-deflate", "bad-json", "bad-values"])
def test_a_damaged_recovery_file_is_reported_in_words_and_can_be_kept_aside(ws, damage):
    path = _crash(ws.autosave())
    if damage == "bad-deflate":
        data = bytearray(path.read_bytes())
        start = 30 + len(pj.MEMBER)
        data[start:start + 40] = b"\xff" * 40
        path.write_bytes(bytes(data))
    elif damage == "bad-json":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr(pj.MEMBER, "{not json")
            zf.writestr(recovery.META, "{}")
    elif damage == "bad-values":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr(pj.MEMBER, '{"format": "strandrisk-project", "format_version": 1, "tables": {"providers": '
                                   '{"rows": 1, "columns": {"provider_code": [1e400]}}}}')
            zf.writestr(recovery.META, '{"project_path": 5, "saved_at": []}')
    else:
        path.write_bytes(damage)
    (rec,) = recovery.orphaned()
    assert rec.damaged and rec.problem
    assert "Error" not in rec.problem and "Traceback" not in rec.problem and "\n" not in rec.problem
    kept = recovery.set_aside(rec.path)
    assert kept.parent == recovery.damaged_dir() and kept.exists() and not path.exists()
    assert recovery.orphaned() == []


def test_recovery_file_of_an_older_strandrisk_is_still_offered(ws):
    old = recovery.autosave_dir() / "recovery.strandrisk"
    old.parent.mkdir(parents=True, exist_ok=True)
    pj.save_project(ws.project(), old)
    (rec,) = recovery.orphaned()
    assert not rec.damaged and rec.project_path is None


# ---------------------------------------------------------------------------------- lock files
def test_lock_file_beside_the_project_names_who_holds_it(ws, tmp_path):
    path = ws.save(tmp_path / "board")
    lock_file = tmp_path / ".~lock.board.strandrisk#"
    assert lock_file.exists()
    owner = locks.read_owner(path)
    assert owner.pid == os.getpid() and owner.host == locks.this_host() and owner.user == locks.this_user()
    second = Workspace()
    with pytest.raises(ProjectInUse, match="another StrandRisk window"):
        second.open(path, "take")
    second.open(path, "read_only")
    assert second.read_only and second.has_data
    _edit(second)
    with pytest.raises(ReadOnlyProject, match="Save As"):
        second.save(path)
    with pytest.raises(ProjectInUse, match="choose another name"):
        Workspace().save(tmp_path / "board.strandrisk")  # never over a project open in another window
    second.save(tmp_path / "mine")  # Save As works, and locks the new file
    assert (tmp_path / ".~lock.mine.strandrisk#").exists()
    ws.close()
    assert not lock_file.exists()
    third = Workspace()
    third.open(path, "take")  # free again
    assert not third.read_only


def test_stale_lock_of_a_dead_process_is_taken_over_and_a_live_ones_is_respected(ws, tmp_path):
    path = tmp_path / "board.strandrisk"
    pj.save_project(ws.project(), path)
    holder = OtherProcess("""
        from strandrisk.io.project import locks
        lock = locks.acquire(sys.argv[1])
        result = lock.path
        """, path)
    try:
        other = Workspace()
        with pytest.raises(ProjectInUse, match="another StrandRisk on this computer"):
            other.open(path, "take")
    finally:
        holder.kill()
    assert locks.read_owner(path).pid == holder.proc.pid  # its lock file stays behind after the crash
    other.open(path, "take")
    assert locks.read_owner(path).pid == os.getpid()


def test_lock_of_another_computer_is_respected_and_a_read_only_folder_takes_none(ws, tmp_path):
    path = tmp_path / "board.strandrisk"
    pj.save_project(ws.project(), path)
    locks.lock_path(path).write_text("StrandRisk,jsmith,PC-042,4242,2026-12-02T09:14:00+00:00,abc;\n")
    with pytest.raises(locks.ProjectLocked, match="jsmith on PC-042"):
        locks.acquire(path)
    locks.lock_path(path).write_text("garbage")  # unreadable: taken over
    lock = locks.acquire(path)
    assert locks.read_owner(path).token == lock.token
    lock.release()
    assert not locks.lock_path(path).exists()
    nowhere = locks.acquire(tmp_path / "no such folder" / "x.strandrisk")
    assert nowhere.path is None
    nowhere.release()


def test_saving_over_a_file_changed_on_disk_asks_first(ws, tmp_path):
    path = ws.save(tmp_path / "board")
    theirs = pj.load_project(path)
    theirs.scenarios["Their scenario"] = {"name": "Their scenario"}
    pj.save_project(theirs, path)  # written by someone who took no lock (another computer, a sync tool)
    _edit(ws)
    with pytest.raises(ChangedOnDisk, match="changed by someone else"):
        ws.save(path)
    assert "Their scenario" in pj.load_project(path).scenarios  # nothing lost until the user says so
    ws.save(path, overwrite_changed=True)
    _edit(ws, rate=0.06)
    ws.save(path)  # our own last save is not a change by someone else


# ---------------------------------------------------------------------------------- fingerprints
def test_fingerprint_is_of_the_bytes_read_when_the_file_is_replaced_during_the_import(sample_copy, tmp_path,
                                                                                    monkeypatch):
    """A save landing between the fingerprint and the read of the data: both are of the same bytes."""
    import shutil

    import openpyxl

    from strandrisk.io.spreadsheets import load

    target = sample_copy[0]
    before = tmp_path / "before.xlsx"
    shutil.copy(target, before)
    wb = openpyxl.load_workbook(target)
    wb["Providers"]["D2"].value += 1
    changed = tmp_path / "changed.xlsx"
    wb.save(changed)
    real = load.sha256_of
    swapped = []

    def sha_then_save(path):
        digest = real(path)
        if Path(path).name == target.name and not swapped:
            os.replace(changed, target)  # Excel saves the file just after its fingerprint was taken
            swapped.append(digest)
        return digest

    monkeypatch.setattr(load, "sha256_of", sha_then_save)
    ws = Workspace()
    ws.import_task(sample_copy).run()
    assert swapped
    stored = {s.file: s.sha256 for s in ws.inputs.sources}[target.name]
    os.replace(before, target)
    fresh = Workspace()
    fresh.import_task(sample_copy).run()  # the file as it was when the import began, read when nothing moves
    assert stored == real(target) and ws.result.to_document() == fresh.result.to_document()
    assert fresh.inputs.sources[0].sha256 == stored


def test_a_lock_that_cannot_be_written_leaves_no_empty_lock_file(tmp_path, monkeypatch):
    import errno

    def full(_fd, _data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(locks.os, "write", full)
    lock = locks.acquire(tmp_path / "board.strandrisk")
    assert lock.path is None and list(tmp_path.iterdir()) == []


def test_ending_the_session_gives_up_its_lock_and_removes_its_file(tmp_path, monkeypatch):
    """The smoke test runs in a temporary data folder that Windows cannot delete while the session lock an
    autosave took is still open: ending the session closes and removes it; a new one can start after."""
    monkeypatch.setenv("STRANDRISK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(recovery, "_sessions", {})
    recovery.start_session()
    lock = recovery.autosave_dir() / "sessions" / f"{os.getpid()}.lock"
    assert lock.is_file() and len(recovery._sessions) == 1
    recovery.end_session()
    assert not lock.exists() and recovery._sessions == {}
    import shutil

    shutil.rmtree(tmp_path / "data")  # nothing of the session is left open
    recovery.start_session()
    assert lock.is_file()
    recovery.end_session()

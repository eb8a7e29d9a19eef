"""Saves never lose work (issue 17): flushed before the rename, permissions kept, read-only files never
replaced, no temp file left by a failure or (after the next start's sweep) by a kill; full disks, real
and stubbed, answered in one plain line. The bigger campaign is tests/benchmarks/fault_campaign.py."""

from __future__ import annotations

import errno
import os
import random
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from strandrisk.io import atomic
from strandrisk.io.atomic import (TargetNotWritable, atomic_path, sweep_private_temp_dirs, sweep_temp_files,
                                  write_bytes_atomic)
from strandrisk.io.failures import describe_failure
from tests import fault_harness
from tests.fault_harness import full_disk  # noqa: F401 - a fixture

POSIX = os.name == "posix"


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _temps(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".~")]


# the order of a save ---------------------------------------------------------------------------------

def test_save_flushes_the_file_then_renames_then_flushes_the_folder(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        calls.append(("fsync", os.path.isdir(f"/proc/self/fd/{fd}") if POSIX else None))
        return real_fsync(fd)

    def replace(a, b):
        calls.append(("replace", Path(b).name))
        return real_replace(a, b)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    write_bytes_atomic(tmp_path / "a.json", b"{}")
    names = [c[0] for c in calls]
    assert names[:2] == ["fsync", "replace"]
    if POSIX:
        assert calls[0] == ("fsync", False) and calls[2] == ("fsync", True), calls  # file, then its folder
    assert (tmp_path / "a.json").read_bytes() == b"{}"


@pytest.mark.skipif(not POSIX, reason="permission bits are POSIX")
def test_save_keeps_the_permissions_of_the_file_it_replaces(tmp_path):
    for mode in (0o644, 0o640, 0o664, 0o600):
        target = tmp_path / f"f{mode:o}.json"
        target.write_bytes(b"old")
        os.chmod(target, mode)
        write_bytes_atomic(target, b"new")
        assert stat.S_IMODE(target.stat().st_mode) == mode and target.read_bytes() == b"new"


@pytest.mark.skipif(not POSIX, reason="umask is POSIX")
def test_a_new_file_gets_the_umask_default_not_0600(tmp_path):
    target = tmp_path / "new.json"
    write_bytes_atomic(target, b"{}")
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~atomic._UMASK


def test_a_read_only_file_is_never_replaced(tmp_path):
    target = tmp_path / "locked.json"
    target.write_bytes(b"keep me")
    os.chmod(target, 0o444)
    with pytest.raises(TargetNotWritable) as info:
        write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"keep me" and _temps(tmp_path) == []
    assert "read-only" in describe_failure(info.value, "saving locked.json")


def test_a_failing_writer_leaves_no_temp_file_and_the_old_file(tmp_path):
    target = tmp_path / "P.strandrisk"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("the writer failed")
    assert target.read_bytes() == b"old" and _temps(tmp_path) == []


def test_a_missing_folder_is_one_plain_line(tmp_path):
    with pytest.raises(TargetNotWritable) as info:
        write_bytes_atomic(tmp_path / "gone" / "a.json", b"{}")
    text = describe_failure(info.value, "saving the results")
    assert "does not exist" in text and "Error" not in text


# full disks ---------------------------------------------------------------------------------------------

def _writers(tmp_path):
    from strandrisk.io.project.project_file import save_project
    from strandrisk.io.report.results_json import write_json
    from strandrisk.io.report.workbook import write_report
    from strandrisk.io.spreadsheets.template import write_template

    s = fault_harness.sample()
    big = dict(s.documents[0], padding="x" * 10_000)
    return {
        "P.strandrisk": lambda p: save_project(s.projects[0], p),
        "results.json": lambda p: write_json(big, p),
        "Report.xlsx": lambda p: write_report(s.result, p, imported=s.imported),
        "Template.xlsx": lambda p: write_template(p),
    }


def test_full_disk_stub_keeps_every_old_file_and_says_so(tmp_path, full_disk):
    for name, write in _writers(tmp_path).items():
        target = tmp_path / name
        target.write_bytes(b"the old file")
        with pytest.raises(Exception) as info:
            write(target)
        assert target.read_bytes() == b"the old file", name
        assert _temps(tmp_path) == [], name
        text = describe_failure(info.value, f"saving {name}")
        assert "disk is full" in text, (name, text)


@pytest.fixture
def small_tmpfs(tmp_path):
    """A real 256 kB tmpfs (needs root and a mount namespace that allows it); skipped with the reason."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    if not POSIX or shutil.which("mount") is None:
        pytest.skip("no mount command here")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mount is not permitted here: {done.stderr.strip() or done.returncode}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def test_a_real_full_disk_keeps_the_old_file(small_tmpfs):
    writers = _writers(small_tmpfs)
    for name in ("P.strandrisk", "Report.xlsx", "results.json"):
        target = small_tmpfs / name
        writers[name](target)  # fits while the disk has room
        old = target.read_bytes()
        filler = small_tmpfs / "filler.bin"
        with open(filler, "wb") as fh:  # fill what is left, bar 1 kB
            free = shutil.disk_usage(small_tmpfs).free
            fh.write(b"\0" * max(0, free - 1024))
        with pytest.raises(Exception) as info:
            writers[name](target)
        assert target.read_bytes() == old, name
        assert _temps(small_tmpfs) == [], name
        assert "disk is full" in describe_failure(info.value, f"saving {name}")
        filler.unlink()


# stale temp files ----------------------------------------------------------------------------------------

def test_sweep_removes_dead_processes_temp_files_only(tmp_path):
    dead, host = _dead_pid(), atomic._HOST
    dead_file = tmp_path / f".~P-{host}-{dead}-0123abcd.strandrisk.tmp"
    live_file = tmp_path / f".~P-{host}-{os.getpid()}-0123abcd.strandrisk.tmp"
    other_host_new = tmp_path / f".~P-ffffff-{dead}-0123abcd.strandrisk.tmp"
    other_host_old = tmp_path / f".~Q-ffffff-{dead}-0123abcd.strandrisk.tmp"
    not_ours = tmp_path / "~$Book.xlsx"
    for p in (dead_file, live_file, other_host_new, other_host_old, not_ours):
        p.write_bytes(b"")
    old = time.time() - atomic.STALE_AFTER_S - 60
    os.utime(other_host_old, (old, old))
    assert sweep_temp_files(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live_file.name, other_host_new.name, not_ours.name])


def test_sweep_removes_dead_processes_scratch_folders(tmp_path):
    dead = tmp_path / f"strandrisk-{_dead_pid()}"
    live = tmp_path / f"strandrisk-{os.getpid()}"
    other = tmp_path / "strandrisk-bench-x"
    for d in (dead, live, other):
        d.mkdir()
        (d / "openpyxl.tmp").write_bytes(b"x")
    assert sweep_private_temp_dirs(tmp_path) == 1
    assert not dead.exists() and live.exists() and other.exists()


def test_the_cli_keeps_openpyxl_scratch_files_in_its_own_folder_and_removes_it(tmp_path):
    scratch = tmp_path / "temp"
    scratch.mkdir()
    stale = scratch / f"strandrisk-{_dead_pid()}"
    stale.mkdir()
    (stale / "openpyxl.abc.xml").write_bytes(b"x" * 1000)
    env = dict(os.environ, TMPDIR=str(scratch), TEMP=str(scratch), TMP=str(scratch))
    done = subprocess.run([sys.executable, "-m", "strandrisk", "run", "--sample", "--simulations", "0",
                           "--out", str(tmp_path / "r.xlsx")], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "r.xlsx").stat().st_size > 10_000
    assert list(scratch.iterdir()) == []  # the stale folder swept at start, its own removed at exit


# kills -----------------------------------------------------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "fork"), reason="the kill harness forks (POSIX)")
@pytest.mark.parametrize("kind, trials", [("project", 12), ("json", 8), ("report", 5)])
def test_kills_during_saves_leave_the_old_or_the_new_file(kind, trials, tmp_path):
    out = fault_harness.kill_during_saves(kind, tmp_path, trials, random.Random(17))
    assert out.trials == trials, out.notes
    assert out.corrupt == 0, out.notes
    assert out.old_or_new == trials
    assert out.stray_after_sweep == 0, out.notes


def test_private_temp_dir_is_per_process(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(atomic, "_private", None)
    folder = atomic.private_temp_dir()
    assert folder == tmp_path / f"strandrisk-{os.getpid()}" and folder.is_dir()
    atomic._remove_private()
    assert not folder.exists()

"""Fault experiments on saves and exports, shared by tests/test_fault_saves.py (a few trials in the default
run) and tests/benchmarks/fault_campaign.py (hundreds).

A forked child saves the same target in a loop (a project, the JSON results or the Excel report), with its
own scratch folder under a test temp folder as the app has; the parent kills it with SIGKILL at a random
moment, then checks what a user would find: the target is the old or the new file and opens, and after the
next start's sweep no temporary file is left beside it or in the temp folder. POSIX only (fork, SIGKILL).
"""

from __future__ import annotations

import builtins
import errno
import io
import json
import multiprocessing
import os
import random
import signal
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

KINDS = ("project", "json", "report")
TARGET_NAMES = {"project": "Project.strandrisk", "json": "results.json", "report": "Report.xlsx"}


@dataclass
class Outcome:
    kind: str
    trials: int = 0
    old_or_new: int = 0          # the target opened and was one of the two versions written
    corrupt: int = 0             # the target did not open, or was neither version
    left_before_sweep: int = 0   # kills that left a temp file beside the target (the child was mid-save)
    scratch_left: int = 0        # kills that left the child's scratch folder with files in it
    stray_after_sweep: int = 0   # temp files or scratch folders still there after the next start's sweep
    notes: list[str] = field(default_factory=list)


class _Sample:
    """The sample's data, result and two versions of each kind of file (built once, shared by the forks)."""

    def __init__(self):
        from strandrisk.core.results import run_deterministic
        from strandrisk.core.scenario import Scenario
        from strandrisk.io.project import project_file as pj
        from strandrisk.io.spreadsheets.load import load_sample

        self.imported = load_sample()
        self.result = run_deterministic(self.imported.inputs, Scenario.default())
        self.projects = [pj.Project(self.imported.inputs, {name: {"name": name}}, name)
                         for name in ("Version A", "Version B")]
        doc = self.result.to_document()
        self.documents = [dict(doc, version="A"), dict(doc, version="B")]


_SAMPLE: _Sample | None = None


def sample() -> _Sample:
    global _SAMPLE
    if _SAMPLE is None:
        _SAMPLE = _Sample()
    return _SAMPLE


def _save(kind: str, target: Path, i: int) -> None:
    s = sample()
    if kind == "project":
        from strandrisk.io.project.project_file import save_project

        save_project(s.projects[i % 2], target)
    elif kind == "json":
        from strandrisk.io.report.results_json import write_json

        write_json(s.documents[i % 2], target)
    else:
        from strandrisk.io.report.workbook import write_report

        write_report(s.result, target, imported=s.imported)


def _saver(kind: str, target: str, scratch_base: str, ready) -> None:
    """The child: its own scratch folder (as __main__ sets up), then saves forever until killed."""
    from strandrisk.io import atomic

    tempfile.tempdir = scratch_base
    atomic._private = None  # the fork copied the parent's; this process has its own
    atomic.use_private_temp_dir()
    i = 0
    while True:
        _save(kind, Path(target), i)
        i += 1
        if i == 1:
            ready.set()


def _verify(kind: str, target: Path) -> str | None:
    """None when the target opens and is one of the versions written, else what is wrong."""
    try:
        if kind == "project":
            from strandrisk.io.project.project_file import load_project

            name = load_project(target).current_scenario
            return None if name in ("Version A", "Version B") else f"scenario {name!r}"
        if kind == "json":
            version = json.loads(target.read_text(encoding="utf-8")).get("version")
            return None if version in ("A", "B") else f"version {version!r}"
        from openpyxl import load_workbook

        from strandrisk.io.report.workbook import SHEETS

        with zipfile.ZipFile(target) as zf:
            bad = zf.testzip()
            if bad:
                return f"damaged member {bad}"
        wb = load_workbook(target, read_only=True)
        try:
            return None if tuple(wb.sheetnames) == SHEETS else f"sheets {wb.sheetnames}"
        finally:
            wb.close()
    except Exception as exc:  # noqa: BLE001 - any failure to open is the finding
        return f"{type(exc).__name__}: {exc}"


def _leftovers(folder: Path, scratch_base: Path) -> list[str]:
    return sorted([p.name for p in folder.iterdir() if p.name.startswith(".~")]
                  + [p.name for p in scratch_base.iterdir()])


def kill_during_saves(kind: str, workdir: Path, trials: int, rng: random.Random,
                      max_delay_s: float | None = None) -> Outcome:
    """``trials`` kills of a saving child at random moments; the outcome of each, as a user would see it."""
    from strandrisk.io.atomic import sweep_private_temp_dirs, sweep_temp_files

    sample()  # built before the forks, so each child starts saving at once
    ctx = multiprocessing.get_context("fork")
    folder = workdir / f"{kind}-out"
    scratch = workdir / f"{kind}-temp"
    folder.mkdir(parents=True, exist_ok=True)
    scratch.mkdir(parents=True, exist_ok=True)
    target = folder / TARGET_NAMES[kind]
    delay = max_delay_s if max_delay_s is not None else {"project": 0.05, "json": 0.03, "report": 0.6}[kind]
    out = Outcome(kind)
    for _ in range(trials):
        ready = ctx.Event()
        child = ctx.Process(target=_saver, args=(kind, str(target), str(scratch), ready), daemon=True)
        child.start()
        if not ready.wait(60):
            child.kill()
            child.join()
            out.notes.append("the child never finished its first save")
            continue
        time.sleep(rng.uniform(0, delay))
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        out.trials += 1
        problem = _verify(kind, target)
        if problem is None:
            out.old_or_new += 1
        else:
            out.corrupt += 1
            out.notes.append(problem)
        if any(p.name.startswith(".~") for p in folder.iterdir()):
            out.left_before_sweep += 1
        if any(any(d.iterdir()) for d in scratch.iterdir() if d.is_dir()):
            out.scratch_left += 1
        # the next start: __main__ sweeps the scratch folders of dead processes and the target's folder
        sweep_private_temp_dirs(scratch)
        sweep_temp_files(folder)
        stray = _leftovers(folder, scratch)
        if stray:
            out.stray_after_sweep += 1
            out.notes.append(f"left after the sweep: {stray}")
    return out


# a full disk, stubbed -------------------------------------------------------------------------------

class _FullDisk:
    """A file whose writes fail with ENOSPC once ``room`` bytes are written, as on a full disk."""

    def __init__(self, fh, room: int):
        self._fh, self._room = fh, room

    def write(self, data):
        if len(data) > self._room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= len(data)
        return self._fh.write(data)

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()


@pytest.fixture
def full_disk(monkeypatch):
    """Writes to StrandRisk's temporary save files fail with ENOSPC after 2 kB."""
    real_open = builtins.open

    def fake_open(file, mode="r", *args, **kwargs):
        fh = real_open(file, mode, *args, **kwargs)
        if any(c in mode for c in "wax+") and Path(str(file)).name.startswith(".~"):
            return _FullDisk(fh, 2048)
        return fh

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(io, "open", fake_open)

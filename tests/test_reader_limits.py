"""The reader process's memory and time limits and its isolation, tested spawn-safely (issue 19): every
function the reader process runs is a module-level function of tests/reader_targets.py, nothing is patched
in this process, so these tests mean the same on Windows (spawn) as on Linux (fork)."""

from __future__ import annotations

import os
import time

import pytest

from strandrisk.io.failures import ImportCancelled, ImportFailure
from strandrisk.io.spreadsheets import worker
from strandrisk.io.spreadsheets.load import load_inputs, sample_paths

from . import reader_targets as targets

WINE_NO_JOB_LIMIT = ("Wine 8 neither reports nor enforces a job object's per-process memory limit (Windows does); "
                     "under Wine only the limit's structure is tested (test_import_hardening)")


@pytest.fixture(autouse=True)
def _through_the_reader_process(monkeypatch):
    monkeypatch.delenv("STRANDRISK_IMPORT_INPROCESS", raising=False)


def _guarded(fn, *args, seconds=None, cancel=None):
    return worker.run_guarded(fn, args, {}, "book.xlsx", cancel=cancel, seconds=seconds)


def test_the_reader_runs_in_its_own_process():
    assert _guarded(targets.process_id) != os.getpid()


@pytest.mark.skipif(targets.running_under_wine(), reason=WINE_NO_JOB_LIMIT)
def test_the_reader_process_runs_under_the_memory_limit():
    """RLIMIT_AS on Linux, a job object's per-process limit on Windows: the operating system holds the
    reader process to a 1.5 GB budget (and not this one). A reader forked from the app (Linux) gets the
    budget on top of the address space it inherits."""
    assert worker.MEMORY_LIMIT_BYTES <= 1536 << 20
    inherited = worker.address_space_bytes()  # 0 where the reader does not start from this process's memory
    limit = _guarded(targets.memory_limit)
    if worker._context().get_start_method() == "fork":
        assert inherited > 0
        budget = limit - inherited
        assert worker.MEMORY_LIMIT_BYTES - (64 << 20) <= budget <= worker.MEMORY_LIMIT_BYTES + (256 << 20)
    else:
        assert limit == worker.MEMORY_LIMIT_BYTES
    assert targets.memory_limit() != limit  # the app's own process is not limited


@pytest.mark.skipif(targets.running_under_wine(), reason=WINE_NO_JOB_LIMIT)
def test_a_long_session_leaves_the_reader_its_whole_budget():
    """After hours of simulations the app holds far more than 1.5 GB of address space: a reader forked
    from it must still read a small file, not answer 'too large' for every file from then on."""
    import mmap

    held = mmap.mmap(-1, 2 << 30)  # 2 GB of address space in this process (reserved, never touched)
    try:
        assert _guarded(targets.allocate, 64 << 20) == 64 << 20
        with pytest.raises(ImportFailure, match="too large or damaged"):
            _guarded(targets.allocate, 3 << 30)  # still held to the budget
    finally:
        held.close()


@pytest.mark.skipif(targets.running_under_wine(), reason=WINE_NO_JOB_LIMIT)
def test_a_reader_asking_for_more_memory_than_the_limit_is_answered_too_large():
    with pytest.raises(ImportFailure) as info:
        _guarded(targets.allocate, 3 << 30)  # twice the limit
    message = str(info.value)
    assert message.startswith("book.xlsx: is too large or damaged") and "memory limit" in message
    assert _guarded(targets.allocate, 64 << 20) == 64 << 20  # well within it: read as usual


def test_a_file_whose_extent_needs_too_much_memory_is_answered_too_large(tmp_path):
    """The extent check switched off inside the reader process: the reader's own allocation for
    XFD1048576 fails and the answer is 'too large or damaged', not a crash of the app."""
    from .test_import_hardening import _xlsx_with_extra_cell

    path = _xlsx_with_extra_cell(tmp_path / "huge.xlsx", "XFD1048576", 1048576)
    try:
        status, message = worker._run_child(targets.read_without_extent_check, (str(path), path.name, None), 120)
    except worker.WorkerFailure as exc:  # the operating system stopped the process outright
        status, message = "stopped", str(exc)
    assert status in ("unreadable", "stopped") and "too large or damaged" in message


def test_a_hanging_reader_is_stopped_at_its_time_limit():
    started = time.monotonic()
    with pytest.raises(ImportFailure, match="book.xlsx: took longer than 3 s to read and was stopped"):
        _guarded(targets.sleep, 60, seconds=3)
    assert time.monotonic() - started < 20


def test_a_reader_can_be_cancelled_and_is_not_waited_for():
    started = time.monotonic()
    with pytest.raises(ImportCancelled):
        _guarded(targets.sleep, 60, cancel=lambda: time.monotonic() - started > 0.3)
    assert time.monotonic() - started < 20


def test_a_panic_in_the_reader_is_one_plain_line():
    with pytest.raises(ImportFailure) as info:
        _guarded(targets.panic)
    message = str(info.value)
    assert message.startswith("book.xlsx: could not be read: the reader failed on its contents")
    assert "Panic" not in message and "\n" not in message


def test_a_reader_that_crashes_takes_down_only_its_own_process():
    with pytest.raises(ImportFailure) as info:
        _guarded(targets.crash)
    assert "book.xlsx: is too large or damaged: the reader stopped on it" in str(info.value)
    result = load_inputs(sample_paths())  # this process goes on reading as before
    assert result.inputs.providers.n_rows > 0

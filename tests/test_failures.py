"""describe_failure: one plain line for every failure, never a traceback or an exception class name."""

from __future__ import annotations

import errno
import json
import logging
import os
import zlib

from pathlib import Path

import pytest

from strandrisk.io.atomic import TargetNotWritable
from strandrisk.io.failures import ImportFailure, describe_failure
from strandrisk.io.project.project_file import ProjectError

CLASS_NAMES = ("Error", "Exception", "Traceback", "errno", "Errno")


def _check_plain(text: str) -> None:
    assert "\n" not in text
    for word in CLASS_NAMES:
        assert word not in text, text


@pytest.mark.parametrize("exc, words", [
    (OSError(errno.ENOSPC, "No space left on device", "/x/Project.strandrisk"), "disk is full"),
    (PermissionError(errno.EACCES, "Permission denied", "/x/Project.strandrisk"), "read-only"),
    (PermissionError(errno.EPERM, "Operation not permitted"), "permission"),
    (OSError(errno.EROFS, "Read-only file system", "/x/a.json"), "drive is read-only"),
    (FileNotFoundError(errno.ENOENT, "No such file", "/no/such/folder/a.json"), f"folder {Path('/no/such/folder')} does not exist"),  # \no\such\folder on Windows
    (TargetNotWritable("Report.xlsx is open in another program (Excel?) or read-only"), "open in another program"),
    (ImportFailure("Book.xlsx: not a spreadsheet"), "Book.xlsx: not a spreadsheet"),
    (ProjectError("P.strandrisk: the project data is damaged"), "damaged"),
    (zlib.error("Error -3 while decompressing data: invalid stored block lengths"), "damaged"),
    (json.JSONDecodeError("Expecting value", "{", 1), "damaged"),
    (MemoryError(), "not enough memory"),
])
def test_known_failures_have_a_reason(exc, words):
    text = describe_failure(exc, "saving Project.strandrisk")
    assert text.startswith("Saving Project.strandrisk failed: ")
    assert words in text
    _check_plain(text)


def test_file_in_use_on_windows():
    exc = PermissionError(errno.EACCES, "The process cannot access the file", "C:/r/Report.xlsx")
    exc.winerror = 32
    assert "Report.xlsx is open in another program" in describe_failure(exc, "exporting the report")


def test_reason_found_through_the_chain():
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as exc:
        assert "disk is full" in describe_failure(exc, "exporting the report")


def test_unknown_failure_is_logged_and_never_named(caplog):
    try:
        {}["x"] + 1
    except Exception as exc:  # noqa: BLE001
        with caplog.at_level(logging.ERROR, logger="strandrisk"):
            text = describe_failure(exc, "exporting the report")
    assert text.startswith("Exporting the report failed because of an unexpected problem")
    assert "log" in text
    _check_plain(text)
    assert "KeyError" not in text
    assert any(r.exc_info and r.exc_info[0] is KeyError for r in caplog.records)


def test_a_higher_floor_marks_its_failures_as_worded_for_the_user():
    class WorkspaceLikeError(Exception):
        user_facing = True

    text = describe_failure(WorkspaceLikeError("Book.xlsx changed since the project was saved"), "re-reading the data")
    assert text == "Re-reading the data failed: Book.xlsx changed since the project was saved."


def test_cancelled():
    from strandrisk.core.results import RunCancelled

    assert describe_failure(RunCancelled(), "running the simulation") == "Running the simulation was cancelled."


def test_a_folder_that_cannot_be_written_is_named_not_the_temporary_file():
    exc = PermissionError(errno.EACCES, "Permission denied", "/shared/board/.~P-abcdef-12-0123abcd.strandrisk.tmp")
    text = describe_failure(TargetNotWritable("cannot write in /shared/board"), "saving P.strandrisk")
    assert "cannot write in /shared/board" in text
    text = describe_failure(exc, "saving P.strandrisk")
    assert f"the folder {os.path.normpath('/shared/board')} cannot be written" in text and ".~" not in text

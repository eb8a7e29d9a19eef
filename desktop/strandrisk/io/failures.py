"""What every reader and writer of files shares: its failures, progress and cancel callbacks, and the
one sentence the user reads when anything fails (``describe_failure``).

``load.py`` (the spreadsheets) and ``tac.py`` (NHS England's TAC workbooks) both use this module, so
neither imports the other to raise the same failure (``load`` calls ``tac``; ``tac`` never calls ``load``).
The app's dialogs and jobs and the command line all word their errors with ``describe_failure``.
"""

from __future__ import annotations

import errno
import json
import logging
import zipfile
import zlib
from pathlib import Path
from typing import Callable

ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]

log = logging.getLogger("strandrisk")


class ImportFailure(Exception):
    """A file that cannot be read at all (exit code 2). The message is one line for the user."""


class ImportCancelled(Exception):
    """The user cancelled the import."""


# Windows reports a file held open by another program (Excel) as these, under PermissionError.
_WINERROR_IN_USE = {32, 33}
_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), getattr(errno, "EFBIG", errno.ENOSPC)}
_NO_PERMISSION = {errno.EACCES, errno.EPERM}


def _user_facing_types() -> tuple[type, ...]:
    """Failures whose message was written for the user (imported late: these modules import this one).
    A class of a higher floor (the workspace's, the app's) says so with a class attribute ``user_facing = True``."""
    from ..core.scenario import ScenarioError
    from ..core.system import ModelInputError
    from .atomic import TargetNotWritable
    from .project.project_file import ProjectError
    from .report.workbook import ReportError
    from .spreadsheets.mapping import MappingError

    return (ImportFailure, TargetNotWritable, ProjectError, ReportError, MappingError, ScenarioError, ModelInputError)


def _chain(exc: BaseException):
    """The failure and the ones it was raised from or during, innermost last."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)


def _one_line(text: str) -> str:
    return " ".join(str(text).split()).rstrip(".")


def _name(filename) -> str:
    return Path(str(filename)).name if filename else ""


def _os_reason(exc: OSError) -> str | None:
    """A plain reason for an operating-system failure, or None when the error number says nothing known."""
    code = exc.errno
    name = _name(exc.filename)
    if getattr(exc, "winerror", None) in _WINERROR_IN_USE:
        return f"{name or 'the file'} is open in another program (Excel?): close it there and try again"
    if code in _DISK_FULL:
        return "the disk is full: free some space or choose another drive, then try again"
    if code == errno.EROFS:
        return "the drive is read-only: choose another folder"
    if code in _NO_PERMISSION:
        what = name or "the file or folder"
        return (f"{what} is read-only, open in another program, or you do not have permission to change it: "
                "close it or choose another folder")
    if code == errno.ENOENT:
        if exc.filename:
            folder = Path(str(exc.filename)).parent
            if str(folder) not in ("", ".") and not folder.is_dir():
                return f"the folder {folder} does not exist (was it moved or deleted?)"
        return f"{name or 'the file'} was not found (was it moved or deleted?)"
    if code == errno.ENOTDIR:
        return "part of the path is a file, not a folder: choose another folder"
    if code == errno.EISDIR:
        return f"{name or 'the target'} is a folder: choose a file name"
    if code == errno.ENAMETOOLONG:
        return "the file name or path is too long: choose a shorter name or folder"
    if code == errno.EIO:
        return "the disk reported a read or write error: check the drive, or choose another one"
    if code in (errno.ETIMEDOUT, getattr(errno, "EHOSTDOWN", -1), getattr(errno, "ENETUNREACH", -1)):
        return "the network drive did not answer: check the connection and try again"
    return None


_CANCELLED = "cancelled"


def _reason(exc: BaseException) -> str | None:
    chain = list(_chain(exc))
    user_types = _user_facing_types()
    from ..core.results import RunCancelled

    for e in chain:
        if isinstance(e, (ImportCancelled, RunCancelled, KeyboardInterrupt)):
            return _CANCELLED
    for e in chain:
        if isinstance(e, OSError) and not isinstance(e, user_types):
            reason = _os_reason(e)
            if reason:
                return reason
    for e in chain:
        if (isinstance(e, user_types) or getattr(type(e), "user_facing", False)) and str(e).strip():
            return _one_line(e)
    for e in chain:
        if isinstance(e, (zlib.error, zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError, EOFError)):
            return "the file is damaged and cannot be read (restore it from a backup, or re-import its spreadsheets)"
        if isinstance(e, MemoryError):
            return "there was not enough memory: close other programs, or use fewer simulations"
    return None


def describe_failure(exc: BaseException, doing: str) -> str:
    """One plain-English line for the user about a failure while ``doing`` ("saving Project.strandrisk").

    Never a traceback or an exception class name. A failure with no known reason is logged with its
    traceback, and the line says that the log has the details.
    """
    doing = _one_line(doing) or "working"
    head = doing[:1].upper() + doing[1:]
    reason = _reason(exc)
    if reason is _CANCELLED:
        return f"{head} was cancelled."
    if reason is not None:
        log.info("%s failed: %s", doing, reason)
        return f"{head} failed: {reason}."
    log.error("%s failed unexpectedly", doing, exc_info=(type(exc), exc, exc.__traceback__))
    return f"{head} failed because of an unexpected problem; the details are in the StrandRisk log ({_log_file()})."


def _log_file() -> str:
    from ..logs import log_dir

    return str(log_dir() / "strandrisk.log")

"""Atomic, durable file writes, and StrandRisk's own temporary files.

A save writes a temporary file beside the target (``.~NAME-<host>-<pid>-<random>.SUFFIX.tmp``), flushes it
to the disk (fsync), then moves it over the target in one step (os.replace) and flushes the folder, so
after a crash, a kill or a power cut the target is either the old file or the new one, never a mix. The
new file keeps the permissions of the one it replaces; a read-only file is never replaced. A failed save
removes its temporary file; one left by a killed process is swept by the next save into that folder.

Scratch files (openpyxl's write-only sheets and the like) go to a private folder per process,
``<system temp>/strandrisk-<pid>``, removed at exit and swept at the next start when that process is gone.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import secrets
import shutil
import platform
import stat
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

TEMP_PREFIX = ".~"
STALE_AFTER_S = 5 * 60  # a temp file of another machine (shared folder) this old is left over, not a save
PRIVATE_PREFIX = "strandrisk-"
_TEMP_NAME = re.compile(r"^\.~.*-(?P<host>[0-9a-f]{6})-(?P<pid>\d+)-[0-9a-f]{8}\..*tmp$")
_PRIVATE_NAME = re.compile(rf"^{PRIVATE_PREFIX}(?P<pid>\d+)$")
_WINDOWS = sys.platform == "win32"


class TargetNotWritable(OSError):
    """The target cannot be written (open in Excel, read-only, folder missing). Message is for the user."""


def _read_umask() -> int:
    """The process umask, read once at import (setting it to read it is not thread-safe later)."""
    current = os.umask(0o022)
    os.umask(current)
    return current


_UMASK = _read_umask()
_HOST = hashlib.sha256(platform.node().encode("utf-8", "replace")).hexdigest()[:6]


def pid_alive(pid: int) -> bool:
    """Whether a process with this id is running on this machine."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if _WINDOWS:
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        try:
            code = ctypes.c_ulong()
            return bool(kernel32.GetExitCodeProcess(handle, ctypes.byref(code))) and code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except OSError:
        return False
    return True


def is_read_only(path: Path) -> bool:
    """A file with no write permission for anyone (0444, Windows' read-only attribute), or not writable by us."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) or not os.access(path, os.W_OK)


def _stale(entry: Path, now: float) -> bool:
    match = _TEMP_NAME.match(entry.name)
    try:
        age = now - entry.stat().st_mtime
    except OSError:
        return False
    if match and match["host"] == _HOST:
        return not pid_alive(int(match["pid"]))
    return age > STALE_AFTER_S  # another machine's, or an older StrandRisk's name: only when clearly abandoned


def sweep_temp_files(folder: Path) -> int:
    """Remove StrandRisk's temporary save files left in ``folder`` by processes that are gone; returns how many."""
    removed = 0
    now = time.time()
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return 0
    for entry in entries:
        if not (entry.name.startswith(TEMP_PREFIX) and entry.name.endswith(".tmp")):
            continue
        if _stale(entry, now):
            try:
                entry.unlink()
                removed += 1
            except OSError:
                pass
    return removed


def _temp_name(target: Path) -> str:
    return f"{TEMP_PREFIX}{target.stem}-{_HOST}-{os.getpid()}-{secrets.token_hex(4)}{target.suffix}.tmp"


def _fsync_file(path: Path) -> None:
    flags = os.O_RDWR | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); Windows has no handle on a folder to flush."""
    if _WINDOWS:
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems (network shares) cannot flush a folder; the file itself is flushed
    finally:
        os.close(fd)


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~_UMASK


@contextmanager
def atomic_path(target: Path):
    """Yield a temporary path in the target's folder; once the caller has written it, it is flushed to disk
    and replaces the target in one step. On any failure the temporary file is removed and the target is
    left as it was."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise TargetNotWritable(f"the folder {folder} does not exist")
    if target.is_dir():
        raise TargetNotWritable(f"{target.name} is a folder: choose a file name")
    if target.exists() and is_read_only(target):
        raise TargetNotWritable(f"{target.name} is read-only: save under another name, or make it writable first")
    sweep_temp_files(folder)
    tmp_path = folder / _temp_name(target)
    try:
        fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    except OSError as exc:
        raise TargetNotWritable(f"cannot write in {folder}: {exc.strerror or exc}") from exc
    os.close(fd)
    try:
        yield tmp_path
        _fsync_file(tmp_path)
        if not _WINDOWS:
            os.chmod(tmp_path, _mode_for(target))
        try:
            os.replace(tmp_path, target)
        except PermissionError:
            raise TargetNotWritable(
                f"{target.name} is open in another program (Excel?) or read-only: close it and try again") from None
        _fsync_folder(folder)
    finally:
        if tmp_path.exists():
            try:
                tmp_path.unlink()
            except OSError:
                pass


def write_bytes_atomic(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()


# private scratch folder -----------------------------------------------------------------------------

_private: Path | None = None


def private_temp_dir() -> Path:
    """This process's own scratch folder (created on first use, removed at exit)."""
    global _private
    if _private is None or not _private.is_dir():
        first = _private is None
        base = Path(tempfile.gettempdir()) if first else _private.parent
        folder = base / f"{PRIVATE_PREFIX}{os.getpid()}"
        folder.mkdir(mode=0o700, exist_ok=True)
        _private = folder
        if first:
            atexit.register(_remove_private)
    return _private


def _remove_private() -> None:
    if _private is not None:
        shutil.rmtree(_private, ignore_errors=True)


def sweep_private_temp_dirs(base: Path | None = None) -> int:
    """Remove the scratch folders of StrandRisk processes that are gone (killed, crashed); returns how many."""
    base = Path(base or tempfile.gettempdir())
    removed = 0
    try:
        entries = list(base.iterdir())
    except OSError:
        return 0
    for entry in entries:
        match = _PRIVATE_NAME.match(entry.name)
        if match and entry.is_dir() and not entry.is_symlink() and not pid_alive(int(match["pid"])):
            shutil.rmtree(entry, ignore_errors=True)
            removed += not entry.exists()
    return removed


def use_private_temp_dir() -> Path:
    """Sweep the scratch folders of dead processes, then send this process's temporary files (openpyxl's
    write-only sheets among them) to its own folder. Called once at start by both the app and the CLI."""
    sweep_private_temp_dirs()
    folder = private_temp_dir()
    tempfile.tempdir = str(folder)
    return folder


def save_workbook(wb, path: Path) -> None:
    """Save an openpyxl workbook (as ``wb.save``) so that a failure (disk full) closes its zip at once: left
    to the garbage collector, it prints a traceback at exit and, on Windows, keeps the temporary file open."""
    import datetime as dt
    import zipfile

    from openpyxl.writer.excel import ExcelWriter

    if wb.write_only and not wb.worksheets:
        wb.create_sheet()
    with open(path, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        wb.properties.modified = dt.datetime.now(tz=dt.timezone.utc).replace(tzinfo=None)
        ExcelWriter(wb, archive).write_data()

"""Recovery files: the unsaved work of each open window, written every few minutes, offered back after a
crash.

Every window writes its own file in the user data folder's ``autosave`` folder, named after its
document and the process that owns it: ``Budget~3f2a9c1d07-8c1e20aa~4242.strandrisk`` (the project's
name, a key of its path and of the window, the process id), or ``Untitled~untitled-8c1e20aa~4242.strandrisk``
before the first save. The file is a project file with one more member, ``recovery.json``: the
project's path, the process, computer, time, and the fingerprint of the project file on disk when the
work began (so a recovered project still notices a file changed since).

Each running StrandRisk holds an operating-system lock on ``autosave/sessions/PID.lock`` for as long
as it runs; the lock is released by the system when the process ends in any way. A recovery file
whose process still holds its lock belongs to a live window and is never offered, moved or deleted by
another; only files of processes that are gone are offered at the next start. A recovery file that
cannot be read never stops the app: it is discarded or kept aside in the ``damaged`` folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import atomic_path
from .project_file import MEMBER, SUFFIX, Project, ProjectError, load_project, to_document

META = "recovery.json"
MAX_META_BYTES = 64 * 1024
_SESSIONS = "sessions"
_sessions: dict[str, object] = {}  # autosave folder -> the open, locked session file of this process


def autosave_dir() -> Path:
    from ...logs import user_data_dir

    return user_data_dir() / "autosave"


def damaged_dir() -> Path:
    """Where recovery files that cannot be read are kept aside, for support to look at."""
    from ...logs import user_data_dir

    return user_data_dir() / "damaged"


def document_key(project_path: Path | None, window_id: str) -> str:
    """A short key of the document in one window: a key of its path (resolved) and the window's id, or
    ``untitled-`` and the window's id before any save. Two windows never share a recovery file."""
    if project_path is None:
        return f"untitled-{window_id}"
    return hashlib.sha256(str(Path(project_path).resolve()).encode("utf-8")).hexdigest()[:10] + f"-{window_id}"


def _safe_name(title: str) -> str:
    name = re.sub(r"[^\w .()-]", "_", title).strip(" .") or "Untitled"
    return name[:60]


def autosave_path(title: str, key: str, pid: int | None = None) -> Path:
    """The recovery file of one document in one process."""
    return autosave_dir() / f"{_safe_name(title)}~{key}~{os.getpid() if pid is None else pid}{SUFFIX}"


def _owner_pid(path: Path) -> int | None:
    match = re.search(r"~(\d+)$", path.stem)
    return int(match.group(1)) if match else None


# ---------------------------------------------------------------------------------- sessions
def start_session() -> None:
    """Hold this process's session lock (from the first autosave, or the app's start, to its end)."""
    folder = autosave_dir() / _SESSIONS
    if str(folder) in _sessions:
        return
    folder.mkdir(parents=True, exist_ok=True)
    fh = open(folder / f"{os.getpid()}.lock", "a+b")  # noqa: SIM115 - held open for the process's life
    if not _try_lock(fh):
        fh.close()
        return  # a previous process with this id: its lock shows it alive until it ends
    _sessions[str(folder)] = fh


def end_session() -> None:
    """Give up this process's session locks and remove their files: at the end of a run that used a
    temporary data folder (the smoke test), which Windows cannot delete while the lock file is open.
    The app itself keeps its lock until the process ends."""
    while _sessions:
        folder, fh = _sessions.popitem()
        try:
            if sys.platform == "win32":
                import msvcrt

                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        except OSError:
            pass
        fh.close()
        try:
            (Path(folder) / f"{os.getpid()}.lock").unlink()
        except OSError:
            pass


def _try_lock(fh) -> bool:
    try:
        if sys.platform == "win32":
            import msvcrt

            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def session_alive(pid: int) -> bool:
    """Whether the process that wrote recovery files with this id is still running (holds its lock)."""
    if pid == os.getpid():
        return True
    lock = autosave_dir() / _SESSIONS / f"{pid}.lock"
    try:
        fh = open(lock, "r+b")  # noqa: SIM115
    except FileNotFoundError:
        return False
    except OSError:
        return True  # cannot tell: never treat a possibly live window as a crash
    try:
        if not _try_lock(fh):
            return True
    finally:
        fh.close()  # releases the lock taken just now
    try:
        lock.unlink()
    except OSError:
        pass
    return False


# ---------------------------------------------------------------------------------- writing
def write_autosave(project: Project, path: Path, *, project_path: Path | None, disk_sha256: str | None,
                   title: str) -> Path:
    """Write a window's recovery file (atomically) with who owns it and which project it belongs to."""
    start_session()
    meta = {
        "project_path": str(project_path) if project_path is not None else None,
        "title": title,
        "pid": os.getpid(),
        "host": _host(),
        "saved_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "disk_sha256": disk_sha256,
    }
    data = json.dumps(to_document(project), ensure_ascii=False, allow_nan=False).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(MEMBER, data)
            zf.writestr(META, json.dumps(meta))
    return path


def clear_autosave(path: Path | None) -> None:
    """Remove a window's own recovery file (after a save or a clean close)."""
    if path is None:
        return
    try:
        Path(path).unlink()
    except FileNotFoundError:
        pass


def _host() -> str:
    import platform

    return platform.node()


# ---------------------------------------------------------------------------------- after a crash
@dataclass
class Recovery:
    """A recovery file left by a process that is gone: readable (``project``) or damaged (``problem``)."""

    path: Path
    project_path: str | None = None
    title: str = "Untitled"
    saved_at: str = ""
    disk_sha256: str | None = None
    project: Project | None = field(default=None, repr=False)
    problem: str | None = None

    @property
    def damaged(self) -> bool:
        return self.project is None

    def describe(self) -> str:
        """'Budget (C:\\...\\Budget.strandrisk), last autosaved 02 Dec 2026 14:05'."""
        where = f" ({self.project_path})" if self.project_path else " (never saved)"
        try:
            when = dt.datetime.fromisoformat(self.saved_at).astimezone().strftime("%d %b %Y %H:%M")
        except (TypeError, ValueError):
            when = ""
        return f"{self.title}{where}" + (f", last autosaved {when}" if when else "")


def _read(path: Path) -> Recovery:
    rec = Recovery(path, title=path.stem.split("~")[0] or "Untitled")
    try:
        with zipfile.ZipFile(path) as zf:
            meta = {}
            if META in zf.namelist():  # a recovery file of an older StrandRisk has none
                info = zf.getinfo(META)
                if info.file_size > MAX_META_BYTES:
                    raise ProjectError("its details are too large")
                meta = json.loads(zf.read(info).decode("utf-8"))
        if not isinstance(meta, dict):
            raise ProjectError("its details are unreadable")
        rec.project_path = str(meta["project_path"]) if meta.get("project_path") else None
        rec.title = str(meta.get("title") or rec.title)
        rec.saved_at = str(meta.get("saved_at") or "")
        rec.disk_sha256 = str(meta["disk_sha256"]) if meta.get("disk_sha256") else None
        rec.project = load_project(path)
    except Exception as exc:  # noqa: BLE001 - any damage: the app starts and says so
        from ..failures import describe_failure

        rec.project = None
        rec.problem = describe_failure(exc, f"reading the recovery file of {rec.title}")
    return rec


def orphaned() -> list[Recovery]:
    """Recovery files of processes that are no longer running (oldest first); never raises."""
    try:
        files = sorted((p for p in autosave_dir().glob(f"*{SUFFIX}") if p.is_file()),
                       key=lambda p: p.stat().st_mtime)
    except OSError:
        return []
    found = []
    for path in files:
        pid = _owner_pid(path)
        if pid is not None and session_alive(pid):
            continue
        found.append(_read(path))
    return found


def adopt(rec: Recovery, title: str, key: str) -> Path:
    """Make a recovered file this process's own (renamed), so it stays safe until the next autosave."""
    start_session()
    target = autosave_path(title, key)
    os.replace(rec.path, target)
    return target


def set_aside(path: Path) -> Path:
    """Move a recovery file that cannot be read to the damaged folder (kept for support, never offered)."""
    folder = damaged_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = folder / f"{path.stem}-{stamp}-{secrets.token_hex(2)}{path.suffix}"
    os.replace(path, target)
    return target


def discard(path: Path) -> None:
    clear_autosave(path)

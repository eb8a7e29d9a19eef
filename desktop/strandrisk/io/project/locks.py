"""Lock files beside an open project, as office suites write them, so a second window or a colleague
knows the project is already open.

``Budget.strandrisk`` open in a window has ``.~lock.Budget.strandrisk#`` beside it: one line with who
holds it (user, computer, process id, since when). The lock is removed when the window closes. A lock
left by a process that is no longer running on this computer (a crash) is stale and taken over; a lock
held by a running StrandRisk here, or by anyone on another computer, is respected: the project opens
read-only. Where no lock can be written (a read-only folder) the project opens without one.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import platform
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..atomic import pid_alive

APP = "StrandRisk"
PREFIX = ".~lock."
MAX_LOCK_BYTES = 4096

# Locks this process holds: resolved project path -> token. A lock file naming this process but not in
# here was left by an earlier process that had the same id; one that is in here belongs to a window.
_held: dict[str, str] = {}


def lock_path(project: Path) -> Path:
    project = Path(project)
    return project.with_name(f"{PREFIX}{project.name}#")


def this_host() -> str:
    return platform.node() or "this computer"


def this_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name known: the lock still works without one
        return "someone"


@dataclass(frozen=True)
class LockOwner:
    """Who holds a project's lock, read from its lock file."""

    user: str
    host: str
    pid: int
    since: str  # ISO time, UTC
    token: str = ""

    @property
    def is_this_process(self) -> bool:
        return self.host == this_host() and self.pid == os.getpid()

    def describe(self) -> str:
        """'you (in another StrandRisk window)' or 'jsmith on PC-042 (since 09:14)'."""
        when = _local_time(self.since)
        since = f" since {when}" if when else ""
        if self.is_this_process:
            return f"you, in another StrandRisk window{since}"
        if self.host == this_host():
            who = "you" if self.user == this_user() else self.user
            return f"{who}, in another StrandRisk on this computer{since}"
        return f"{self.user} on {self.host}{since}"


def _local_time(iso: str) -> str:
    try:
        return dt.datetime.fromisoformat(iso).astimezone().strftime("%d %b %Y %H:%M")
    except (TypeError, ValueError):
        return ""


def _clean(text: str) -> str:
    return "".join(ch for ch in str(text) if ch not in ",;\r\n")


def read_owner(project: Path) -> LockOwner | None:
    """The holder named in the project's lock file; None when there is no lock file or it is unreadable."""
    try:
        raw = lock_path(project).read_bytes()[:MAX_LOCK_BYTES].decode("utf-8", "replace")
    except OSError:
        return None
    parts = raw.strip().rstrip(";").split(",")
    if len(parts) < 5 or parts[0] != APP:
        return None
    try:
        pid = int(parts[3])
    except ValueError:
        return None
    return LockOwner(parts[1], parts[2], pid, parts[4], parts[5] if len(parts) > 5 else "")


def is_stale(owner: LockOwner, project: Path) -> bool:
    """A lock whose holder is gone: a process on this computer that no longer runs, or this process when
    no window of it holds the lock (left by an earlier process with the same id)."""
    if owner.host != this_host():
        return False
    if owner.pid == os.getpid():
        return _held.get(_key(project)) != owner.token
    return not pid_alive(owner.pid)


def _key(project: Path) -> str:
    return str(Path(project).resolve())


@dataclass
class ProjectLock:
    """A lock this process holds on a project (``path`` None: the folder takes no lock file)."""

    project: Path
    path: Path | None
    token: str

    def release(self) -> None:
        """Remove the lock file, if it is still ours."""
        if self.path is None:
            return
        if _held.get(_key(self.project)) == self.token:
            del _held[_key(self.project)]
        owner = read_owner(self.project)
        if owner is not None and owner.token == self.token:
            try:
                self.path.unlink()
            except OSError:
                pass
        self.path = None


class ProjectLocked(Exception):
    """The project is open elsewhere; ``owner`` says by whom."""

    def __init__(self, project: Path, owner: LockOwner):
        super().__init__(f"{Path(project).name} is open by {owner.describe()}")
        self.project, self.owner = Path(project), owner


def acquire(project: Path) -> ProjectLock:
    """Lock the project for this window; raises ProjectLocked when a live holder has it."""
    project = Path(project)
    path = lock_path(project)
    token = secrets.token_hex(8)
    line = ",".join([APP, _clean(this_user()), _clean(this_host()), str(os.getpid()),
                     dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), token]) + ";\n"
    for _attempt in range(3):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            owner = read_owner(project)
            if owner is not None and not is_stale(owner, project):
                raise ProjectLocked(project, owner) from None
            try:
                path.unlink()  # stale or unreadable: taken over
            except FileNotFoundError:
                pass
            except OSError:
                break
            continue
        except OSError:
            break  # a folder that takes no lock file (read-only, missing): open without one
        try:
            try:
                os.write(fd, line.encode("utf-8"))
            finally:
                os.close(fd)
        except OSError:  # a full disk: no lock rather than an empty one nobody can read
            try:
                path.unlink()
            except OSError:
                pass
            break
        _held[_key(project)] = token
        return ProjectLock(project, path, token)
    return ProjectLock(project, None, token)

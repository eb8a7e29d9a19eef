"""Atomic file writes: write beside the target, then os.replace, so an existing file survives a failure."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


class TargetNotWritable(OSError):
    """The target cannot be written (open in Excel, read-only, folder missing). Message is for the user."""


@contextmanager
def atomic_path(target: Path):
    """Yield a temporary path in the target's folder; on success it replaces the target in one step."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise TargetNotWritable(f"the folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".~{target.stem}-", suffix=target.suffix + ".tmp", dir=folder)
    except OSError as exc:
        raise TargetNotWritable(f"cannot write in {folder}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        try:
            os.replace(tmp_path, target)
        except PermissionError:
            raise TargetNotWritable(
                f"{target.name} is open in another program (Excel?) or read-only: close it and try again") from None
    finally:
        if tmp_path.exists():
            try:
                tmp_path.unlink()
            except OSError:
                pass


def write_bytes_atomic(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)

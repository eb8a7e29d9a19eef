"""Logging to a file in the user's log folder: a windowed or frozen app has no console."""

from __future__ import annotations

import atexit
import logging
import logging.handlers
import os
import sys
from pathlib import Path


def user_data_dir() -> Path:
    """Per-user data folder: %LOCALAPPDATA%\\StrandRisk on Windows, ~/.local/share/strandrisk elsewhere."""
    override = os.environ.get("STRANDRISK_DATA_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "StrandRisk"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "StrandRisk"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "strandrisk"


def log_dir() -> Path:
    return user_data_dir() / "logs"


def configure_logging() -> Path | None:
    """Send warnings and errors (with tracebacks) to strandrisk.log; never fail the app over logging."""
    logger = logging.getLogger("strandrisk")
    if logger.handlers:
        return None
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "strandrisk.log"
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        logger.addHandler(logging.NullHandler())
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    atexit.register(close_logging)
    return path


def close_logging(folder: Path | None = None) -> None:
    """Close the log file (only if it lies under ``folder``, when given), so that Windows, which cannot
    delete an open file, can remove it or its folder: at exit, and when the smoke test removes its
    temporary user-data folder. The next configure_logging() opens it again."""
    logger = logging.getLogger("strandrisk")
    for handler in list(logger.handlers):
        name = getattr(handler, "baseFilename", None)
        if folder is not None and (name is None or not Path(name).resolve().is_relative_to(Path(folder).resolve())):
            continue
        logger.removeHandler(handler)
        handler.close()

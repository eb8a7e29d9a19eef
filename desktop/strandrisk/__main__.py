"""Entry points: `strandrisk` / `python -m strandrisk` and `strandrisk-gui` (windowed).

This module sits above both front ends: it starts the desktop app (no command, `gui`, `--smoke-test`)
or hands the command line to ``cli``, which never imports the ui floor.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

log = logging.getLogger("strandrisk")


def main(argv: list[str] | None = None) -> int:
    from .logs import configure_logging

    configure_logging()
    from .cli import build_parser
    from .cli import main as cli_main

    args = build_parser().parse_args(argv)
    tidy_temporary_files(sys.argv[1:] if argv is None else argv)
    if not (args.smoke_test or args.command in (None, "gui")):
        return cli_main(argv)
    try:
        warn_of_leaking_qt(dialog=not args.smoke_test)
        if args.smoke_test:
            from .ui.smoke import run_smoke_test

            return run_smoke_test()
        from .ui.app import run_app

        return run_app(getattr(args, "project", None) or None, sample=getattr(args, "sample", False))
    except ImportError as exc:
        print(f"strandrisk: error: the desktop app cannot start: {exc}. Reinstall StrandRisk, or on Linux "
              "install Qt's system libraries (libegl1 libgl1 libxkbcommon0 libfontconfig1).", file=sys.stderr)
        return 2


def tidy_temporary_files(argv) -> None:
    """Sweep what killed StrandRisk processes left (their scratch folders, and temporary save files in the
    folders of the files named on the command line), then keep this process's scratch files in its own folder."""
    from .io.atomic import sweep_temp_files, use_private_temp_dir

    try:
        use_private_temp_dir()
    except OSError as exc:
        log.warning("no private temporary folder (%s): using the system's", exc)
    folders = {Path(a).expanduser().resolve().parent for a in argv if a and not a.startswith("-")}
    for folder in folders:
        if folder.is_dir():
            sweep_temp_files(folder)


LEAK_PROBE_CALLS = 200


def leaking_qt_binding() -> str | None:
    """Measure whether this Qt binding loses references to None (PySide6 6.12.0 on Python 3.11 does, on every
    Qt call that returns nothing, and Python aborts once None is gone); a plain sentence when it does."""
    if sys.version_info >= (3, 12):
        return None  # None is immortal (PEP 683): its count cannot reach zero
    try:
        import PySide6
        from PySide6.QtCore import QObject
    except ImportError:
        return None
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(LEAK_PROBE_CALLS):
        probe.setObjectName("probe")
    lost = before - sys.getrefcount(None)
    if lost < LEAK_PROBE_CALLS // 2:
        return None
    return (f"This StrandRisk was installed with PySide6 {PySide6.__version__} on Python "
            f"{sys.version_info.major}.{sys.version_info.minor}, a combination that makes the app close without "
            "warning after some thousands of key presses. Save your work often, and reinstall StrandRisk with "
            "its pinned versions (see README.md) or with Python 3.12 or later.")


def warn_of_leaking_qt(dialog: bool = True) -> None:
    """Log and say it, on the terminal and in a dialog, when the Qt binding is one known to abort the app."""
    problem = leaking_qt_binding()
    if problem is None:
        return
    log.error("leaking Qt binding: %s", problem)
    print(f"strandrisk: warning: {problem}", file=sys.stderr)
    if not dialog:
        return
    try:
        from PySide6.QtWidgets import QMessageBox

        from .ui.app import create_application

        create_application()
        QMessageBox.warning(None, "StrandRisk", problem)
    except Exception:  # noqa: BLE001 - the warning is logged and printed already; the app still starts
        log.exception("could not show the Qt binding warning")


def gui_main() -> int:
    return main(["gui", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())

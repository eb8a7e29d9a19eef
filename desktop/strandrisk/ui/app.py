"""Starting the desktop app: the QApplication, the exception hook, first start and recovery."""

from __future__ import annotations

import logging
import sys
import traceback

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

log = logging.getLogger("strandrisk.ui")


def create_application(argv=None) -> QApplication:
    """The QApplication (reused if one exists), with logging and the unexpected-error dialog installed."""
    from ..logs import configure_logging

    app = QApplication.instance()
    if app is None:
        QApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setApplicationName("StrandRisk")
    app.setOrganizationName("StrandRisk")
    app.setApplicationDisplayName("StrandRisk")
    _set_icon(app)
    configure_logging()
    install_excepthook()
    return app


def _set_icon(app) -> None:
    from importlib.resources import files

    from PySide6.QtGui import QIcon

    icon = files("strandrisk.resources").joinpath("icons", "strandrisk.png")
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))


_open_dialogs: list = []  # unexpected-error dialogs, kept referenced until closed (else Qt deletes them at once)


def install_excepthook() -> None:
    """An unexpected exception is logged with its traceback and shown as a dialog, never a silent exit."""

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        if QApplication.instance() is not None:
            show_unexpected_error(exc)

    sys.excepthook = hook


def show_unexpected_error(exc: BaseException):
    """The "Unexpected error" dialog: one plain line (io.failures.describe_failure), over the active window,
    held until the user closes it. Returns the dialog."""
    from ..io.failures import describe_failure

    text = (f"{describe_failure(exc, 'The last action')}\n\nYour work is still open: save it (under a new "
            "name if unsure). Please send the log to your StrandRisk support contact (Help > Open log folder).")
    parent = QApplication.activeWindow() or next(
        (w for w in QApplication.topLevelWidgets() if w.isVisible() and w.inherits("QMainWindow")), None)
    box = QMessageBox(QMessageBox.Icon.Critical, "Unexpected error", text, QMessageBox.StandardButton.Ok, parent)
    _open_dialogs.append(box)
    box.finished.connect(lambda _code: _open_dialogs.remove(box) if box in _open_dialogs else None)
    box.open()
    return box


def run_app(project=None, sample: bool = False) -> int:
    """Start the app: open the project or spreadsheets given, or the sample (asked for, or on the very first
    start). Returns the exit code."""
    app = create_application()
    window = start_window(project, sample)  # noqa: F841 - the window lives while the event loop runs
    return int(app.exec())


def start_window(project=None, sample: bool = False, settings=None, offer_recovery=None):
    """The shown main window with the work recovered after a crash, the project or input spreadsheets given
    (a path or a list of paths), or the sample (asked for, or first start).

    ``offer_recovery(window, rec) -> str`` answers for each recovery file left by a process that is gone
    (io.project.recovery.Recovery): "recover", "discard" or "keep" (ask again next time); for a damaged one
    "discard" or "keep" (moved to the damaged folder). Default: asks the user. Nothing in a recovery file
    stops the app starting."""
    from .main_window import MainWindow

    window = MainWindow(settings)
    first_start = not window.settings.value("started_before", False, type=bool)
    window.show()
    recovered = recover_work(window, offer_recovery or _offer_recovery)
    if recovered:
        pass
    elif project and isinstance(project, (list, tuple)):
        window.open_paths(project)  # a project opens; spreadsheets are read as a new project's inputs
    elif project:
        window.open_project_asking(project)
    elif sample or first_start:
        window.open_sample(wait=False)
    window.settings.setValue("started_before", True)
    return window


def recover_work(window, offer) -> int:
    """Offer every recovery file of a session that ended without closing; the first recovered goes into
    ``window``, more into windows of their own (``window.recovered_windows``). Returns how many."""
    from ..io.project import recovery

    try:
        recovery.start_session()
    except OSError:
        log.warning("cannot hold the session lock in %s", recovery.autosave_dir(), exc_info=True)
    window.recovered_windows = []
    count = 0
    for rec in recovery.orphaned():
        try:
            answer = offer(window, rec)
            if rec.damaged:
                if answer == "discard":
                    recovery.discard(rec.path)
                else:
                    kept = recovery.set_aside(rec.path)
                    window.status(f"A damaged recovery file was kept aside in {kept.parent}.")
                continue
            if answer == "discard":
                recovery.discard(rec.path)
            elif answer == "recover":
                target = window if count == 0 else _new_window(window)
                count += target.recover_autosave(rec)
        except Exception as exc:  # noqa: BLE001 - nothing in a recovery file stops the app starting
            from .main_window import failure_message

            window.show_error("Recover unsaved work",
                              failure_message(exc, f"Handling the recovery file {rec.path.name}"))
    return count


def _new_window(window):
    from .main_window import MainWindow

    other = MainWindow(window.settings)
    window.recovered_windows.append(other)
    other.show()
    return other


def _offer_recovery(window, rec) -> str:
    if rec.damaged:
        return window.ask(
            "Recovery file damaged",
            f"StrandRisk did not close normally last time, and the unsaved work it kept of {rec.title} cannot be "
            f"read.\n\n{rec.problem}\n\nYour saved projects are not affected. Keep the damaged recovery file "
            "aside (in the 'damaged' folder of StrandRisk's data folder, for your support contact) or discard it?",
            [("keep", "Keep it aside"), ("discard", "Discard it")], "keep", warn=True)
    return window.ask(
        "Recover unsaved work",
        f"StrandRisk did not close normally last time. Unsaved work was kept for recovery:\n\n{rec.describe()}"
        "\n\nRecover it?",
        [("recover", "Recover"), ("discard", "Discard it"), ("keep", "Ask me next time")], "recover")

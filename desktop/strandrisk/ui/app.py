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


def install_excepthook() -> None:
    """An unexpected exception is logged with its traceback and shown as a dialog, never a silent exit."""

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        from ..logs import log_dir

        app = QApplication.instance()
        if app is not None:
            box = QMessageBox(QMessageBox.Icon.Critical, "Unexpected error",
                              f"Something went wrong that StrandRisk did not expect: {exc_type.__name__}: {exc}\n\n"
                              f"Your work is still open: save it under a new name. The details are in the log "
                              f"folder {log_dir()}; please send the log to your StrandRisk support contact.")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    sys.excepthook = hook


def run_app(project=None, sample: bool = False) -> int:
    """Start the app: open the project or spreadsheets given, or the sample (asked for, or on the very first
    start). Returns the exit code."""
    app = create_application()
    window = start_window(project, sample)
    return int(app.exec())


def start_window(project=None, sample: bool = False, settings=None, offer_recovery=None):
    """The shown main window with the recovered work, the project or input spreadsheets given (a path or a
    list of paths), or the sample (asked for, or first start)."""
    from ..io.project.project_file import ProjectError, autosave_path
    from .main_window import MainWindow

    window = MainWindow(settings)
    first_start = not window.settings.value("started_before", False, type=bool)
    window.show()
    offer = offer_recovery or _offer_recovery
    if autosave_path().exists() and offer(window):
        pass
    elif project and isinstance(project, (list, tuple)):
        window.open_paths(project)  # a project opens; spreadsheets are read as a new project's inputs
    elif project:
        try:
            window.open_project(project)
        except ProjectError as exc:
            window.show_error("Open project", f"{exc}.")
    elif sample or first_start:
        window.open_sample(wait=False)
    window.settings.setValue("started_before", True)
    return window


def _offer_recovery(window) -> bool:
    answer = QMessageBox.question(
        window, "Recover unsaved work",
        "StrandRisk did not close normally last time. Recover the work that was not saved?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
    if answer == QMessageBox.StandardButton.Yes:
        return window.recover_autosave()
    from ..io.project.project_file import clear_autosave

    clear_autosave()
    return False

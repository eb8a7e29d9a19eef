"""The StrandRisk main window: a view and controller of one ``workspace.Workspace``.

The workspace holds the project (inputs, mapping, scenarios, results, undo, unsaved changes) and its
operations; the window builds the panes, menus and dialogs, runs the workspace's long tasks on a
background job with progress and Cancel, and redraws the panes when the workspace says it changed.
"""

from __future__ import annotations

import gc
import logging
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QMainWindow, QMessageBox, QProgressBar,
                               QPushButton, QStackedWidget, QVBoxLayout, QWidget)

from .. import __version__
from ..core.wording import counted
from ..io.failures import describe_failure
from ..workspace import DATA, RESULTS, SCENARIOS, STATE, Workspace, WorkspaceError
from . import file_actions
from .assumptions_pane import AssumptionsPane
from .data_pane import DataPane
from .menus import build_menus
from .report_pane import ReportPane
from .results_pane import ComparePane, ResultsPane
from .uncertainty_pane import UncertaintyPane
from .workers import JobFailed, JobRunner

log = logging.getLogger("strandrisk.ui")

PANES = ("Data", "Assumptions", "Results", "Compare", "Uncertainty", "Report")
AUTOSAVE_MS = 3 * 60 * 1000

__all__ = ["JobFailed", "MainWindow", "PANES", "app_settings"]


def app_settings() -> QSettings:
    """Preferences in an ini file under the user data folder (tests get a temporary one)."""
    from ..logs import user_data_dir

    folder = user_data_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    return QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)


class MainWindow(file_actions.FileActions, QMainWindow):
    """The main window.

    Public API (used by ui.smoke and the tests; keep these names):

    - ``MainWindow(settings=None, workspace=None)``: ``settings`` is a QSettings (default: an ini file in the
      user data folder); ``workspace`` the project to show (default: a new, empty one).
    - ``workspace``: the Qt-free project state; ``result``: its current core.results.RunResult.
    - ``open_sample()``, ``import_files(paths, wait=False)``, ``run_simulation(simulations=None, wait=False)``,
      ``export_report(path, wait=False)``, ``save_project(path)`` / ``open_project(path)``.
    - ``busy``: a job is running; ``cancel_job(wait=False)``.

    With ``wait=True`` the call spins the event loop until the background job is done and raises
    ``JobFailed`` with the user's message on failure or cancellation.
    """

    def __init__(self, settings: QSettings | None = None, workspace: Workspace | None = None):
        super().__init__()
        self.settings = settings if settings is not None else app_settings()
        self.workspace = workspace if workspace is not None else Workspace()
        self.last_error: str | None = None
        self.shown_messages: list[tuple[str, str]] = []  # (title, text) of every message shown, newest last
        self._autosave_problem: str | None = None  # the autosave failure shown, until an autosave works again
        self.jobs = JobRunner(self, self._job_state, self._job_progress, self.show_error, failure_message)
        self.setAcceptDrops(True)
        self.setMinimumSize(900, 600)
        self._build()
        self._rerun_timer = QTimer(self)
        self._rerun_timer.setSingleShot(True)
        self._rerun_timer.setInterval(150)
        self._rerun_timer.timeout.connect(self.rerun_now)
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setInterval(AUTOSAVE_MS)
        self._autosave_timer.timeout.connect(self.autosave_now)
        self._autosave_timer.start()
        self.workspace.subscribe(self._workspace_changed)
        self._restore_layout()
        self._update_title()
        self.refresh_all()
        _freeze_long_lived_objects()

    # ---------------------------------------------------------------------------------- building
    def _build(self):
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(6, 6, 6, 0)
        self.banner = QLabel("<b>Sample data</b> - a fictional system of seven providers, for trying the app. "
                             "Add your own spreadsheets on the Data page (or drop them here) to model your system.")
        self.banner.setObjectName("sampleBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("QLabel#sampleBanner { background: #fff3c4; border: 1px solid #e0c060; "
                                  "padding: 6px; color: #4a3b00; }")
        self.banner.setVisible(False)
        outer.addWidget(self.banner)
        self.read_only_banner = QLabel("")
        self.read_only_banner.setObjectName("readOnlyBanner")
        self.read_only_banner.setWordWrap(True)
        self.read_only_banner.setStyleSheet("QLabel#readOnlyBanner { background: #e3ecfa; border: 1px solid #8aa8d8; "
                                            "padding: 6px; color: #123a6b; }")
        self.read_only_banner.setVisible(False)
        outer.addWidget(self.read_only_banner)
        self.problem_banner = QLabel("")
        self.problem_banner.setWordWrap(True)
        self.problem_banner.setStyleSheet("background: #fde2e2; border: 1px solid #d08080; padding: 6px;")
        self.problem_banner.setVisible(False)
        outer.addWidget(self.problem_banner)
        body = QHBoxLayout()
        self.nav = QListWidget()
        self.nav.addItems([f"{i + 1}  {name}" for i, name in enumerate(PANES)])
        self.nav.setFixedWidth(150)
        self.nav.setStyleSheet("QListWidget { font-size: 11pt; } QListWidget::item { padding: 8px; }")
        self.stack = QStackedWidget()
        self.data_pane = DataPane(self)
        self.assumptions_pane = AssumptionsPane(self)
        self.results_pane = ResultsPane(self)
        self.compare_pane = ComparePane(self)
        self.uncertainty_pane = UncertaintyPane(self)
        self.report_pane = ReportPane(self)
        self.panes = dict(zip(PANES, (self.data_pane, self.assumptions_pane, self.results_pane,
                                      self.compare_pane, self.uncertainty_pane, self.report_pane)))
        for pane in self.panes.values():
            self.stack.addWidget(pane)
        self.nav.currentRowChanged.connect(self._nav_changed)
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        outer.addLayout(body, 1)
        self.setCentralWidget(central)

        self.status_label = QLabel("")
        self.status_progress = QProgressBar()
        self.status_progress.setMaximumWidth(220)
        self.status_progress.setRange(0, 1000)
        self.status_progress.setVisible(False)
        self.status_cancel = QPushButton("Cancel")
        self.status_cancel.setVisible(False)
        self.status_cancel.clicked.connect(self.cancel_job)
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.status_progress)
        self.statusBar().addPermanentWidget(self.status_cancel)
        self.actions_ = build_menus(self, PANES)
        self._update_undo_actions()
        self.nav.setCurrentRow(0)

    # ---------------------------------------------------------------------------------- navigation
    def show_pane(self, name: str):
        self.nav.setCurrentRow(PANES.index(name))

    def _nav_changed(self, row: int):
        self.stack.setCurrentIndex(row)
        self.panes[PANES[row]].refresh()

    def current_pane(self) -> str:
        return PANES[self.stack.currentIndex()]

    def refresh_all(self):
        for pane in self.panes.values():
            pane.refresh()

    # ---------------------------------------------------------------------------------- workspace events
    @property
    def result(self):
        return self.workspace.result

    @property
    def busy(self) -> bool:
        return self.jobs.busy

    def _workspace_changed(self, event: str):
        if event == DATA:
            self.data_pane.refresh()
            self._update_title()
            self.rerun_now()
            _freeze_long_lived_objects()
        elif event == SCENARIOS:
            self.assumptions_pane.refresh()
            self.schedule_rerun()
        elif event == RESULTS:
            self.uncertainty_pane.refresh()
            self.report_pane.refresh()
        elif event == STATE:
            self._update_title()
            self._update_undo_actions()

    def _update_title(self):
        read_only = " (read-only)" if self.workspace.read_only else ""
        self.setWindowTitle(f"StrandRisk - {self.workspace.project_name}{read_only}[*]")
        self.setWindowModified(self.workspace.dirty)
        self.banner.setVisible(self.workspace.is_sample)
        if self.workspace.read_only:
            self.read_only_banner.setText(
                f"<b>Read-only</b> - {self.workspace.project_name} is open elsewhere (another StrandRisk window, or "
                "a colleague), so it cannot be saved here. Use <b>Save project as...</b> to keep your changes "
                "under another name.")
        self.read_only_banner.setVisible(self.workspace.read_only)

    def _update_undo_actions(self):
        stack = self.workspace.commands
        for key, possible, text in (("undo", stack.can_undo, stack.undo_text), ("redo", stack.can_redo, stack.redo_text)):
            self.actions_[key].setEnabled(possible)
            self.actions_[key].setText(f"&{key.title()} {text}".rstrip())

    def undo(self):
        self.workspace.commands.undo()

    def redo(self):
        self.workspace.commands.redo()

    def status(self, text: str):
        self.status_label.setText(text)

    def schedule_rerun(self):
        self._rerun_timer.start()

    def rerun_now(self):
        """Show the results of the current scenario (recomputed by the workspace after any change)."""
        self._rerun_timer.stop()
        ws = self.workspace
        result, reason, errors = ws.result, ws.run_problem, ws.error_count
        if ws.inputs is not None and reason:
            self.problem_banner.setText(f"<b>The model cannot run:</b> {reason}. Fix the data on the Data page "
                                        "or the value on the Assumptions page.")
        elif ws.inputs is not None and errors:
            self.problem_banner.setText(
                f"<b>Provisional results:</b> the data has {counted(errors, 'error')}, and the "
                "values in error are left out of the model. Fix them (see the Problems list on the Data page) "
                "before relying on these figures.")
        self.problem_banner.setVisible(ws.inputs is not None and bool(reason or errors))
        if result is not None:
            self.status(f"Results updated for scenario '{ws.current_scenario}': "
                        f"{counted(result.system.n_providers, 'provider')}, {result.years[0]} to {result.years[-1]}.")
        for name in ("Results", "Compare", "Uncertainty", "Report"):
            self.panes[name].refresh()

    # ---------------------------------------------------------------------------------- jobs
    def run_task(self, task, on_done=None, wait: bool = False):
        """Run a workspace Task on a background job; ``on_done(value)`` on the GUI thread afterwards."""
        return self.jobs.start(task, on_done or (lambda _value: None), wait)

    def _job_state(self, running: bool, kind: str, text: str):
        self.status_progress.setVisible(running)
        self.status_cancel.setVisible(running)
        self.status_progress.setValue(0)
        self.actions_["run"].setEnabled(not running)
        self.actions_["export"].setEnabled(not running)
        if kind == "simulation":
            self.uncertainty_pane.set_running(running)
        if kind == "report":
            self.report_pane.set_running(running)
        if running:
            self.status(text + "...")
        elif text:
            self.status(text)
        self.last_error = self.jobs.last_error

    def _job_progress(self, kind: str, fraction: float, message: str):
        if fraction >= 0:
            self.status_progress.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        if message:
            self.status(message)
        if kind == "simulation" and fraction >= 0:
            self.uncertainty_pane.show_progress(fraction, message)
        elif kind == "report" and fraction >= 0:
            self.report_pane.show_progress(fraction, message)

    def cancel_job(self, wait: bool = False):
        self.jobs.cancel(wait)

    def _workspace_call(self, title: str, fn, wait: bool):
        """Call a workspace operation; its WorkspaceError becomes a dialog, or JobFailed when the caller waits."""
        try:
            return fn()
        except WorkspaceError as exc:
            if wait:
                raise JobFailed(str(exc)) from None
            self.show_error(title, failure_message(exc, title))
            return None

    # ---------------------------------------------------------------------------------- data
    def open_sample(self, wait: bool = True):
        """Load the built-in fictional sample system (shows the "sample data" banner)."""
        if self.busy:
            self.cancel_job(wait=True)
        return self.run_task(self.workspace.sample_task(), lambda _imported: self.show_pane("Results"), wait)

    def import_files(self, paths, wait: bool = False, tac_selection=None):
        """Add spreadsheets to the project (re-reading the files already in it); a .strandrisk path opens it.

        A TAC accounts file asks whether to screen every trust (the England page) or which trusts to read
        (interactive calls only; ``tac_selection``, an io.tac.TacSelection or file_actions.ScreenEngland,
        answers it in advance)."""
        paths = [Path(p) for p in paths]
        projects = [p for p in paths if p.suffix.lower() == file_actions.PROJECT_SUFFIX]
        sheets = [p for p in paths if p.suffix.lower() != file_actions.PROJECT_SUFFIX]
        if projects:
            if wait:
                self.open_project(projects[0])
            elif not self.open_project_asking(projects[0]):
                return None
        if not sheets:
            return None
        if tac_selection is None and not wait:
            tac_selection = self._ask_tac_trusts(sheets)
            if tac_selection is False:
                return None
        if isinstance(tac_selection, file_actions.ScreenEngland):  # the England page instead of an import
            return self._screen_tac_files(tac_selection, sheets, wait)
        return self._import(self.workspace.import_task(sheets, tac_selection), wait)

    def screen_england_dialog(self):
        paths = self._ask_open_paths("Screen England: NHS England's TAC data files (both sectors of a year)",
                                     "Spreadsheets (*.xlsx *.xlsm *.xls);;All files (*)")
        if paths:
            self.screen_england(paths)

    def screen_england(self, paths, wait: bool = False):
        """Read TAC files on a background job and open the England page (ui/england_pane.py)."""
        from ..workspace import england

        def done(value):
            from .england_pane import EnglandWindow

            screen, result = value
            self.england = EnglandWindow(screen, result, scenario, self.open_trust, self)
            self.england.show()

        scenario = england.screen_scenario(self.workspace)
        return self.run_task(england.screen_task(paths, scenario), done, wait)

    def open_trust(self, code: str):
        """The England page's "Open this trust": a new project with the trust's derived inputs."""
        from ..workspace import england

        if not self._confirm_discard():
            return
        self._workspace_call("Open this trust", lambda: england.open_trust(self.workspace, self.england.result, code),
                             False)
        self.show_pane("Data")

    def _import(self, task, wait: bool = False):
        def done(imported):
            # The imported rows live as long as the project: keep them out of the cyclic garbage
            # collector's full passes, which otherwise pause the window ~100 ms on a large file.
            gc.freeze()
            self.show_pane("Data")
            errors = self.workspace.error_count
            if errors:
                self.status(f"{counted(errors, 'error')} in the data {'needs' if errors == 1 else 'need'} fixing: "
                            "see the Problems list on the Data page.")

        return self.run_task(task, done, wait)

    def change_mapping(self, file: str, sheet: str, kind, source: str | None, target):
        """The user changed a sheet's kind or a column's mapping on the Data page: re-read with it."""
        task = self._workspace_call("Mapping saved", lambda: self.workspace.change_mapping(file, sheet, kind, source,
                                                                                           target), False)
        if task is not None:
            self._import(task)

    def confirm_mapping(self, file: str, sheet: str, source: str):
        """The user confirmed how a column was read (Confirm on the Data page): re-read with their choice."""
        task = self._workspace_call("Mapping saved", lambda: self.workspace.confirm_mapping(file, sheet, source),
                                    False)
        if task is not None:
            self._import(task)

    def change_value_mapping(self, column: str, value: str, target):
        """The user said what a value means on the Data page (None forgets it): re-read with it."""
        task = self._workspace_call("Mapping saved", lambda: self.workspace.change_value_mapping(column, value,
                                                                                                 target), False)
        if task is not None:
            self._import(task)

    def describe_row(self, file: str, sheet: str, cell: str) -> str:
        return self.workspace.describe_row(file, sheet, cell)

    # ---------------------------------------------------------------------------------- simulation, report
    def _results_ready(self):
        if self._rerun_timer.isActive():
            self.rerun_now()

    def run_simulation(self, simulations: int | None = None, wait: bool = False):
        """Monte Carlo of the current scenario plus the tornado, off the GUI thread."""
        self._results_ready()
        if simulations is None and self.workspace.result is not None:
            simulations = self.uncertainty_pane.simulations.value()
        task = self._workspace_call("Nothing to simulate", lambda: self.workspace.simulation_task(simulations), wait)
        if task is None:
            return None
        self.uncertainty_pane.simulations.setValue(max(self.uncertainty_pane.simulations.minimum(),
                                                       int(simulations or 0)))

        def done(attached: bool):
            if attached:
                self.status(f"Simulation finished: {counted(int(simulations), 'draw')}.")
            else:
                self.status("The assumptions changed during the simulation: run it again for the new values.")

        self.show_pane("Uncertainty")
        return self.run_task(task, done, wait)

    def export_report(self, path, wait: bool = False):
        """Write the Excel report of the current result off the GUI thread."""
        self._results_ready()
        task = self._workspace_call("Export report", lambda: self.workspace.report_task(path), wait)
        if task is None:
            return None

        def done(written):
            self.report_pane.last.setText(f"Last report: {written}")
            self.status(f"Report written: {written}")
            if not wait and self.report_pane.open_after.isChecked():
                box = QMessageBox(QMessageBox.Icon.Information, "Report written",
                                  f"The report was written to\n{written}\n\nOpen it now?",
                                  QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Close, self)
                box.finished.connect(lambda code: QDesktopServices.openUrl(QUrl.fromLocalFile(str(written)))
                                     if code == QMessageBox.StandardButton.Open else None)
                box.open()

        return self.run_task(task, done, wait)

    def export_json(self, path):
        """Write the machine-readable results (the same document as `strandrisk run --json`); any failure
        (full disk, read-only folder) is a dialog."""
        self._results_ready()
        try:
            written = self.workspace.export_json(path)
        except Exception as exc:  # noqa: BLE001 - every failure reaches the user in words
            message = failure_message(exc, f"Writing {Path(path).name}")
            self.status(message)
            self.show_error("Export results", message)
            return None
        self.status(f"Results written: {written}")
        return written

    # ---------------------------------------------------------------------------------- projects
    def save_project(self, path, overwrite_changed: bool = False):
        """Save the project atomically; raises the workspace's ChangedOnDisk / ReadOnlyProject / ProjectInUse,
        or io's ProjectError / TargetNotWritable / OSError, each with a user message."""
        path = self.workspace.save(path, overwrite_changed)
        self._add_recent(path)
        self.status(f"Saved {path}")
        return path

    def open_project(self, path, read_only_if_locked: bool = False):
        """Open a .strandrisk project; raises io.project.ProjectError (or any reading failure), or
        workspace.ProjectInUse when it is open elsewhere and not ``read_only_if_locked``."""
        if self.busy:
            self.cancel_job(wait=True)
        self.workspace.open(path, "read_only" if read_only_if_locked else "take")
        self._add_recent(self.workspace.project_path)
        self.status(f"Opened {path} read-only: it is open elsewhere." if self.workspace.read_only
                    else f"Opened {path}")
        self.show_pane("Results" if self.workspace.has_data else "Data")

    def autosave_now(self):
        """Write this window's recovery file when there are unsaved changes (every few minutes). A failure
        is shown at once: in the status bar, and in one dialog until an autosave works again."""
        try:
            written = self.workspace.autosave()
        except Exception as exc:  # noqa: BLE001 - autosave must never interrupt work, but it must be seen
            message = failure_message(exc, "Autosaving your unsaved work")
            log.warning("%s", message)
            self.status(message)
            if self._autosave_problem is None:
                self.show_error("Autosave failed", f"{message} Save the project now to keep your changes.")
            self._autosave_problem = message
            return None
        if written is not None and self._autosave_problem is not None:
            self._autosave_problem = None
            self.status("Autosave works again.")
        return written

    def recover_autosave(self, rec) -> bool:
        """Take up a recovery file (io.project.recovery.Recovery) left by a session that ended without
        closing."""
        try:
            self.workspace.recover(rec)
        except Exception as exc:  # noqa: BLE001 - a recovery that fails says so; the file stays for later
            self.show_error("Recover unsaved work", failure_message(exc, f"Recovering {rec.title}"))
            return False
        self.show_pane("Results" if self.workspace.has_data else "Data")
        read_only = " It is open elsewhere, so it is read-only here: use Save As." if self.workspace.read_only else ""
        self.status(f"Recovered the unsaved work of {rec.title}: save it to keep it.{read_only}")
        return True

    # ---------------------------------------------------------------------------------- dialogs, help
    def show_error(self, title: str, message: str):
        """A non-blocking dialog saying what happened and what to do (owned by the window, so it stays)."""
        self.last_error = message
        self.shown_messages.append((title, message))
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def ask(self, title: str, text: str, choices: list[tuple[str, str]], default: str, warn: bool = False) -> str:
        """A question with named answers (``choices``: (key, button text), the first is the accepting
        one, the last the escape); ``warn`` when something is wrong. Returns the key chosen."""
        self.shown_messages.append((title, text))
        icon = QMessageBox.Icon.Warning if warn else QMessageBox.Icon.Question
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, self)
        buttons = {}
        for i, (key, label) in enumerate(choices):
            role = (QMessageBox.ButtonRole.AcceptRole if i == 0 else QMessageBox.ButtonRole.RejectRole
                    if i == len(choices) - 1 else QMessageBox.ButtonRole.DestructiveRole)
            buttons[key] = box.addButton(label, role)
        box.setDefaultButton(buttons[default])
        box.setEscapeButton(buttons[choices[-1][0]])
        box.exec()
        clicked = box.clickedButton()
        box.deleteLater()
        return next((key for key, button in buttons.items() if button is clicked), choices[-1][0])

    def show_help(self, page: str = "index.md"):
        from .help_viewer import HelpViewer

        viewer = HelpViewer(self, page)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.show()
        return viewer

    def open_log_folder(self):
        from ..logs import log_dir

        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def about(self):
        QMessageBox.about(self, "About StrandRisk",
                          f"<b>StrandRisk {__version__}</b><br>Stranded-cost risk of acute-only and integrated "
                          "providers, for NHS finance teams. Works offline; nothing leaves this computer.")

    # ---------------------------------------------------------------------------------- window state
    def _restore_layout(self):
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 720)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        pane = self.settings.value("window/pane")
        if pane in PANES:
            self.show_pane(pane)

    def save_layout(self):
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/pane", self.current_pane())
        self.settings.setValue("started_before", True)
        self.settings.sync()

    def closeEvent(self, event):
        if not self._confirm_discard():
            event.ignore()
            return
        if self.busy:
            self.cancel_job(wait=True)
        self.save_layout()
        self.workspace.close()
        event.accept()


def _freeze_long_lived_objects():
    """Move what exists now (widgets, chart machinery, the loaded data) out of the cyclic garbage
    collector's full passes: a full pass over them pauses the window 100-150 ms at random moments.
    Objects are still freed by reference counting when dropped."""
    gc.collect(1)
    gc.freeze()


def failure_message(exc: BaseException, doing: str) -> str:
    """The one line the user reads about a failure: a workspace refusal as it is worded, anything else
    through io.failures.describe_failure (which logs what it does not know)."""
    if isinstance(exc, (WorkspaceError, JobFailed)):
        text = str(exc).strip()
        return text if text.endswith((".", "?", "!")) else text + "."
    return describe_failure(exc, doing)

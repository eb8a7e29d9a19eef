"""The StrandRisk main window: workflow panes, menus, projects, background jobs, undo."""

from __future__ import annotations

import copy
import gc
import logging
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QListWidget, QMainWindow, QMessageBox,
                               QProgressBar, QPushButton, QStackedWidget, QVBoxLayout, QWidget)

from .. import __version__
from ..core import schema
from ..core.scenario import Scenario, ScenarioError
from .assumptions_pane import AssumptionsPane
from .data_pane import DataPane
from .report_pane import ReportPane
from .results_pane import ComparePane, ResultsPane
from .uncertainty_pane import UncertaintyPane
from .workers import Job, wait_for

log = logging.getLogger("strandrisk.ui")

PANES = ("Data", "Assumptions", "Results", "Compare", "Uncertainty", "Report")
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
PROJECT_SUFFIX = ".strandrisk"
AUTOSAVE_MS = 3 * 60 * 1000
MAX_RECENT = 8


def app_settings() -> QSettings:
    """Preferences in an ini file under the user data folder (tests get a temporary one)."""
    from ..logs import user_data_dir

    folder = user_data_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    return QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)


class JobFailed(Exception):
    """A background job failed; raised by the ``wait=True`` API calls. The message is for the user."""


class _SnapshotCommand(QUndoCommand):
    """Undoable change of the named scenarios: the whole before/after state (small dicts)."""

    def __init__(self, window, before, after, text):
        super().__init__(text)
        self.window, self.before, self.after = window, before, after

    def redo(self):
        self.window._set_state(self.after)

    def undo(self):
        self.window._set_state(self.before)


class MainWindow(QMainWindow):
    """The main window.

    Public API (used by ui.smoke and the tests; keep these names):

    - ``MainWindow(settings=None)``: ``settings`` is a QSettings; default: an ini file in the user data folder.
    - ``open_sample()``: load the built-in fictional sample (shows the "sample data" banner).
    - ``import_files(paths, wait=False)``: add spreadsheets (and/or open a ``.strandrisk`` project).
    - ``run_simulation(simulations=None, wait=False)``: Monte Carlo + tornado of the current scenario.
    - ``export_report(path, wait=False)``: write the Excel report of the current result.
    - ``save_project(path)`` / ``open_project(path)``: the ``.strandrisk`` project file.
    - ``result``: the current core.results.RunResult (None before any data); ``busy``: a job is running.

    With ``wait=True`` the call spins the event loop until the background job is done and raises
    ``JobFailed`` (or the job's own exception type's message) on failure or cancellation.
    """

    def __init__(self, settings: QSettings | None = None):
        super().__init__()
        self.settings = settings if settings is not None else app_settings()
        self.inputs = None
        self.imported = None
        self.source_paths: list[str] = []
        self.mapping: dict | None = None
        self.tac_selection = None  # io.tac.TacSelection chosen when a TAC accounts file was added
        self.scenarios: dict[str, dict] = {"Base case": {"name": "Base case"}}
        self.current_scenario = "Base case"
        self.result = None
        self.project_path: Path | None = None
        self.is_sample = False
        self.data_dirty = False
        self.last_error: str | None = None
        self._job: Job | None = None
        self._job_kind = ""
        self._revision = 0
        self._results_cache: dict[str, object] = {}
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)

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
        self._build_actions()
        self.nav.setCurrentRow(0)

    def _action(self, text, slot, shortcut=None, tip=""):
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if tip:
            act.setStatusTip(tip)
            act.setToolTip(tip)
        act.triggered.connect(lambda _checked=False: slot())
        return act

    def _build_actions(self):
        S = QKeySequence.StandardKey
        a = self.actions_ = {}
        a["new"] = self._action("&New project", self.new_project, S.New, "Start an empty project")
        a["open"] = self._action("&Open project or files...", self.open_dialog, S.Open,
                                 "Open a .strandrisk project or add spreadsheets")
        a["sample"] = self._action("Open &sample", lambda: self.open_sample(wait=False), None,
                                   "Load the built-in fictional sample")
        a["add"] = self._action("&Add data files...", self.add_files_dialog, None, "Add spreadsheets")
        a["save"] = self._action("&Save project", self.save, S.Save, "Save the project")
        a["save_as"] = self._action("Save project &as...", self.save_as, QKeySequence("Ctrl+Shift+S"))
        a["export"] = self._action("&Export report...", self.export_report_dialog, QKeySequence("Ctrl+E"),
                                   "Write the Excel report")
        a["template"] = self._action("Save input &template...", self.save_template_dialog)
        a["quit"] = self._action("&Quit", self.close, QKeySequence("Ctrl+Q"))
        a["undo"] = self.undo_stack.createUndoAction(self, "&Undo")
        a["undo"].setShortcut(QKeySequence(S.Undo))
        a["redo"] = self.undo_stack.createRedoAction(self, "&Redo")
        a["redo"].setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence(S.Redo)])
        a["run"] = self._action("&Run simulation", lambda: self.run_simulation(), QKeySequence("F5"),
                                "Run the Monte Carlo simulation of the current scenario")
        a["cancel"] = self._action("&Cancel running job", self.cancel_job, QKeySequence("Esc"))
        a["help"] = self._action("StrandRisk &help", self.show_help, QKeySequence("F1"))
        a["model_help"] = self._action("How the &model works", lambda: self.show_help("model.md"))
        a["logs"] = self._action("Open &log folder", self._open_log_folder)
        a["about"] = self._action("&About StrandRisk", self._about)

        mb = self.menuBar()
        m = mb.addMenu("&File")
        for key in ("new", "open", "sample", "add"):
            m.addAction(a[key])
        self.recent_menu = m.addMenu("Open &recent")
        m.addSeparator()
        for key in ("save", "save_as", "export", "template"):
            m.addAction(a[key])
        m.addSeparator()
        m.addAction(a["quit"])
        m = mb.addMenu("&Edit")
        m.addAction(a["undo"])
        m.addAction(a["redo"])
        m = mb.addMenu("&View")
        for i, name in enumerate(PANES):
            m.addAction(self._action(name, lambda n=name: self.show_pane(n), QKeySequence(f"Ctrl+{i + 1}")))
        m = mb.addMenu("&Run")
        m.addAction(a["run"])
        m.addAction(a["cancel"])
        m = mb.addMenu("&Help")
        for key in ("help", "model_help", "logs", "about"):
            m.addAction(a[key])

        tb = self.addToolBar("Main")
        tb.setObjectName("mainToolbar")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for key in ("open", "add", "save", None, "undo", "redo", None, "run", "export", None, "help"):
            if key is None:
                tb.addSeparator()
            else:
                tb.addAction(a[key])
        a["open"].setIconText("Open")
        a["add"].setIconText("Add files")
        a["save"].setIconText("Save")
        a["run"].setIconText("Run simulation")
        a["export"].setIconText("Export report")
        a["help"].setIconText("Help")
        a["undo"].setIconText("Undo")
        a["redo"].setIconText("Redo")
        self._fill_recent()

    # ---------------------------------------------------------------------------------- navigation
    def show_pane(self, name: str):
        self.nav.setCurrentRow(PANES.index(name))

    def _nav_changed(self, row: int):
        self.stack.setCurrentIndex(row)
        self._refresh_pane(PANES[row])

    def current_pane(self) -> str:
        return PANES[self.stack.currentIndex()]

    def _refresh_pane(self, name: str):
        self.panes[name].refresh()

    def refresh_all(self):
        for name in PANES:
            self._refresh_pane(name)

    # ---------------------------------------------------------------------------------- title, dirty
    @property
    def project_name(self) -> str:
        if self.project_path is not None:
            return self.project_path.stem
        return "Sample" if self.is_sample else "Untitled"

    @property
    def dirty(self) -> bool:
        return self.data_dirty or not self.undo_stack.isClean()

    def _clean_changed(self, _clean: bool):
        self._update_title()

    def _update_title(self):
        self.setWindowTitle(f"StrandRisk - {self.project_name}[*]")
        self.setWindowModified(self.dirty)
        self.banner.setVisible(self.is_sample)

    def status(self, text: str):
        self.status_label.setText(text)

    # ---------------------------------------------------------------------------------- scenarios
    def scenario_dict(self, name: str | None = None) -> dict:
        return self.scenarios[name or self.current_scenario]

    def current_resolved_scenario(self) -> Scenario:
        if self.result is not None:
            return self.result.scenario
        try:
            return Scenario.from_dict(self.scenario_dict())
        except ScenarioError:
            return Scenario.default()

    def _state(self):
        return copy.deepcopy(self.scenarios), self.current_scenario

    def _set_state(self, state):
        scenarios, current = state
        self.scenarios = copy.deepcopy(scenarios)
        self.current_scenario = current if current in self.scenarios else next(iter(self.scenarios))
        self._results_cache.clear()
        self.assumptions_pane.refresh()
        self.schedule_rerun()
        self._update_title()

    def _push(self, after, text):
        self.undo_stack.push(_SnapshotCommand(self, self._state(), after, text))

    def apply_scenario_edit(self, new: dict, text: str):
        scenarios, current = self._state()
        scenarios[current] = copy.deepcopy(new)
        self._push((scenarios, current), text)

    def add_scenario(self, name: str, data: dict):
        scenarios, _current = self._state()
        scenarios[name] = copy.deepcopy(data)
        self._push((scenarios, name), f"Add scenario {name}")

    def rename_scenario(self, old: str, new: str):
        scenarios, current = self._state()
        renamed = {}
        for k, v in scenarios.items():
            if k == old:
                v = dict(v, name=new)
                k = new
            renamed[k] = v
        self._push((renamed, new if current == old else current), f"Rename scenario {old} to {new}")

    def delete_scenario(self, name: str):
        scenarios, current = self._state()
        scenarios.pop(name, None)
        if current == name:
            current = next(iter(scenarios))
        self._push((scenarios, current), f"Delete scenario {name}")

    def switch_scenario(self, name: str):
        if name in self.scenarios:
            self.current_scenario = name
            self.assumptions_pane.refresh()
            self.rerun_now()

    # ---------------------------------------------------------------------------------- deterministic runs
    def schedule_rerun(self):
        self._revision += 1
        self._rerun_timer.start()

    def _run(self, name: str):
        from ..core.results import run_deterministic
        from ..core.system import ModelInputError

        try:
            scenario = Scenario.from_dict(self.scenarios[name])
            return run_deterministic(self.inputs, scenario), None
        except (ScenarioError, ModelInputError) as exc:
            return None, str(exc)

    def rerun_now(self):
        """Re-run the deterministic model of the current scenario (about 20 ms for the sample)."""
        self._rerun_timer.stop()
        self._results_cache.clear()
        if self.inputs is None:
            self.result = None
            self.problem_banner.setVisible(False)
        else:
            result, reason = self._run(self.current_scenario)
            self.result = result
            errors = sum(p.severity == "error" for p in getattr(self.imported, "problems", []) or [])
            if reason:
                self.problem_banner.setText(f"<b>The model cannot run:</b> {reason}. Fix the data on the Data page "
                                            "or the value on the Assumptions page.")
            elif errors:
                self.problem_banner.setText(
                    f"<b>Provisional results:</b> the data has {errors} error{'s' if errors > 1 else ''}, and the "
                    "values in error are left out of the model. Fix them (see the Problems list on the Data page) "
                    "before relying on these figures.")
            self.problem_banner.setVisible(bool(reason or errors))
            if result is not None:
                self._results_cache[self.current_scenario] = result
                self.status(f"Results updated for scenario '{self.current_scenario}': "
                            f"{result.system.n_providers} providers, {result.years[0]} to {result.years[-1]}.")
        for name in ("Results", "Compare", "Uncertainty", "Report"):
            self._refresh_pane(name)

    def result_for(self, name: str):
        if self.inputs is None or name not in self.scenarios:
            return None
        if name not in self._results_cache:
            self._results_cache[name] = self._run(name)[0]
        return self._results_cache[name]

    # ---------------------------------------------------------------------------------- data
    def _set_data(self, imported, source_paths, *, is_sample=False, mapping=None):
        self.imported = imported
        self.inputs = imported.inputs if imported is not None else None
        self.source_paths = [str(p) for p in source_paths]
        self.is_sample = is_sample
        if mapping is not None or not is_sample:
            self.mapping = mapping
        self.data_dirty = True
        self._update_title()
        self.data_pane.refresh()
        self.rerun_now()
        _freeze_long_lived_objects()
        errors = sum(p.severity == "error" for p in getattr(imported, "problems", []) or [])
        if errors:
            self.status(f"{errors} problems in the data need fixing: see the list on the Data page.")

    def new_project(self):
        if not self._confirm_discard():
            return
        self._reset()

    def _reset(self):
        self.project_path = None
        self.scenarios = {"Base case": {"name": "Base case"}}
        self.current_scenario = "Base case"
        self.undo_stack.clear()
        self.mapping = None
        self._set_data(None, [])
        self.data_dirty = False
        self._update_title()
        self.assumptions_pane.refresh()

    def open_sample(self, wait: bool = True):
        """Load the built-in fictional sample system (shows the "sample data" banner)."""
        from ..io.load import load_sample

        if self.busy:
            self.cancel_job(wait=True)

        def done(imported):
            from ..io.sample_scenarios import BASE_CASE, sample_scenarios

            self.project_path = None
            self.undo_stack.clear()
            self.mapping = None
            self.scenarios, self.current_scenario = sample_scenarios(), BASE_CASE
            self._set_data(imported, [], is_sample=True)
            self.data_dirty = False
            self.undo_stack.setClean()
            self._update_title()
            self.assumptions_pane.refresh()
            self.show_pane("Results")

        return self._start_job("import", "Reading the sample", lambda progress, cancel: load_sample(progress, cancel),
                               done, wait)

    def import_files(self, paths, wait: bool = False, tac_selection=None):
        """Add spreadsheets to the project (re-reading the files already in it); a .strandrisk path opens it.

        A TAC accounts file asks which trusts to read (interactive calls only; ``tac_selection``, an
        io.tac.TacSelection, answers it in advance)."""
        paths = [Path(p) for p in paths]
        projects = [p for p in paths if p.suffix.lower() == PROJECT_SUFFIX]
        sheets = [p for p in paths if p.suffix.lower() != PROJECT_SUFFIX]
        if projects:
            self.open_project(projects[0])
        if not sheets:
            return None
        keep = [Path(p) for p in self.source_paths if Path(p).exists()] if not self.is_sample else []
        names = {p.name for p in sheets}
        all_paths = [p for p in keep if p.name not in names] + sheets
        if tac_selection is None and not wait:
            tac_selection = self._ask_tac_trusts(sheets)
            if tac_selection is False:
                return None
        if tac_selection is not None:
            self.tac_selection = tac_selection
        return self._start_import(all_paths, wait=wait)

    def _ask_tac_trusts(self, paths):
        """None when no file is a TAC file; False when the user cancelled; else the TacSelection."""
        from ..io import tac

        tac_paths = []
        for path in paths:
            if path.suffix.lower() not in (".xlsx", ".xlsm", ".xlsb", ".xls"):
                continue
            try:
                if tac.list_tac_trusts(path):
                    tac_paths.append(path)
            except Exception:  # noqa: BLE001 - not a TAC file (or unreadable: the import says why)
                continue
        if not tac_paths:
            return None
        trusts = tac.list_tac_trusts(tac_paths)  # every year and sector file in one list
        from .tac_dialog import TacTrustDialog

        title = tac_paths[0].name if len(tac_paths) == 1 else f"{len(tac_paths)} TAC files"
        dialog = TacTrustDialog(self, title, trusts)
        if dialog.exec() != TacTrustDialog.DialogCode.Accepted:
            return False
        return tac.TacSelection(trusts=dialog.selected_codes())

    def _mapping_object(self):
        if not self.mapping:
            return None
        from ..io.mapping import Mapping

        return Mapping.from_dict(self.mapping)

    def _start_import(self, paths, wait=False):
        from ..io.load import load_inputs

        mapping = self._mapping_object()
        old_inputs = self.inputs if not self.is_sample else None
        reread = {Path(p).name for p in paths}

        tac_selection = self.tac_selection

        def work(progress, cancel):
            result = load_inputs(paths, mapping=mapping, progress=progress, cancel=cancel,
                                 tac_selection=tac_selection)
            if old_inputs is not None:
                result.inputs = _merge_inputs(old_inputs, result.inputs, reread)
            # The imported rows live as long as the project: keep them out of the cyclic garbage
            # collector's full passes, which otherwise pause the window ~100 ms on a large file.
            gc.freeze()
            return result

        def done(imported):
            self._set_data(imported, paths, mapping=self.mapping)
            self.show_pane("Data")

        return self._start_job("import", f"Reading {len(paths)} file(s)", work, done, wait)

    def change_mapping(self, file: str, sheet: str, kind, source: str | None, target):
        """The user changed a sheet's kind or a column's mapping on the Data page: re-read with it."""
        from ..io.mapping import IGNORE, Mapping, SheetMapping

        mapping = Mapping.from_dict(self.mapping) if self.mapping else Mapping()
        existing = next((s for s in mapping.sheets if (s.file, s.sheet) == (file, sheet)), None)
        sm = existing or SheetMapping(file, sheet)
        sm.kind = kind if kind is not None else IGNORE
        if source is not None:
            sm.columns[source] = target if target is not None else IGNORE
        mapping.set(sm)
        self.mapping = mapping.to_dict()
        paths = [Path(p) for p in self.source_paths if Path(p).exists()]
        if not paths:
            self.show_error("Mapping saved", "The original spreadsheets are not on this computer, so the data "
                            "cannot be re-read: the new mapping applies the next time you add the files.")
            return
        self._start_import(paths)

    def change_value_mapping(self, column: str, value: str, target):
        """The user said what a value means on the Data page (None forgets it): saved in the mapping
        for every file, then the data is read again."""
        from ..io.mapping import Mapping

        mapping = Mapping.from_dict(self.mapping) if self.mapping else Mapping()
        mapping.set_value(column, value, target)
        self.mapping = mapping.to_dict()
        paths = [Path(p) for p in self.source_paths if Path(p).exists()]
        if not paths:
            self.show_error("Mapping saved", "The original spreadsheets are not on this computer, so the data "
                            "cannot be re-read: the new meaning applies the next time you add the files.")
            return
        self._start_import(paths)

    def describe_row(self, file: str, sheet: str, cell: str) -> str:
        """The imported row a problem points at, as 'column = value' pairs."""
        if self.inputs is None or not cell:
            return ""
        digits = "".join(ch for ch in cell if ch.isdigit())
        if not digits:
            return ""
        row = int(digits)
        for kind in schema.INPUT_KINDS:
            table = self.inputs.table(kind.key)
            hits = [i for i in range(table.n_rows) if table.source_file[i] == file
                    and table.source_sheet[i] == sheet and int(table.source_row[i]) == row]
            if hits:
                rec = table.take(hits[:1]).records()[0]
                values = ", ".join(f"{kind.column(k).label} = {_cell_text(kind.column(k), v)}"
                                   for k, v in rec.items() if v is not None)
                return f"{sheet} row {row}: {values}"
        return f"{sheet} row {row} was not read into the model (see the problem above)."

    # ---------------------------------------------------------------------------------- jobs
    @property
    def busy(self) -> bool:
        return self._job is not None

    def _start_job(self, kind, label, fn, on_success, wait):
        if self._job is not None:
            message = f"Wait for '{self._job.label}' to finish, or cancel it, before starting another task."
            if wait:
                raise JobFailed(message)
            self.show_error("Busy", message)
            return None
        job = Job(label, fn)  # owned by Python: alive while referenced, never deleted under a waiter
        self._job, self._job_kind = job, kind
        job.progressed.connect(self._job_progress)
        job.succeeded.connect(lambda value: self._job_done(job, on_success, value))
        job.failed.connect(lambda exc: self._job_failed(job, exc, wait))
        job.cancelled.connect(lambda: self._job_cancelled(job))
        self._set_running(True, label)
        job.start()
        if wait:
            wait_for(job)
            if job.outcome == "failed":
                raise JobFailed(_user_message(job.error)) from job.error
            if job.outcome == "cancelled":
                raise JobFailed(f"{label}: cancelled")
        return job

    def _set_running(self, running: bool, label: str = ""):
        self.status_progress.setVisible(running)
        self.status_cancel.setVisible(running)
        self.status_progress.setValue(0)
        self.actions_["run"].setEnabled(not running)
        self.actions_["export"].setEnabled(not running)
        if self._job_kind == "simulation":
            self.uncertainty_pane.set_running(running)
        if self._job_kind == "report":
            self.report_pane.set_running(running)
        if running:
            self.status(label + "...")

    def _job_progress(self, fraction, message):
        self.status_progress.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        if message:
            self.status(message)
        if self._job_kind == "simulation":
            self.uncertainty_pane.show_progress(fraction, message)
        elif self._job_kind == "report":
            self.report_pane.show_progress(fraction, message)

    def _finish_job(self, job):
        job.wait()
        if self._job is job:
            self._set_running(False)
            self._job = None
            self._job_kind = ""

    def _job_done(self, job, on_success, value):
        kind = self._job_kind
        self._finish_job(job)
        try:
            on_success(value)
        except Exception as exc:  # noqa: BLE001 - shown as a dialog, logged
            log.exception("handling the result of %s", kind)
            self.show_error("Something went wrong", _user_message(exc))

    def _job_failed(self, job, exc, wait):
        label = job.label
        self._finish_job(job)
        if not _expected(exc):
            log.error("%s failed", label, exc_info=(type(exc), exc, exc.__traceback__))
        self.status(f"{label}: failed")
        if not wait:
            self.show_error(f"{label} failed", _user_message(exc))
        else:
            self.last_error = _user_message(exc)

    def _job_cancelled(self, job):
        label = job.label
        self._finish_job(job)
        self.status(f"{label}: cancelled")

    def cancel_job(self, wait: bool = False):
        job = self._job
        if job is None:
            return
        job.cancel()
        self.status(f"Cancelling {job.label.lower()}...")
        if wait:
            wait_for(job)

    def _results_ready(self, what: str, title: str, wait: bool) -> bool:
        """Bring pending edits into the results; without any, say so (raise when the caller waits)."""
        if self._rerun_timer.isActive():
            self.rerun_now()
        if self.result is not None:
            return True
        message = f"There are no results to {what}: open the sample or add your files first."
        if wait:
            raise JobFailed(message)
        self.show_error(title, message)
        return False

    # ---------------------------------------------------------------------------------- simulation
    def run_simulation(self, simulations: int | None = None, wait: bool = False):
        """Monte Carlo of the current scenario plus the tornado, off the GUI thread."""
        if not self._results_ready("simulate", "Nothing to simulate", wait):
            return None
        from ..core.simulation import run_monte_carlo, tornado

        result = self.result
        scenario = result.scenario
        n = int(simulations if simulations is not None else self.uncertainty_pane.simulations.value())
        self.uncertainty_pane.simulations.setValue(max(self.uncertainty_pane.simulations.minimum(), n))
        seed = int(scenario.seed)
        revision = self._revision

        def work(progress, cancel):
            mc = run_monte_carlo(result.system, scenario, simulations=n, seed=seed, progress=progress,
                                 cancel=cancel, break_even=result.break_even or None)
            if cancel():
                return None
            progress(0.99, "Sensitivity (tornado)")
            return mc, tornado(result.system, scenario)

        def done(value):
            if value is None:
                return
            if revision != self._revision or self.result is not result:
                self.status("The assumptions changed during the simulation: run it again for the new values.")
                return
            result.monte_carlo, result.tornado = value
            self.status(f"Simulation finished: {n:,} draws.")
            self.uncertainty_pane.refresh()
            self.report_pane.refresh()

        self.show_pane("Uncertainty")
        return self._start_job("simulation", f"Simulating {n:,} draws", work, done, wait)

    # ---------------------------------------------------------------------------------- report
    def export_report_dialog(self):
        if self.result is None:
            self.show_error("Nothing to export", "Open the sample or add your files first.")
            return
        start = str(Path(self.settings.value("last_dir", str(Path.home()))) / f"{self.project_name} report.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, "Export report", start, "Excel workbook (*.xlsx)")
        if path:
            if not path.lower().endswith(".xlsx"):
                path += ".xlsx"
            self.settings.setValue("last_dir", str(Path(path).parent))
            self.export_report(path)

    def export_report(self, path, wait: bool = False):
        """Write the Excel report of the current result off the GUI thread."""
        if not self._results_ready("report", "Nothing to export", wait):
            return None
        from ..io.load import ImportResult
        from ..io.report import write_report

        path = Path(path)
        if path.resolve() in {Path(p).resolve() for p in self.source_paths}:
            message = f"{path.name} is one of your input files: choose another name for the report."
            if wait:
                raise JobFailed(message)
            self.show_error("Export report", message)
            return None
        result = self.result
        imported = self.imported if self.imported is not None else ImportResult(self.inputs)

        def work(progress, cancel):
            write_report(result, path, imported=imported, progress=progress, cancel=cancel)
            return path

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

        return self._start_job("report", "Writing the report", work, done, wait)

    # ---------------------------------------------------------------------------------- projects
    def _project(self):
        from ..io.project import Project

        return Project(self.inputs if self.inputs is not None else _empty_inputs(), copy.deepcopy(self.scenarios),
                       self.current_scenario, self.mapping, list(self.source_paths), self.is_sample, __version__)

    def save_project(self, path):
        """Save the project atomically; raises io.project.ProjectError / TargetNotWritable with a user message."""
        from ..io.project import clear_autosave, save_project

        path = Path(path)
        if path.suffix.lower() != PROJECT_SUFFIX:
            path = path.with_name(path.name + PROJECT_SUFFIX)
        save_project(self._project(), path)
        self.project_path = path
        self.is_sample = False
        self.data_dirty = False
        self.undo_stack.setClean()
        self._add_recent(path)
        clear_autosave()
        self._update_title()
        self.status(f"Saved {path}")
        return path

    def open_project(self, path):
        """Open a .strandrisk project; raises io.project.ProjectError with a user message."""
        from ..io.project import load_project

        if self.busy:
            self.cancel_job(wait=True)
        path = Path(path)
        project = load_project(path)
        self._load_project_object(project)
        self.project_path = path
        self.is_sample = False
        self.data_dirty = False
        self.undo_stack.setClean()
        self._add_recent(path)
        self._update_title()
        self.status(f"Opened {path}")

    def _load_project_object(self, project):
        from ..io.load import ImportResult

        self.undo_stack.clear()
        self.scenarios = project.scenarios or {"Base case": {"name": "Base case"}}
        self.current_scenario = project.current_scenario or next(iter(self.scenarios))
        has_data = any(project.inputs.table(k.key).n_rows for k in schema.INPUT_KINDS)
        self._set_data(ImportResult(project.inputs) if has_data else None, project.source_paths,
                       mapping=project.mapping)
        self.assumptions_pane.refresh()
        self.show_pane("Results" if has_data else "Data")

    def save(self):
        if self.project_path is None:
            return self.save_as()
        return self._guarded_save(self.project_path)

    def save_as(self):
        start = str(Path(self.settings.value("last_dir", str(Path.home()))) / f"{self.project_name}{PROJECT_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self, "Save project", start, f"StrandRisk project (*{PROJECT_SUFFIX})")
        if not path:
            return False
        self.settings.setValue("last_dir", str(Path(path).parent))
        return self._guarded_save(Path(path))

    def _guarded_save(self, path) -> bool:
        from ..io.atomic import TargetNotWritable
        from ..io.project import ProjectError

        try:
            self.save_project(path)
            return True
        except (ProjectError, TargetNotWritable) as exc:
            self.show_error("Save project", f"The project was not saved: {exc}.")
        except OSError as exc:
            self.show_error("Save project", f"The project was not saved: {exc.strerror or exc}. "
                            "Choose another folder.")
        return False

    def open_dialog(self):
        start = str(self.settings.value("last_dir", str(Path.home())))
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Open project or spreadsheets", start,
            f"StrandRisk projects and spreadsheets (*{PROJECT_SUFFIX} *.xlsx *.xlsm *.xls *.ods *.csv);;All files (*)")
        if paths:
            self.settings.setValue("last_dir", str(Path(paths[0]).parent))
            self.open_paths(paths)

    def add_files_dialog(self):
        start = str(self.settings.value("last_dir", str(Path.home())))
        paths, _ = QFileDialog.getOpenFileNames(self, "Add spreadsheets", start,
                                                "Spreadsheets (*.xlsx *.xlsm *.xls *.ods *.csv);;All files (*)")
        if paths:
            self.settings.setValue("last_dir", str(Path(paths[0]).parent))
            self.open_paths(paths)

    def open_paths(self, paths):
        """Open from a dialog, drop or recent list: every failure becomes a dialog."""
        from ..io.project import ProjectError

        paths = [Path(p) for p in paths]
        projects = [p for p in paths if p.suffix.lower() == PROJECT_SUFFIX]
        sheets = [p for p in paths if p.suffix.lower() != PROJECT_SUFFIX]
        if projects:
            if not self._confirm_discard():
                return
            try:
                self.open_project(projects[0])
            except ProjectError as exc:
                self.show_error("Open project", f"{exc}.")
                return
        if sheets:
            self.import_files(sheets)

    def save_template_dialog(self):
        start = str(Path(self.settings.value("last_dir", str(Path.home()))) / "StrandRisk inputs template.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, "Save input template", start, "Excel workbook (*.xlsx)")
        if not path:
            return
        try:
            from ..io.template import write_template

            write_template(Path(path))
            self.status(f"Template saved: {path}")
        except Exception as exc:  # noqa: BLE001 - one line for the user
            self.show_error("Save template", f"The template was not saved: {_user_message(exc)}")

    def save_mapping_dialog(self):
        from ..io.mapping import Mapping, write_mapping_file

        if not self.mapping:
            self.show_error("Save mapping", "Every column was recognised automatically: there is no mapping "
                            "to save. Change a column's 'Read as' choice on the Data page first.")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save mapping", str(Path.home() / "mapping.json"),
                                              "Mapping (*.json)")
        if path:
            try:
                write_mapping_file(Path(path), Mapping.from_dict(self.mapping))
                self.status(f"Mapping saved: {path}")
            except Exception as exc:  # noqa: BLE001 - one line for the user
                self.show_error("Save mapping", f"The mapping was not saved: {_user_message(exc)}")

    def load_mapping_dialog(self):
        from ..io.mapping import MappingError, read_mapping_file

        path, _ = QFileDialog.getOpenFileName(self, "Load mapping", str(Path.home()), "Mapping (*.json)")
        if not path:
            return
        try:
            self.mapping = read_mapping_file(Path(path)).to_dict()
        except MappingError as exc:
            self.show_error("Load mapping", str(exc))
            return
        paths = [Path(p) for p in self.source_paths if Path(p).exists()]
        if paths:
            self._start_import(paths)

    # ---------------------------------------------------------------------------------- autosave
    def autosave_now(self):
        """Write the recovery file when there are unsaved changes (every few minutes)."""
        if not self.dirty or self.inputs is None:
            return None
        from ..io.project import write_autosave

        try:
            return write_autosave(self._project())
        except Exception:  # noqa: BLE001 - autosave must never interrupt work
            log.warning("autosave failed", exc_info=True)
            return None

    def recover_autosave(self) -> bool:
        """Load the recovery file left by a session that did not close cleanly."""
        from ..io.project import ProjectError, autosave_path, load_project

        path = autosave_path()
        if not path.exists():
            return False
        try:
            project = load_project(path)
        except ProjectError as exc:
            self.show_error("Recover unsaved work", f"The recovery file cannot be read: {exc}.")
            return False
        self._load_project_object(project)
        self.project_path = None
        self.is_sample = False
        self.data_dirty = True
        self._update_title()
        self.status("Recovered the unsaved work of the last session: save it to keep it.")
        return True

    # ---------------------------------------------------------------------------------- recent files
    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _add_recent(self, path):
        items = [str(path)] + [p for p in self.recent_files() if p != str(path)]
        self.settings.setValue("recent_files", items[:MAX_RECENT])
        self._fill_recent()

    def _fill_recent(self):
        self.recent_menu.clear()
        items = self.recent_files()
        if not items:
            act = self.recent_menu.addAction("(none yet)")
            act.setEnabled(False)
        for p in items:
            self.recent_menu.addAction(Path(p).name, lambda path=p: self.open_paths([path])).setToolTip(p)

    # ---------------------------------------------------------------------------------- dialogs, help
    def show_error(self, title: str, message: str):
        """A non-blocking dialog saying what happened and what to do."""
        self.last_error = message
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def show_help(self, page: str = "index.md"):
        from .help_viewer import HelpViewer

        viewer = HelpViewer(self, page)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.show()
        return viewer

    def _open_log_folder(self):
        from ..logs import log_dir

        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def _about(self):
        QMessageBox.about(self, "About StrandRisk",
                          f"<b>StrandRisk {__version__}</b><br>Stranded-cost risk of acute-only and integrated "
                          "providers, for NHS finance teams. Works offline; nothing leaves this computer.")

    def _confirm_discard(self) -> bool:
        """Ask to save unsaved changes. True when it is fine to go on."""
        if not self.dirty or self.inputs is None:
            return True
        answer = self.ask_save_changes()
        if answer == QMessageBox.StandardButton.Save:
            return bool(self.save())
        return answer == QMessageBox.StandardButton.Discard

    def ask_save_changes(self):
        return QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to {self.project_name} first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)

    # ---------------------------------------------------------------------------------- window events
    def dragEnterEvent(self, event):
        if event.mimeData().hasUrls() and any(
                u.toLocalFile().lower().endswith(SPREADSHEET_SUFFIXES + (PROJECT_SUFFIX,))
                for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event):
        paths = [u.toLocalFile() for u in event.mimeData().urls()
                 if u.toLocalFile().lower().endswith(SPREADSHEET_SUFFIXES + (PROJECT_SUFFIX,))]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

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
        if self._job is not None:
            self.cancel_job(wait=True)
        self.save_layout()
        from ..io.project import clear_autosave

        clear_autosave()
        event.accept()


def _cell_text(column, value) -> str:
    """An imported value as a finance user would write it: 2025/26, 160,000, 2%."""
    from ..core.inputs import fy_label

    if isinstance(value, float):
        if column.type == schema.FY:
            return fy_label(int(value))
        if column.type == schema.SHARE:
            return f"{value * 100:g}%"
        return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
    return str(value)


def _freeze_long_lived_objects():
    """Move what exists now (widgets, chart machinery, the loaded data) out of the cyclic garbage
    collector's full passes: a full pass over them pauses the window 100-150 ms at random moments.
    Objects are still freed by reference counting when dropped."""
    gc.collect(1)
    gc.freeze()


def _empty_inputs():
    from ..core.inputs import ModelInputs

    return ModelInputs.empty()


def _merge_inputs(old, new, reread: set[str]):
    """Rows of the old inputs from files not re-read (a project opened without its spreadsheets), plus the new."""
    import numpy as np

    from ..core.inputs import ModelInputs, Table

    tables = []
    for kind in schema.INPUT_KINDS:
        t_old = old.table(kind.key)
        keep = np.flatnonzero([str(f) not in reread for f in t_old.source_file])
        tables.append(Table.concat(kind, [t_old.take(keep), new.table(kind.key)]))
    sources = [s for s in old.sources if s.file not in reread] + list(new.sources)
    return ModelInputs(*tables, sources=sources)


_EXPECTED = ("ImportFailure", "ReportError", "ProjectError", "TargetNotWritable", "MappingError", "ScenarioError",
             "ModelInputError", "JobFailed")


def _expected(exc: BaseException) -> bool:
    return type(exc).__name__ in _EXPECTED


def _user_message(exc: BaseException) -> str:
    if _expected(exc):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "The computer ran out of memory: close other programs or use fewer simulations, and try again."
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}. Check the file is not open in another program and the folder exists."
    from ..logs import log_dir

    return (f"Unexpected error ({type(exc).__name__}: {exc}). The details are in the log file in {log_dir()}; "
            "please send it to your StrandRisk support contact.")

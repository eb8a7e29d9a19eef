"""The window's file dialogs and the things they lead to: open, add, save, export, templates, mappings,
recent files, drag and drop, the TAC trust picker, and "save your changes?". A mixin of MainWindow: each
dialog asks the user, then calls the workspace (through the window's job runner for long work)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..workspace import ChangedOnDisk, ProjectInUse, ReadOnlyProject
from ..workspace.workspace import PROJECT_SUFFIX

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
MAX_RECENT = 8


@dataclass(frozen=True)
class ScreenEngland:
    """The answer to the TAC dialog when the user chose to screen every trust of these files (the England page)."""

    paths: tuple[Path, ...]


class FileActions:
    # ------------------------------------------------------------------------------ helpers
    def _last_dir(self) -> Path:
        return Path(self.settings.value("last_dir", str(Path.home())))

    def _ask_save_path(self, title: str, name: str, filter_: str, suffix: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self, title, str(self._last_dir() / name), filter_)
        if not path:
            return None
        if not path.lower().endswith(suffix):
            path += suffix
        self.settings.setValue("last_dir", str(Path(path).parent))
        return Path(path)

    def _ask_open_paths(self, title: str, filter_: str) -> list[str]:
        paths, _ = QFileDialog.getOpenFileNames(self, title, str(self._last_dir()), filter_)
        if paths:
            self.settings.setValue("last_dir", str(Path(paths[0]).parent))
        return paths

    # ------------------------------------------------------------------------------ projects and files
    def new_project(self):
        if self._confirm_discard():
            self.workspace.reset()

    def save(self):
        if self.workspace.project_path is None:
            return self.save_as()
        if self.workspace.read_only:
            return self._save_read_only()
        return self._guarded_save(self.workspace.project_path)

    def _save_read_only(self) -> bool:
        answer = self.ask("Save project",
                          f"{self.workspace.project_name} is open read-only here because it is open elsewhere "
                          "(another StrandRisk window, or a colleague). Save your changes under another name?",
                          [("save_as", "Save As..."), ("cancel", "Cancel")], "save_as")
        return self.save_as() if answer == "save_as" else False

    def save_as(self):
        path = self._ask_save_path("Save project", f"{self.workspace.project_name}{PROJECT_SUFFIX}",
                                   f"StrandRisk project (*{PROJECT_SUFFIX})", PROJECT_SUFFIX)
        return False if path is None else self._guarded_save(path)

    def _guarded_save(self, path, overwrite_changed: bool = False) -> bool:
        """Save, asking first when the file changed on disk since it was opened; every failure a dialog."""
        from .main_window import failure_message

        path = Path(path)
        try:
            self.save_project(path, overwrite_changed)
            return True
        except ChangedOnDisk as exc:
            answer = self.ask("File changed on disk",
                              f"{exc} (another StrandRisk window, a colleague or a sync tool saved it). Saving "
                              "now replaces their version with yours.",
                              [("save_as", "Save As..."), ("overwrite", "Replace it"), ("cancel", "Cancel")],
                              "save_as", warn=True)
            if answer == "overwrite":
                return self._guarded_save(path, overwrite_changed=True)
            return self.save_as() if answer == "save_as" else False
        except ReadOnlyProject:
            return self._save_read_only()
        except Exception as exc:  # noqa: BLE001 - every failure reaches the user in words
            message = failure_message(exc, f"Saving {path.name}")
            self.status(message)
            self.show_error("Save project", f"{message} The project was not saved.")
        return False

    def open_dialog(self):
        paths = self._ask_open_paths(
            "Open project or spreadsheets",
            f"StrandRisk projects and spreadsheets (*{PROJECT_SUFFIX} *.xlsx *.xlsm *.xls *.ods *.csv);;All files (*)")
        if paths:
            self.open_paths(paths)

    def add_files_dialog(self):
        paths = self._ask_open_paths("Add spreadsheets", "Spreadsheets (*.xlsx *.xlsm *.xls *.ods *.csv);;All files (*)")
        if paths:
            self.open_paths(paths)

    def open_paths(self, paths):
        """Open from a dialog, drop or recent list: every failure becomes a dialog."""
        paths = [Path(p) for p in paths]
        projects = [p for p in paths if p.suffix.lower() == PROJECT_SUFFIX]
        sheets = [p for p in paths if p.suffix.lower() != PROJECT_SUFFIX]
        if projects:
            if not self._confirm_discard():
                return
            if not self.open_project_asking(projects[0]):
                return
        if sheets:
            self.import_files(sheets)

    def open_project_asking(self, path) -> bool:
        """Open a project; when it is open elsewhere offer it read-only; a failure is a dialog."""
        from .main_window import failure_message

        path = Path(path)
        try:
            try:
                self.open_project(path)
            except ProjectInUse as exc:
                answer = self.ask("Project already open",
                                  f"{exc}. Open it read-only here? (You can still save your changes under "
                                  "another name.)", [("read_only", "Open read-only"), ("cancel", "Cancel")],
                                  "read_only")
                if answer != "read_only":
                    return False
                self.open_project(path, read_only_if_locked=True)
            return True
        except Exception as exc:  # noqa: BLE001 - a damaged or unreadable project is a dialog, never silence
            message = failure_message(exc, f"Opening {path.name}")
            self.status(message)
            self.show_error("Open project", message)
            return False

    def _ask_tac_trusts(self, paths):
        """None when no file is a TAC file; False when the user cancelled; ScreenEngland when the user chose
        to screen every trust; else the TacSelection of the trusts to import."""
        from ..io.tac import reader as tac

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
        from .tac_dialog import SCREEN, TacTrustDialog

        dialog = TacTrustDialog(self, [p.name for p in tac_paths], trusts)
        if dialog.exec() != TacTrustDialog.DialogCode.Accepted:
            return False
        if dialog.choice() == SCREEN:
            return ScreenEngland(tuple(tac_paths))
        return tac.TacSelection(trusts=dialog.selected_codes())

    def _screen_tac_files(self, choice: "ScreenEngland", paths, wait: bool = False):
        """Screen the TAC files on the England page; any other spreadsheets added with them are imported
        into the project as usual once the screen is read (one background job at a time)."""
        self._after_screen = [Path(p) for p in paths if Path(p) not in choice.paths]
        job = self.screen_england(list(choice.paths), wait)
        if self._after_screen:
            if wait:
                self._import_after_screen(wait=True)
            elif job is not None:
                job.succeeded.connect(self._import_after_screen)  # a slot of the window: runs on the GUI thread
        return job

    def _import_after_screen(self, _value=None, wait: bool = False):
        others, self._after_screen = self._after_screen, []
        if others and wait:
            self.import_files(others, wait=True)
        elif others:
            QTimer.singleShot(0, lambda: self.import_files(others))

    # ------------------------------------------------------------------------------ exports
    def export_report_dialog(self):
        if self.workspace.result is None:
            self.show_error("Nothing to export", "Open the sample or add your files first.")
            return
        path = self._ask_save_path("Export report", f"{self.workspace.project_name} report.xlsx",
                                   "Excel workbook (*.xlsx)", ".xlsx")
        if path is not None:
            self.export_report(path)

    def export_json_dialog(self):
        if self.workspace.result is None:
            self.show_error("Nothing to export", "Open the sample or add your files first.")
            return
        path = self._ask_save_path("Export results as JSON", f"{self.workspace.project_name} results.json",
                                   "Results (*.json)", ".json")
        if path is not None:
            self.export_json(path)

    def save_template_dialog(self):
        path = self._ask_save_path("Save input template", "StrandRisk inputs template.xlsx",
                                   "Excel workbook (*.xlsx)", ".xlsx")
        if path is None:
            return
        try:
            from ..io.spreadsheets.template import write_template

            write_template(path)
            self.status(f"Template saved: {path}")
        except Exception as exc:  # noqa: BLE001 - one line for the user
            from .main_window import failure_message

            self.show_error("Save template", failure_message(exc, f"Saving the template {path.name}"))

    def save_mapping_dialog(self):
        from ..io.spreadsheets.mapping import write_mapping_file

        mapping = self.workspace.mapping_object()
        if mapping is None:
            self.show_error("Save mapping", "Every column was recognised automatically: there is no mapping "
                            "to save. Change a column's 'Read as' choice on the Data page first.")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save mapping", str(Path.home() / "mapping.json"),
                                              "Mapping (*.json)")
        if path:
            try:
                write_mapping_file(Path(path), mapping)
                self.status(f"Mapping saved: {path}")
            except Exception as exc:  # noqa: BLE001 - one line for the user
                from .main_window import failure_message

                self.show_error("Save mapping", failure_message(exc, f"Saving the mapping {Path(path).name}"))

    def load_mapping_dialog(self):
        from ..io.spreadsheets.mapping import read_mapping_file
        from ..workspace import WorkspaceError
        from .main_window import failure_message

        path, _ = QFileDialog.getOpenFileName(self, "Load mapping", str(Path.home()), "Mapping (*.json)")
        if not path:
            return
        try:
            mapping = read_mapping_file(Path(path)).to_dict()
        except Exception as exc:  # noqa: BLE001 - one line for the user
            self.show_error("Load mapping", failure_message(exc, f"Reading the mapping {Path(path).name}"))
            return
        try:
            task = self.workspace.set_mapping(mapping, f"Load mapping {Path(path).name}")
        except WorkspaceError:
            return  # nothing to re-read: the mapping applies to the next files added
        self._import(task)

    # ------------------------------------------------------------------------------ recent files
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

    # ------------------------------------------------------------------------------ unsaved changes, drops
    def _confirm_discard(self) -> bool:
        """Ask to save unsaved changes. True when it is fine to go on."""
        if not self.workspace.dirty:
            return True
        answer = self.ask_save_changes()
        if answer == QMessageBox.StandardButton.Save:
            return bool(self.save())
        return answer == QMessageBox.StandardButton.Discard

    def ask_save_changes(self):
        return QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to {self.workspace.project_name} first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)

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

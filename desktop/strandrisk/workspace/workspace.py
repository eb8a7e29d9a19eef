"""The project being worked on, without any window: inputs and where they came from, the mapping, the named
scenarios and which is current, results per scenario, the last few simulations, unsaved changes, undo.

The desktop app is a view of one Workspace; ``strandrisk run PROJECT`` drives another. Long operations
(import, simulation, report) are handed out as ``Task`` objects: ``work(progress, cancel)`` is safe to
run on a worker thread (it touches no workspace state), ``finish(value)`` applies the outcome and must
run where the workspace lives. ``Task.run()`` does both in one go for the command line and tests.
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
import shutil
import tempfile
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .. import __version__
from ..core import schema
from ..core.scenario import Scenario, ScenarioError
from ..core.wording import counted
from .commands import CommandStack, StateChange

PROJECT_SUFFIX = ".strandrisk"
DEFAULT_SCENARIOS = {"Base case": {"name": "Base case"}}

# Events a view listens for (``Workspace.subscribe``):
DATA = "data"  # inputs, imported problems, sources or mapping changed
SCENARIOS = "scenarios"  # the named scenarios or the current one changed
RESULTS = "results"  # a simulation was attached to the current result
STATE = "state"  # project path, sample flag or unsaved-changes state changed

# Simulations are kept by the fingerprint of what they were computed from, so an edit that is undone finds
# its simulation again. Bound: the last MAX_KEPT_SIMULATIONS, fewer when together they hold more than
# KEPT_SIMULATION_BYTES (the one in use is always kept).
MAX_KEPT_SIMULATIONS = 4
KEPT_SIMULATION_BYTES = 512 * 2**20
MODEL_VERSION = f"strandrisk {__version__}"  # any release may change the model: its simulations are rerun

# What the simulations shown for the current scenario are (``Workspace.simulation_status``):
SIM_NONE = "none"  # never simulated
SIM_CURRENT = "current"  # run in this session for exactly the data and assumptions shown
SIM_SAVED = "saved"  # read from the project file and still current: shown without rerunning
SIM_OUT_OF_DATE = "out_of_date"  # simulated before, but the data or assumptions changed since
SIM_SAVED_OUT_OF_DATE = "saved_out_of_date"  # the project held simulations of other data, settings or version


class WorkspaceError(Exception):
    """An operation that cannot be done now; the message is one line for the user, saying what to do."""

    user_facing = True  # io.failures.describe_failure shows its words


class ProjectInUse(WorkspaceError):
    """The project is open in another StrandRisk window or process (its lock file says who)."""


class ChangedOnDisk(WorkspaceError):
    """The project file was changed by someone else since it was opened or last saved here."""


class ReadOnlyProject(WorkspaceError):
    """The project was opened read-only (it is open elsewhere): Save As is the way to keep the changes."""


@dataclass
class Task:
    """A long operation: ``work`` off the GUI thread, then ``finish`` where the workspace lives."""

    kind: str  # "import", "simulation", "report"
    label: str
    work: Callable[[Callable[[float, str], None], Callable[[], bool]], Any]
    finish: Callable[[Any], Any]

    def run(self, progress=None, cancel=None):
        value = self.work(progress or (lambda _f, _m="": None), cancel or (lambda: False))
        return self.finish(value)


@dataclass
class Simulation:
    """One Monte Carlo run with its tornado, kept under the fingerprint of everything it depends on."""

    fingerprint: str  # simulation_fingerprint(state, draws, seed)
    state: str  # simulation_state(inputs, scenario): the data and assumptions it was run for
    monte_carlo: Any
    tornado: Any
    scenario: str  # the scenario's name when it ran
    saved: bool = False  # read from the project file, not run in this session

    @property
    def nbytes(self) -> int:
        return sum(_array_bytes(v) for v in vars(self.monte_carlo).values())


class _ScenarioEdit:
    """Undoable change of the named scenarios: the whole before/after state (small dicts)."""

    def __init__(self, ws: "Workspace", before, after, text: str):
        self.ws, self.before, self.after, self.text = ws, before, after, text

    def do(self) -> None:
        self.ws._set_scenario_state(self.after)

    def undo(self) -> None:
        self.ws._set_scenario_state(self.before)


@dataclass(frozen=True)
class DataState:
    """What a mapping fix or an import changes, kept whole so undo puts back exactly the previous import
    (its data, problems and sheet reports) without reading the files again."""

    mapping: dict | None
    imported: Any
    inputs: Any
    source_paths: tuple[str, ...]
    tac_selection: Any
    is_sample: bool
    data_dirty: bool


class Workspace:
    def __init__(self) -> None:
        self.imported = None  # io.load.ImportResult of the last import (problems, sheet reports)
        self.inputs = None  # core.inputs.ModelInputs, None before any data
        self.source_paths: list[str] = []
        self.mapping: dict | None = None  # io.mapping.Mapping.to_dict() when the user changed the mapping
        self.tac_selection = None  # io.tac.TacSelection chosen when a TAC accounts file was added
        self.scenarios: dict[str, dict] = copy.deepcopy(DEFAULT_SCENARIOS)
        self.current_scenario = "Base case"
        self.project_path: Path | None = None
        self.window_id = secrets.token_hex(4)  # names this document's recovery file until it is saved
        self.recovery_file: Path | None = None  # this workspace's own recovery file, once written
        self.lock = None  # io.project.locks.ProjectLock on project_path, when this workspace holds it
        self.read_only = False  # opened while open elsewhere: Save asks for another name
        self.disk_sha256: str | None = None  # the project file's fingerprint when opened or last saved here
        self.is_sample = False
        self.data_dirty = False
        self.revision = 0  # every change of data or scenarios; results of an older revision are stale
        self.commands = CommandStack()
        self.commands.subscribe(lambda: self._emit(STATE))
        self._results: dict[str, tuple[int, Any, str | None]] = {}  # name -> (revision, result, reason)
        self._simulations: OrderedDict[str, Simulation] = OrderedDict()  # fingerprint -> run, least recent first
        self._simulated: dict[str, str] = {}  # scenario name -> SIM_OUT_OF_DATE or SIM_SAVED_OUT_OF_DATE once run
        self._digest: tuple[Any, str] | None = None  # (inputs, inputs_digest(inputs)) of the last inputs seen
        self.simulation_notes: list[str] = []  # saved simulations left out when the project was opened
        self._listeners: list[Callable[[str], None]] = []

    # ------------------------------------------------------------------------------ events
    def subscribe(self, listener: Callable[[str], None]) -> None:
        """``listener(event)`` after each change; event is DATA, SCENARIOS, RESULTS or STATE."""
        self._listeners.append(listener)

    def _emit(self, event: str) -> None:
        for listener in list(self._listeners):
            listener(event)

    def _changed(self, event: str) -> None:
        self.revision += 1
        self._emit(event)

    # ------------------------------------------------------------------------------ state
    @property
    def dirty(self) -> bool:
        return self.data_dirty or not self.commands.is_clean

    @property
    def project_name(self) -> str:
        if self.project_path is not None:
            return self.project_path.stem
        return "Sample" if self.is_sample else "Untitled"

    @property
    def has_data(self) -> bool:
        return self.inputs is not None

    @property
    def error_count(self) -> int:
        return sum(p.severity == "error" for p in getattr(self.imported, "problems", None) or [])

    # ------------------------------------------------------------------------------ scenarios
    def scenario_dict(self, name: str | None = None) -> dict:
        return self.scenarios[name or self.current_scenario]

    def resolved_scenario(self) -> Scenario:
        """The current scenario as the model reads it (base year filled in when results exist)."""
        result = self.result
        if result is not None:
            return result.scenario
        try:
            return Scenario.from_dict(self.scenario_dict())
        except ScenarioError:
            return Scenario.default()

    def _scenario_state(self):
        return copy.deepcopy(self.scenarios), self.current_scenario

    def _set_scenario_state(self, state) -> None:
        scenarios, current = state
        self.scenarios = copy.deepcopy(scenarios)
        self.current_scenario = current if current in self.scenarios else next(iter(self.scenarios))
        self._changed(SCENARIOS)

    def _edit(self, after, text: str) -> None:
        self.commands.do(_ScenarioEdit(self, self._scenario_state(), after, text))

    def edit_scenario(self, new: dict, text: str) -> None:
        """Replace the current scenario's settings (undoable)."""
        scenarios, current = self._scenario_state()
        scenarios[current] = copy.deepcopy(new)
        self._edit((scenarios, current), text)

    def add_scenario(self, name: str, data: dict) -> None:
        name = name.strip()
        if not name:
            raise WorkspaceError("a scenario needs a name")
        if name in self.scenarios:
            raise WorkspaceError(f"there is already a scenario called '{name}': choose another name")
        scenarios, _current = self._scenario_state()
        scenarios[name] = dict(copy.deepcopy(data), name=name)
        self._edit((scenarios, name), f"Add scenario {name}")

    def rename_scenario(self, old: str, new: str) -> None:
        new = new.strip()
        if old not in self.scenarios or not new or new == old:
            return
        if new in self.scenarios:
            raise WorkspaceError(f"there is already a scenario called '{new}': choose another name")
        scenarios, current = self._scenario_state()
        renamed = {(new if k == old else k): (dict(v, name=new) if k == old else v) for k, v in scenarios.items()}
        self._edit((renamed, new if current == old else current), f"Rename scenario {old} to {new}")

    def delete_scenario(self, name: str) -> None:
        if name not in self.scenarios:
            return
        if len(self.scenarios) == 1:
            raise WorkspaceError("a project keeps at least one scenario: add another before deleting this one")
        scenarios, current = self._scenario_state()
        scenarios.pop(name)
        if current == name:
            current = next(iter(scenarios))
        self._edit((scenarios, current), f"Delete scenario {name}")

    def switch_scenario(self, name: str) -> None:
        """Show another scenario (not an edit: nothing to undo, results of each scenario are kept)."""
        if name in self.scenarios and name != self.current_scenario:
            self.current_scenario = name
            self._emit(SCENARIOS)

    # ------------------------------------------------------------------------------ results
    def _run(self, name: str):
        from ..core.results import run_deterministic
        from ..core.system import ModelInputError

        try:
            return run_deterministic(self.inputs, Scenario.from_dict(self.scenarios[name])), None
        except (ScenarioError, ModelInputError) as exc:
            return None, str(exc)

    def _cached(self, name: str):
        hit = self._results.get(name)
        if hit is None or hit[0] != self.revision:
            result, reason = self._run(name) if self.inputs is not None else (None, None)
            if result is not None:
                self._attach_simulation(name, result)
            hit = (self.revision, result, reason)
            self._results[name] = hit
        elif hit[1] is not None and hit[1].monte_carlo is None:
            self._attach_simulation(name, hit[1])  # run since for another scenario of the same settings
        return hit

    def result_for(self, name: str | None = None):
        """The deterministic results of a named scenario (None without data or when the model cannot run);
        computed on first use after any change, then kept."""
        name = name or self.current_scenario
        if name not in self.scenarios:
            return None
        return self._cached(name)[1]

    @property
    def result(self):
        return self.result_for(self.current_scenario)

    @property
    def run_problem(self) -> str | None:
        """Why the current scenario cannot be run (None when it runs or there is no data)."""
        return self._cached(self.current_scenario)[2]

    def require_result(self, what: str):
        result = self.result
        if result is not None:
            return result
        if self.inputs is None:
            raise WorkspaceError(f"There are no results to {what}: open the sample or add your files first.")
        raise WorkspaceError(f"There are no results to {what}: the model cannot run ({self.run_problem}).")

    # ------------------------------------------------------------------------------ data
    def set_data(self, imported, source_paths, *, is_sample: bool = False, mapping=None) -> None:
        self.imported = imported
        self.inputs = imported.inputs if imported is not None else None
        self.source_paths = [str(p) for p in source_paths]
        self.is_sample = is_sample
        if mapping is not None or not is_sample:
            self.mapping = mapping
        self.data_dirty = True
        self._changed(DATA)

    def reset(self) -> None:
        """An empty, untitled project."""
        self._leave_document()
        self._forget_simulations()
        self.scenarios = copy.deepcopy(DEFAULT_SCENARIOS)
        self.current_scenario = "Base case"
        self.commands.clear()
        self.mapping = None
        self.tac_selection = None
        self.set_data(None, [])
        self.data_dirty = False
        self._emit(SCENARIOS)  # set before set_data's new revision: results run once

    def sample_task(self) -> Task:
        """The built-in fictional sample with the scenarios shipped beside it (so Compare has two to show)."""
        from ..io.spreadsheets.load import load_sample
        from ..io.spreadsheets.sample_scenarios import BASE_CASE, sample_scenarios

        def finish(imported):
            self._leave_document()
            self._forget_simulations()
            self.commands.clear()
            self.mapping = None
            self.tac_selection = None
            self.scenarios, self.current_scenario = sample_scenarios(), BASE_CASE
            self.set_data(imported, [], is_sample=True)
            self.data_dirty = False
            self.commands.set_clean()
            self._emit(SCENARIOS)  # set before set_data's new revision: results run once
            return imported

        return Task("import", "Reading the sample", lambda progress, cancel: load_sample(progress, cancel), finish)

    def import_task(self, paths, tac_selection=None, *, mapping: dict | None | bool = False,
                    text: str | None = None) -> Task:
        """Add spreadsheets, re-reading those already in the project (a file of the same name is replaced).

        ``mapping`` (a Mapping dict; default the project's own) is what the files are read with. With
        ``text`` the outcome is one edit on the undo stack (a mapping fix); without, an import that the
        earlier mapping fixes cannot be undone across (they are forgotten, scenario edits stay)."""
        from ..io.spreadsheets.load import load_inputs
        from ..io.spreadsheets.mapping import Mapping

        sheets = [Path(p) for p in paths]
        keep = [Path(p) for p in self.source_paths if Path(p).exists()] if not self.is_sample else []
        names = {p.name for p in sheets}
        all_paths = [p for p in keep if p.name not in names] + sheets
        if tac_selection is not None:
            self.tac_selection = tac_selection
        mapping_dict = self.mapping if mapping is False else mapping
        mapping_obj = Mapping.from_dict(mapping_dict) if mapping_dict else None
        selection = self.tac_selection
        old_inputs = self.inputs if not self.is_sample else None
        reread = {p.name for p in all_paths}

        def work(progress, cancel):
            # Each file is read from a private copy taken in one read, so the fingerprint kept with the data
            # is the one of the bytes read even when the file is saved over meanwhile (Excel, another window).
            with tempfile.TemporaryDirectory(prefix="strandrisk-import-") as folder:
                result = load_inputs(snapshot_files(all_paths, Path(folder)), mapping=mapping_obj,
                                     progress=progress, cancel=cancel, tac_selection=selection)
            if old_inputs is not None:
                result.inputs = merge_inputs(old_inputs, result.inputs, reread)
            return result

        def finish(imported):
            before = self._data_state()
            after = replace(before, mapping=copy.deepcopy(mapping_dict), imported=imported,
                            inputs=imported.inputs if imported is not None else None,
                            source_paths=tuple(str(p) for p in all_paths), tac_selection=selection,
                            is_sample=False)
            if text is None:
                self.commands.forget(DATA)
                self._set_data_state(replace(after, data_dirty=True))
            else:
                self.commands.do(StateChange(text, self._set_data_state, before, after, DATA))
            return imported

        return Task("import", f"Reading {counted(len(all_paths), 'file')}", work, finish)

    def _data_state(self) -> DataState:
        return DataState(copy.deepcopy(self.mapping), self.imported, self.inputs, tuple(self.source_paths),
                         self.tac_selection, self.is_sample, self.data_dirty)

    def _set_data_state(self, state: DataState) -> None:
        """Put a whole import state in place (an import or mapping fix done, undone or redone)."""
        self.mapping = copy.deepcopy(state.mapping)
        self.imported, self.inputs = state.imported, state.inputs
        self.source_paths = list(state.source_paths)
        self.tac_selection, self.is_sample, self.data_dirty = state.tac_selection, state.is_sample, state.data_dirty
        self._changed(DATA)

    def mapping_object(self):
        if not self.mapping:
            return None
        from ..io.spreadsheets.mapping import Mapping

        return Mapping.from_dict(self.mapping)

    def existing_source_paths(self) -> list[Path]:
        return [Path(p) for p in self.source_paths if Path(p).exists()]

    def change_mapping(self, file: str, sheet: str, kind, source: str | None, target,
                       text: str | None = None) -> Task:
        """The user changed a sheet's kind (``source`` None) or a column's mapping: hand back the re-read
        with it, which goes on the undo stack ("Map 'Budget £000' to Annual budget")."""
        from ..io.spreadsheets.mapping import IGNORE, Mapping, SheetMapping

        mapping = Mapping.from_dict(self.mapping) if self.mapping else Mapping()
        existing = next((s for s in mapping.sheets if (s.file, s.sheet) == (file, sheet)), None)
        sm = existing or SheetMapping(file, sheet)
        new_kind = kind if kind is not None else IGNORE
        if new_kind != sm.kind:
            names = schema.KINDS_BY_KEY[new_kind].names if new_kind in schema.KINDS_BY_KEY else ()
            sm.columns = {h: c for h, c in sm.columns.items() if c == IGNORE or c in names}
        sm.kind = new_kind
        if source is not None:
            sm.columns[source] = target if target is not None else IGNORE
        mapping.set(sm)
        if text is None:
            text = (_column_edit_text(kind, source, target) if source is not None
                    else f"Read sheet {_quoted(sheet)} as {schema.KINDS_BY_KEY[kind].sheet}"
                    if kind in schema.KINDS_BY_KEY
                    else f"Leave sheet {_quoted(sheet)} out")
        return self.set_mapping(mapping.to_dict(), text)

    def confirm_mapping(self, file: str, sheet: str, source: str) -> Task:
        """The user confirms how the app read a column (a weak match, or a column left unused): their
        choice from then on, so the warning goes and the mapping says the user decided."""
        rep = self.sheet_report(file, sheet)
        if rep is None or rep.kind is None or (source not in rep.mapping and source not in rep.unmapped):
            raise WorkspaceError(f"there is no column {_quoted(source)} on sheet {_quoted(sheet)} to confirm: "
                                 "add the file again")
        target = rep.mapping.get(source)
        words = f"as {schema.KINDS_BY_KEY[rep.kind].column(target).label}" if target else "as not used"
        return self.change_mapping(file, sheet, rep.kind, source, target, f"Confirm {_quoted(source)} {words}")

    def change_value_mapping(self, column: str, value: str, target) -> Task:
        """The user said what a value means (None forgets it): saved in the mapping for every file, and the
        re-read handed back (it goes on the undo stack: "Read 'Critical care' as Other")."""
        from ..core.labels import value_label
        from ..io.spreadsheets.mapping import Mapping

        mapping = Mapping.from_dict(self.mapping) if self.mapping else Mapping()
        mapping.set_value(column, value, target)
        text = (f"Read {_quoted(value)} as {value_label(target)}" if target is not None
                else f"Forget what {_quoted(value)} means")
        return self.set_mapping(mapping.to_dict(), text)

    def set_mapping(self, mapping: dict | None, text: str = "Change the mapping") -> Task:
        """Use this mapping from now on and hand back the re-read of the project's files with it; the re-read
        goes on the undo stack as one edit named ``text``.

        Raises WorkspaceError (after recording the mapping, undoably) when the spreadsheets are not on this
        computer."""
        if not self.existing_source_paths():
            before = self._data_state()
            self.commands.do(StateChange(text, self._set_data_state, before,
                                         replace(before, mapping=copy.deepcopy(mapping)), DATA))
            raise WorkspaceError("The original spreadsheets are not on this computer, so the data cannot be "
                                 "re-read: the new mapping applies the next time you add the files.")
        return self.import_task([], mapping=mapping, text=text)

    # ------------------------------------------------------------------------------ who decided
    def sheet_report(self, file: str, sheet: str):
        """The import's report of one sheet (kind, header row, columns read, confidence), or None."""
        return next((s for s in getattr(self.imported, "sheets", None) or []
                     if (s.file, s.sheet) == (file, sheet)), None)

    def decided_by_user(self, file: str, sheet: str, header: str) -> bool:
        """Whether how this column is read (or left out) is the user's own choice, recorded in the mapping
        (picked, confirmed or loaded from a mapping file), rather than the matcher's reading of the header."""
        from ..io.spreadsheets.mapping import Mapping

        sm = Mapping.from_dict(self.mapping).for_sheet(file, sheet) if self.mapping else None
        return sm is not None and header in sm.columns

    def value_decided_by_user(self, column: str, value: str) -> bool:
        """Whether the meaning of a value of a column is the user's choice (else the matcher read it)."""
        chosen = (self.mapping or {}).get("values", {}) if isinstance(self.mapping, dict) else {}
        return value in (chosen.get(column) or {})

    def header_at(self, file: str, sheet: str, cell: str) -> str | None:
        """The column heading in ``cell`` when that cell is in the sheet's header row (else None)."""
        rep = self.sheet_report(file, sheet)
        letters = "".join(ch for ch in cell if ch.isalpha()).upper()
        digits = "".join(ch for ch in cell if ch.isdigit())
        if rep is None or rep.kind is None or not letters or not digits or int(digits) != rep.header_row:
            return None
        index = 0
        for ch in letters:
            index = index * 26 + ord(ch) - 64
        row = rep.preview[rep.header_row - 1] if rep.header_row - 1 < len(rep.preview) else []
        text = row[index - 1].strip() if index - 1 < len(row) else ""
        return text or None

    def describe_header(self, file: str, sheet: str, cell: str) -> str:
        """What a problem at a header cell is about: the column it heads, how it is read, what to do."""
        from ..io.spreadsheets.sheets import WIDE_CASH_TARGET

        rep = self.sheet_report(file, sheet)
        header = self.header_at(file, sheet, cell)
        if rep is None:
            return ""
        column = "".join(ch for ch in cell if ch.isalpha()).upper()
        if header is None:
            return (f"{cell} is in the header row of {sheet}: a column heading, not a row of data. The mapping "
                    "table above shows how each column is read.")
        start = f"{cell} is the heading of column {column}, {_quoted(header)} (not a row of data): "
        target = rep.mapping.get(header)
        kind = schema.KINDS_BY_KEY[rep.kind]
        if target is None:
            if self.decided_by_user(file, sheet, header):
                return start + "you chose to leave this column out of the model."
            return start + ("this column is not read into the model. If it holds an input, choose what it holds "
                            "under 'Read as' in the mapping table; if not, press Confirm there to leave it out.")
        if target.startswith(WIDE_CASH_TARGET):
            return start + "a month column of cash balances, read as that month end's balance."
        label = kind.column(target).label
        if self.decided_by_user(file, sheet, header):
            return start + f"read as {label}, as you chose."
        confidence = rep.confidence.get(header)
        from ..io.spreadsheets.matching import CONFIDENT

        if confidence is not None and confidence < CONFIDENT:
            return start + (f"read as {label}, but the heading is only a {confidence:.0%} match. If the column "
                            f"holds {label}, press Confirm in the mapping table; if not, choose what it holds "
                            "under 'Read as'.")
        return start + f"read as {label}."

    def describe_row(self, file: str, sheet: str, cell: str) -> str:
        """The imported row a problem points at, as 'column = value' pairs."""
        if self.inputs is None or not cell:
            return ""
        digits = "".join(ch for ch in cell if ch.isdigit())
        if not digits:
            return ""
        row = int(digits)
        if self._in_header_row(file, sheet, row):
            return self.describe_header(file, sheet, cell)
        for kind in schema.INPUT_KINDS:
            table = self.inputs.table(kind.key)
            hits = np.flatnonzero((table.source_file == file) & (table.source_sheet == sheet)
                                  & (np.asarray(table.source_row) == row))
            if len(hits):
                rec = table.take(hits[:1]).records()[0]
                values = ", ".join(f"{kind.column(k).label} = {cell_text(kind.column(k), v)}"
                                   for k, v in rec.items() if v is not None)
                return f"{sheet} row {row}: {values}"
        return f"{sheet} row {row} was not read into the model (see the problem above)."

    def _in_header_row(self, file: str, sheet: str, row: int) -> bool:
        rep = self.sheet_report(file, sheet)
        return rep is not None and rep.kind is not None and row == rep.header_row

    # ------------------------------------------------------------------------------ simulation, exports
    def simulation_task(self, simulations: int | None = None) -> Task:
        """Monte Carlo of the current scenario plus the tornado. Kept under its fingerprint (so undoing later
        edits finds it again) and attached to the current result when it is still for the same data and
        assumptions."""
        from ..core.simulation import run_monte_carlo, tornado

        result = self.require_result("simulate")
        name = self.current_scenario
        state = self._simulation_state(name)
        scenario = result.scenario
        n = int(simulations if simulations is not None else scenario.simulations)
        if n < 1:
            raise WorkspaceError("The number of simulations must be at least 1.")

        def work(progress, cancel):
            mc = run_monte_carlo(result.system, scenario, simulations=n, seed=int(scenario.seed), progress=progress,
                                 cancel=cancel, break_even=result.break_even or None)
            if cancel():
                return None
            progress(0.99, "Sensitivity (tornado)")
            return mc, tornado(result.system, scenario)

        def finish(value) -> bool:
            """True when shown; False when cancelled or the data or assumptions changed meanwhile (the run is
            kept: undoing the change shows it)."""
            if value is None or state is None:
                return False
            mc, tor = value
            self._keep(Simulation(simulation_fingerprint(state, mc.simulations, mc.seed), state, mc, tor, name))
            self._simulated[name] = SIM_OUT_OF_DATE
            self.simulation_notes = []
            current = self.result
            if current is None or self._simulation_state(self.current_scenario) != state:
                return False
            current.monte_carlo, current.tornado = mc, tor
            self._emit(RESULTS)
            return True

        return Task("simulation", f"Simulating {counted(n, 'draw')}", work, finish)

    def simulation_status(self) -> str:
        """What the current scenario's simulations are: SIM_CURRENT or SIM_SAVED when shown (run here, or
        read from the project and still current), SIM_OUT_OF_DATE or SIM_SAVED_OUT_OF_DATE when the data or
        assumptions changed since, SIM_NONE when never simulated."""
        result = self.result
        if result is not None and result.monte_carlo is not None:
            sim = self._current_simulation(self.current_scenario)
            return SIM_SAVED if sim is not None and sim.saved and sim.monte_carlo is result.monte_carlo \
                else SIM_CURRENT
        return self._simulated.get(self.current_scenario, SIM_NONE)

    def _inputs_digest(self, inputs) -> str:
        if self._digest is None or self._digest[0] is not inputs:
            self._digest = (inputs, inputs_digest(inputs))
        return self._digest[1]

    def _simulation_state(self, name: str, inputs=None, scenarios=None) -> str | None:
        inputs = self.inputs if inputs is None else inputs
        scenario = (self.scenarios if scenarios is None else scenarios).get(name)
        if inputs is None or scenario is None:
            return None
        return simulation_state(self._inputs_digest(inputs), scenario)

    def _current_simulation(self, name: str) -> Simulation | None:
        """The most recent kept simulation of exactly this scenario's data and assumptions."""
        state = self._simulation_state(name)
        if state is None:
            return None
        return next((sim for sim in reversed(self._simulations.values()) if sim.state == state), None)

    def _attach_simulation(self, name: str, result) -> None:
        sim = self._current_simulation(name)
        mc = sim.monte_carlo if sim is not None else None
        if mc is None or list(mc.years) != list(result.years) \
                or np.shape(mc.npv_stranded[mc.forms[0]])[1] != result.system.n_providers:
            return
        result.monte_carlo, result.tornado = mc, sim.tornado
        self._simulations.move_to_end(sim.fingerprint)

    def _keep(self, sim: Simulation) -> None:
        self._simulations.pop(sim.fingerprint, None)
        self._simulations[sim.fingerprint] = sim
        while len(self._simulations) > 1 and (
                len(self._simulations) > MAX_KEPT_SIMULATIONS
                or sum(s.nbytes for s in self._simulations.values()) > KEPT_SIMULATION_BYTES):
            self._simulations.popitem(last=False)

    def _forget_simulations(self) -> None:
        """Another document: its simulations start afresh."""
        self._simulations.clear()
        self._simulated.clear()
        self.simulation_notes = []

    def _saved_simulations(self) -> list:
        """Each scenario's current simulation, for the project file (one copy of a run shared by scenarios
        with the same assumptions)."""
        from ..io.project.project_file import SavedSimulation

        out, seen = [], set()
        for name in self.scenarios:
            sim = self._current_simulation(name)
            if sim is not None and sim.fingerprint not in seen:
                seen.add(sim.fingerprint)
                out.append(SavedSimulation(name, sim.fingerprint, sim.monte_carlo, sim.tornado))
        return out

    def _take_saved_simulations(self, project) -> None:
        """Keep the project's simulations whose fingerprint still matches its data and scenario (this
        version of StrandRisk); the others are out of date."""
        for saved in project.simulations:
            mc = saved.monte_carlo
            state = self._simulation_state(saved.scenario, project.inputs, project.scenarios)
            if state is not None and saved.fingerprint == simulation_fingerprint(state, mc.simulations, mc.seed):
                self._keep(Simulation(saved.fingerprint, state, mc, saved.tornado, saved.scenario, saved=True))
                self._simulated[saved.scenario] = SIM_OUT_OF_DATE
            elif saved.scenario in project.scenarios:
                self._simulated[saved.scenario] = SIM_SAVED_OUT_OF_DATE
        self.simulation_notes = list(project.notes)

    def _refuse_input_target(self, path: Path, what: str) -> None:
        if path.resolve() in {Path(p).resolve() for p in self.source_paths}:
            raise WorkspaceError(f"{path.name} is one of your input files: choose another name for the {what}.")

    def report_task(self, path) -> Task:
        """Write the Excel report of the current result."""
        from ..io.spreadsheets.load import ImportResult
        from ..io.report.workbook import write_report

        result = self.require_result("report")
        path = Path(path)
        self._refuse_input_target(path, "report")
        imported = self.imported if self.imported is not None else ImportResult(self.inputs)

        def work(progress, cancel):
            write_report(result, path, imported=imported, progress=progress, cancel=cancel)
            return path

        return Task("report", "Writing the report", work, lambda written: written)

    def export_json(self, path) -> Path:
        """Write the machine-readable results (MODEL.md section 7) of the current result."""
        from ..io.report.results_json import write_json

        result = self.require_result("export")
        path = Path(path)
        self._refuse_input_target(path, "results file")
        write_json(result.to_document(), path)
        return path

    # ------------------------------------------------------------------------------ projects
    def project(self, with_simulations: bool = False):
        """The project as saved; ``with_simulations`` adds each scenario's current simulation (a save does,
        the recovery files do not)."""
        from ..core.inputs import ModelInputs
        from ..io.project.project_file import Project

        return Project(self.inputs if self.inputs is not None else ModelInputs.empty(), copy.deepcopy(self.scenarios),
                       self.current_scenario, self.mapping, list(self.source_paths), self.is_sample, __version__,
                       simulations=self._saved_simulations() if with_simulations else [])

    def save(self, path, overwrite_changed: bool = False) -> Path:
        """Save atomically and lock the file for this workspace.

        Raises ReadOnlyProject (saving over a project opened read-only), ChangedOnDisk (the file changed
        since it was opened or saved here; ``overwrite_changed`` saves anyway), ProjectInUse (another
        window has that file open), or io's ProjectError / TargetNotWritable / OSError with the reason."""
        from ..io.project.locks import ProjectLocked, acquire
        from ..io.project.project_file import save_project

        path = Path(path)
        if path.suffix.lower() != PROJECT_SUFFIX:
            path = path.with_name(path.name + PROJECT_SUFFIX)
        same = self.project_path is not None and _same_file(path, self.project_path)
        if same and self.read_only:
            raise ReadOnlyProject(f"{path.name} was opened read-only because it is open elsewhere: save your "
                                  "changes under another name (Save As)")
        if same and not overwrite_changed and self.changed_on_disk():
            raise ChangedOnDisk(f"{path.name} was changed by someone else since you opened it")
        lock = self.lock
        if not same or lock is None:
            try:
                lock = acquire(path)
            except ProjectLocked as exc:
                raise ProjectInUse(f"{exc}: choose another name, or close it there first") from None
        try:
            save_project(self.project(with_simulations=True), path)
        except BaseException:
            if lock is not self.lock:
                lock.release()
            raise
        if lock is not self.lock and self.lock is not None:
            self.lock.release()
        self.lock = lock
        self.project_path = path
        self.disk_sha256 = _fingerprint(path)
        self.read_only = False
        self.is_sample = False
        self.data_dirty = False
        self.commands.set_clean()
        self._clear_recovery()
        self._emit(STATE)
        return path

    def changed_on_disk(self) -> bool:
        """Whether the project file now differs from what was opened or last saved here."""
        if self.project_path is None or self.disk_sha256 is None:
            return False
        now = _fingerprint(self.project_path)
        return now is not None and now != self.disk_sha256

    def open(self, path, lock: str = "none") -> None:
        """Open a .strandrisk project with the data saved in it; raises io.project.ProjectError (unreadable).

        ``lock``: "none" reads it without a lock file (the command line; a later save takes one);
        "take" locks it for this workspace and raises ProjectInUse when it is open in another window or
        process; "read_only" locks it too, but opens it read-only when it is open elsewhere."""
        from ..io.project.locks import ProjectLocked, acquire
        from ..io.project.project_file import load_project

        path = Path(path)
        fingerprint = _fingerprint(path)
        project = load_project(path)
        held = self.lock if self.lock is not None and _same_file(path, self.lock.project) else None
        new_lock, read_only = held, False
        if held is None and lock != "none":
            try:
                new_lock = acquire(path)
            except ProjectLocked as exc:
                if lock != "read_only":
                    raise ProjectInUse(str(exc)) from None
                read_only = True
        old, self.lock = self.lock, None
        if old is not None and old is not new_lock:
            old.release()
        self._clear_recovery()
        self.load_project(project)
        self.lock = new_lock
        self.read_only = read_only
        self.project_path = path
        self.disk_sha256 = fingerprint
        self.data_dirty = False
        self._emit(STATE)

    def load_project(self, project) -> None:
        from ..io.spreadsheets.load import ImportResult

        self.commands.clear()
        self.scenarios = copy.deepcopy(project.scenarios) or copy.deepcopy(DEFAULT_SCENARIOS)
        self.current_scenario = (project.current_scenario if project.current_scenario in self.scenarios
                                 else next(iter(self.scenarios)))
        has_data = any(project.inputs.table(k.key).n_rows for k in schema.INPUT_KINDS)
        self.project_path = None
        self._forget_simulations()
        self._take_saved_simulations(project)
        self.set_data(ImportResult(project.inputs) if has_data else None, project.source_paths,
                      mapping=project.mapping)
        self.is_sample = False
        self._emit(SCENARIOS)  # set before set_data's new revision: results run once

    def close(self) -> None:
        """The window closes cleanly: its lock and recovery file go."""
        self._leave_document()

    def _leave_document(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None
        self._clear_recovery()
        self.project_path = None
        self.read_only = False
        self.disk_sha256 = None

    def _clear_recovery(self) -> None:
        from ..io.project.recovery import clear_autosave

        clear_autosave(self.recovery_file)
        self.recovery_file = None

    def autosave(self) -> Path | None:
        """Write this workspace's recovery file when there are unsaved changes (with or without data)."""
        if not self.dirty:
            return None
        from ..io.project.recovery import autosave_path, write_autosave

        path = autosave_path(self.project_name, self._recovery_key())
        written = write_autosave(self.project(), path, project_path=self.project_path,
                                 disk_sha256=self.disk_sha256, title=self.project_name)
        if self.recovery_file is not None and self.recovery_file != written:
            self._clear_recovery()  # the document was renamed (Save As) since the last autosave
        self.recovery_file = written
        return written

    def _recovery_key(self) -> str:
        from ..io.project.recovery import document_key

        return document_key(self.project_path, self.window_id)

    def recover(self, rec) -> None:
        """Take up the work of a recovery file left by a session that ended without closing
        (an io.project.recovery.Recovery that is not damaged): under its project's path when it had one,
        locked for this workspace (read-only when it is open elsewhere), with unsaved changes."""
        from ..io.project.locks import ProjectLocked, acquire
        from ..io.project.recovery import adopt

        self._leave_document()
        self.load_project(rec.project)
        path = Path(rec.project_path) if rec.project_path else None
        if path is not None:
            try:
                self.lock = acquire(path)
            except ProjectLocked:
                self.read_only = True
        self.project_path = path
        self.disk_sha256 = rec.disk_sha256
        self.data_dirty = True
        self.recovery_file = adopt(rec, self.project_name, self._recovery_key())
        self._emit(STATE)

    def reimport_task(self, accept_changed: bool = False) -> Task:
        """Re-read the project's spreadsheets from their saved paths with the project's mapping.

        A file that is missing, or whose contents changed since the project was saved (by its SHA-256),
        raises WorkspaceError naming it, unless ``accept_changed`` (then the change is only reported in
        ``Task.finish``'s return value)."""
        from ..io.spreadsheets.load import sha256_of

        saved = {s.file: s.sha256 for s in self.inputs.sources} if self.inputs is not None else {}
        paths = [Path(p) for p in self.source_paths]
        if not paths:
            raise WorkspaceError("the project holds no paths of spreadsheets to re-read (it was built from the "
                                 "sample or its files were added elsewhere)")
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise WorkspaceError("input file not found: " + ", ".join(missing) + " (put it back at that path, or "
                                 "run on the data saved in the project with --saved-data)")
        changed = [p for p in paths if p.name in saved and sha256_of(p) != saved[p.name]]
        if changed and not accept_changed:
            raise WorkspaceError(
                "input file changed since the project was saved: " + ", ".join(str(p) for p in changed)
                + " (to model the new contents add --accept-changed; to model the data saved in the project "
                  "add --saved-data)")
        task = self.import_task([])
        finish = task.finish

        def finish_with_report(imported):
            finish(imported)
            return [str(p) for p in changed]

        task.finish = finish_with_report
        return task


def _quoted(text, most: int = 40) -> str:
    """A header or value as named in Edit > Undo and in messages: quoted, at most ``most`` characters."""
    text = " ".join(str(text).split())
    return "'" + (text if len(text) <= most else text[:most - 3] + "...") + "'"


def _column_edit_text(kind, source: str, target) -> str:
    """"Map 'Budget £000' to Annual budget", or "Leave 'Notes' out"."""
    k = schema.KINDS_BY_KEY.get(kind)
    if target is None or k is None or target not in k.names:
        return f"Leave {_quoted(source)} out"
    return f"Map {_quoted(source)} to {k.column(target).label}"


def snapshot_files(paths, folder: Path) -> list[Path]:
    """Copies of the files (same names) in ``folder``; a file that cannot be copied is left to the reader,
    which says why it cannot be read."""
    copies = []
    for i, path in enumerate(Path(p) for p in paths):
        target = folder / str(i) / path.name
        try:
            target.parent.mkdir()
            shutil.copyfile(path, target)
        except OSError:
            target = path
        copies.append(target)
    return copies


def inputs_digest(inputs) -> str:
    """SHA-256 of the input values the model reads (every table's canonical columns, not where each row
    came from): files read again with the same values give the same digest."""
    from ..core.inputs import FLOAT_TYPES

    h = hashlib.sha256()
    for kind in schema.INPUT_KINDS:
        table = inputs.table(kind.key)
        h.update(f"{kind.key}:{table.n_rows}".encode())
        for col in kind.columns:
            values = table.columns.get(col.name)
            h.update(f"|{col.name}:".encode())
            if values is None:
                continue
            if col.type in FLOAT_TYPES:
                arr = np.asarray(values, dtype=np.float64)
                h.update(np.where(np.isnan(arr), np.nan, arr).tobytes())  # one NaN whatever its bits
            elif col.type == schema.DATE:
                h.update(np.asarray(values, dtype="datetime64[D]").astype(np.int64).tobytes())
            else:
                h.update(json.dumps([v if v is None or isinstance(v, (bool, str)) else str(v)
                                     for v in np.asarray(values, dtype=object).tolist()]).encode())
    return h.hexdigest()


def simulation_state(digest: str, scenario: dict) -> str | None:
    """The fingerprint of what a simulation of this scenario depends on besides its draws: the model's
    version, the input values (``inputs_digest``) and every setting of the scenario (uncertainty ranges,
    simulations and seed included; not its name). None when the scenario cannot be read."""
    try:
        values = Scenario.from_dict(scenario).to_dict()
    except (ScenarioError, TypeError, ValueError):
        return None
    values.pop("name", None)
    text = json.dumps([MODEL_VERSION, digest, values], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def simulation_fingerprint(state: str, simulations: int, seed: int) -> str:
    """The key of one simulation: its state plus the number of draws actually run and the seed."""
    return hashlib.sha256(f"{state}|{int(simulations)}|{int(seed)}".encode()).hexdigest()


def _array_bytes(value) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, dict):
        return sum(_array_bytes(v) for v in value.values())
    return 0


def _fingerprint(path: Path) -> str | None:
    from ..io.spreadsheets.load import sha256_of

    try:
        return sha256_of(Path(path))
    except OSError:
        return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return Path(a) == Path(b)


def merge_inputs(old, new, reread: set[str]):
    """Rows of the old inputs from files not re-read (a project opened without its spreadsheets), plus the new."""
    from ..core.inputs import ModelInputs, Table

    tables = []
    for kind in schema.INPUT_KINDS:
        t_old = old.table(kind.key)
        keep = np.flatnonzero([str(f) not in reread for f in t_old.source_file])
        tables.append(Table.concat(kind, [t_old.take(keep), new.table(kind.key)]))
    sources = [s for s in old.sources if s.file not in reread] + list(new.sources)
    return ModelInputs(*tables, sources=sources)


def cell_text(column, value) -> str:
    """An imported value as a finance user would write it: 2025/26, 160,000, 2%, Block."""
    from ..core.inputs import fy_label

    if isinstance(value, float):
        if column.type == schema.FY:
            return fy_label(int(value))
        if column.type == schema.SHARE:
            return f"{value * 100:g}%"
        return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
    if column.type == schema.ENUM:
        from ..core.labels import value_label

        return value_label(value)
    return str(value)

"""The England screen's operations for the app: screen TAC files, and open one trust as a project.

Qt-free, like the rest of the workspace: the command line screens with ``io.tac.screen`` directly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.inputs import ModelInputs
from ..core.problems import NOTE, Problem
from .workspace import SCENARIOS, Task, Workspace, WorkspaceError

_OWNER = {"providers": ("provider_code",), "cash_balances": ("provider_code",),
          "block_contracts": ("provider_code",), "community_budgets": ("acute_provider_code", "holder_provider_code")}


def screen_scenario(ws: Workspace):
    """The project's current scenario for the screen, without its base year (the accounts' year is the base)."""
    from ..core.scenario import Scenario, ScenarioError

    data = {k: v for k, v in ws.scenario_dict().items() if k != "base_year"}
    try:
        return Scenario.from_dict(data)
    except ScenarioError:
        return Scenario.default()


def screen_task(paths, scenario=None, selection=None) -> Task:
    """Read TAC files (the slow part, off the GUI thread) and screen them: (Screen, result)."""
    from ..io.tac.screen import Screen

    paths = [Path(p) for p in paths]

    def work(progress, cancel):
        screen = Screen(paths, selection, progress, cancel)
        result = screen.run(scenario)
        progress(1.0, f"England screen ready: {len(result.rows)} trusts from {len(paths)} TAC file(s)")
        return screen, result

    return Task("screen", f"Screening {len(paths)} TAC file(s)", work, lambda value: value)


def export_task(screen_result, path, inputs_paths=()) -> Task:
    """The screen workbook (ranked table, flags, scatter, derived inputs, scenario) written off the GUI thread,
    as ``strandrisk screen --out`` writes it; never over one of the TAC files read."""
    from ..io.tac.screen_export import write_screen_workbook

    path = Path(path)

    def work(progress, cancel):
        progress(0.1, f"Writing {path.name}")
        return write_screen_workbook(screen_result, path, inputs_paths)

    return Task("screen_export", f"Exporting the England screen to {path.name}", work, lambda value: value)


def trust_inputs(screen_result, code: str) -> ModelInputs:
    """One trust's derived rows of the four input tables."""
    tac = screen_result.tac
    tables = []
    for key, cols in _OWNER.items():
        table = tac.tables[key]
        mine = np.zeros(table.n_rows, dtype=bool)
        for col in cols:
            mine |= table[col].astype(object) == code
        tables.append(table.take(np.flatnonzero(mine)))
    return ModelInputs(*tables, sources=[])


def open_trust(ws: Workspace, screen_result, code: str) -> None:
    """Make ``ws`` a new project holding one screened trust's derived inputs and the screen's scenario.

    The rows are the project's own data (no spreadsheet to re-read), editable on the Data page.
    """
    from ..io.spreadsheets.load import ImportResult

    trust = screen_result.tac.derivation.trust(code)
    if trust is None or not trust.modelled:
        raise WorkspaceError(f"{code} is not modelled by the screen, so it has no derived inputs to open")
    inputs = trust_inputs(screen_result, code)
    notes = [Problem(NOTE, f"{trust.name} ({code}): inputs derived from its published accounts "
                           f"({', '.join(sorted(screen_result.tac.year_evidence))}); edit them to refine")]
    notes += [Problem(NOTE, f"{code}: {flag}") for flag in trust.flags]
    ws.reset()
    scenario = screen_result.scenario.to_dict()
    scenario["name"] = "Base case"
    ws.scenarios = {"Base case": scenario}
    ws.current_scenario = "Base case"
    ws._emit(SCENARIOS)  # set before set_data's new revision: results run once
    ws.set_data(ImportResult(inputs, notes, []), [])


__all__ = ["export_task", "open_trust", "screen_scenario", "screen_task", "trust_inputs"]

"""`strandrisk --smoke-test`: prove an installed or frozen app works end to end, without a user.

Builds the main window offscreen, imports the built-in sample, runs a short simulation, exports the Excel
report, reopens it and checks its sheets, saves and reopens a project. Exit 0 when every step worked;
otherwise one line naming the step that failed and why (the log has the traceback).

It runs from a temporary working folder with a temporary user-data folder, so a resource found only
through the working directory fails the test, and a real user's settings and recovery file are never
touched. The release workflow runs it on the frozen build; tests/test_frozen.py runs it here.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from ..io.project.recovery import end_session
from ..logs import close_logging

log = logging.getLogger("strandrisk.smoke")

SIMULATIONS = 200


class SmokeFailure(Exception):
    """A check of the smoke test did not hold; the message says which."""


def _say(text: str) -> None:
    log.info(text)
    print(text, flush=True)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def run_smoke_test() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    previous_cwd = os.getcwd()
    previous_data_dir = os.environ.get("STRANDRISK_DATA_DIR")
    step = "prepare a temporary folder"
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="strandrisk-smoke-") as tmp:
            folder = Path(tmp)
            os.environ["STRANDRISK_DATA_DIR"] = str(folder / "user-data")
            os.chdir(folder)
            steps, discard = _steps(folder)
            try:
                for step, action in steps:
                    t0 = time.perf_counter()
                    detail = action()
                    _say(f"smoke: {step}: ok ({time.perf_counter() - t0:.2f} s){' - ' + detail if detail else ''}")
            finally:
                discard()
                os.chdir(previous_cwd)
                close_logging(folder)  # Windows cannot remove the temporary folder while its log is open
                end_session()  # nor while the session lock an autosave took is open (a slow run autosaves)
    except Exception as exc:  # noqa: BLE001 - the smoke test reports every failure as one line
        log.error("smoke test failed at '%s'", step, exc_info=True)
        reason = str(exc) or type(exc).__name__
        _say(f"strandrisk smoke test FAILED at '{step}': {type(exc).__name__}: {reason}")
        return 1
    finally:
        if previous_data_dir is None:
            os.environ.pop("STRANDRISK_DATA_DIR", None)
        else:
            os.environ["STRANDRISK_DATA_DIR"] = previous_data_dir
    from .. import __version__

    _say(f"strandrisk {__version__} smoke test passed in {time.perf_counter() - started:.1f} s")
    return 0


def _steps(folder: Path):
    """(description, action) pairs run in order, each returning a short detail or None; and a clean-up
    that disposes of a window a failed step left open, without the unsaved-changes question."""
    state: dict = {}
    report_path = folder / "smoke report.xlsx"
    project_path = folder / "smoke.strandrisk"

    def start_app():
        from PySide6.QtCore import QSettings

        from .app import create_application
        from .main_window import MainWindow

        app = create_application([sys.argv[0]])
        settings = QSettings(str(folder / "smoke-settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings)
        window.show()
        app.processEvents()
        shown_at = time.time()
        _check(window.isVisible(), "the main window did not show")
        _check(window.windowTitle().startswith("StrandRisk"), f"unexpected window title {window.windowTitle()!r}")
        state.update(app=app, window=window)
        # Wall-clock time the window was shown: tools/build_frozen.sh subtracts its launch time from it.
        return f"window shown at unix time {shown_at:.3f}"

    def import_sample():
        window = state["window"]
        window.open_sample(wait=True)
        result = window.result
        _check(result is not None, "the sample was read but produced no results")
        providers = result.provider_codes
        _check(len(providers) > 0, "the sample has no providers")
        return f"{len(providers)} providers"

    def simulate():
        window = state["window"]
        window.run_simulation(simulations=SIMULATIONS, wait=True)
        _check(window.result is not None and window.result.monte_carlo is not None,
               "the simulation finished without Monte Carlo results")
        return f"{SIMULATIONS} draws"

    def export_report():
        state["window"].export_report(report_path, wait=True)
        _check(report_path.is_file() and report_path.stat().st_size > 0, f"no report was written to {report_path}")
        return f"{report_path.stat().st_size / 1024:.0f} KB"

    def reopen_report():
        from openpyxl import load_workbook

        from ..io.report.workbook import SHEETS

        workbook = load_workbook(report_path, read_only=True)
        try:
            names = workbook.sheetnames
            _check(names == list(SHEETS), f"report sheets are {names}, expected {list(SHEETS)}")
            for name in ("Summary", "Monte Carlo", "Model"):
                rows = sum(1 for _ in workbook[name].iter_rows(max_row=20, values_only=True))
                _check(rows >= 5, f"report sheet '{name}' is nearly empty ({rows} rows)")
        finally:
            workbook.close()
        return f"{len(names)} sheets"

    def save_and_reopen_project():
        window = state["window"]
        window.save_project(project_path)
        _check(project_path.is_file(), f"no project file was written to {project_path}")
        window.open_project(project_path)
        _check(window.workspace.inputs is not None, "the reopened project has no data")
        return None

    def close_app():
        window = state["window"]
        _check(window.close(), "the main window refused to close")
        state.pop("window")
        state["app"].processEvents()
        return None

    def discard():
        window = state.pop("window", None)
        if window is None:
            return
        if window.busy:
            window.cancel_job(wait=True)
        window.hide()
        window.deleteLater()
        state["app"].processEvents()

    return [
        ("start the app and show the main window", start_app),
        ("import the built-in sample", import_sample),
        ("run a short simulation", simulate),
        ("export the Excel report", export_report),
        ("reopen the report and check its sheets", reopen_report),
        ("save and reopen a project", save_and_reopen_project),
        ("close the window", close_app),
    ], discard

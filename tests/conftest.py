import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def sample_copy(tmp_path):
    """The sample workbook copied into the test's own folder, as a user's spreadsheets (paths that exist)."""
    import shutil

    from strandrisk.io.spreadsheets.load import sample_paths

    paths = []
    for p in sample_paths():
        paths.append(tmp_path / p.name)
        shutil.copy(p, paths[-1])
    return paths


@pytest.fixture(autouse=True)
def _isolated_user_data(tmp_path_factory, monkeypatch):
    """Logs, settings, recent files and autosaves of tests go to a temporary folder, never the user's."""
    monkeypatch.setenv("STRANDRISK_DATA_DIR", str(tmp_path_factory.mktemp("userdata")))


@pytest.fixture
def window(qtbot, tmp_path):
    """A main window with its own settings file that never asks to save; its job cancelled at the end.
    (Test modules that need more, the sample loaded, define their own.)"""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QMessageBox

    from strandrisk.ui.main_window import MainWindow

    w = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    w.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    qtbot.addWidget(w)
    w.show()
    yield w
    if w.busy:
        w.cancel_job(wait=True)


def _qt_missing() -> str | None:
    """Why Qt's widgets cannot load here (None when they can): a bare Linux box lacks Qt's libraries."""
    try:
        import PySide6.QtWidgets  # noqa: F401
    except ImportError as exc:
        return (f"Qt cannot load ({exc}); install libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 "
                "(.ci/run does)")
    return None


QT_MISSING = _qt_missing()


def pytest_collection_modifyitems(config, items):
    if QT_MISSING is None:
        return
    skip = pytest.mark.skip(reason=QT_MISSING)
    for item in items:
        if {"qapp", "qtbot"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(skip)

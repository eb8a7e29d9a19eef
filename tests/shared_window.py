"""One sample window shared by the tests of a module (pytest-qt, offscreen).

Every main window a test makes stays in the test process's memory until it ends, and the reader tests'
child process inherits that address space under its 1.5 GB limit (tests/test_reader_limits.py); modules
whose tests only look at the sample share one window instead. Each test sets the provider, tab and
selection it needs. User data goes to a temporary folder, as conftest's per-test fixture does.
"""

from __future__ import annotations

import gc

import pytest


@pytest.fixture(scope="module")
def sample_window(qapp, tmp_path_factory):
    from PySide6.QtCore import QEvent, QSettings
    from PySide6.QtWidgets import QApplication, QMessageBox

    from strandrisk.ui.main_window import MainWindow

    folder = tmp_path_factory.mktemp("shared-window")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STRANDRISK_DATA_DIR", str(folder / "userdata"))
        w = MainWindow(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
        w.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
        w.show()
        w.open_sample(wait=True)
        yield w
        if w.busy:
            w.cancel_job(wait=True)
        w.close()
        w.deleteLater()
        # deleted now, not at some later event loop, so the next modules reuse its memory
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        del w
        gc.collect()


@pytest.fixture
def sample(sample_window):
    """The shared sample window on the Results page."""
    sample_window.show_pane("Results")
    return sample_window

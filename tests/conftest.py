import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True)
def _isolated_user_data(tmp_path_factory, monkeypatch):
    """Logs, settings, recent files and autosaves of tests go to a temporary folder, never the user's."""
    monkeypatch.setenv("STRANDRISK_DATA_DIR", str(tmp_path_factory.mktemp("userdata")))

"""The frozen app, built with build.spec, works: smoke test and `run --sample` with the frozen binary.

A PyInstaller build takes one to two minutes, so these tests are left out of the default run. Run them:

    STRANDRISK_FROZEN_TEST=1 python -m pytest tests/test_frozen.py
    python -m pytest -m frozen tests/test_frozen.py

Set STRANDRISK_FROZEN_APP=dist/StrandRisk to check an existing build instead of building one.
tools/build_frozen.sh does the same checks and also measures size and start time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.frozen


@pytest.fixture(scope="module")
def frozen_app(request, tmp_path_factory) -> Path:
    wanted = os.environ.get("STRANDRISK_FROZEN_TEST") == "1" or "frozen" in (request.config.option.markexpr or "")
    if not wanted:
        pytest.skip("frozen build tests run on demand: STRANDRISK_FROZEN_TEST=1 or -m frozen (see docs/INSTALL.md)")
    existing = os.environ.get("STRANDRISK_FROZEN_APP")
    if existing:
        return Path(existing).resolve()
    pytest.importorskip("PyInstaller")
    work = tmp_path_factory.mktemp("pyinstaller")
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
                    "--workpath", str(work / "build"), "--distpath", str(work / "dist"), str(REPO / "build.spec")],
                   cwd=REPO, check=True, timeout=1200)
    return work / "dist" / "StrandRisk"


def _launcher(app: Path) -> Path:
    return app / ("StrandRisk.exe" if sys.platform == "win32" else "StrandRisk")


def _run(app: Path, args: list[str], cwd: Path, data_dir: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", STRANDRISK_DATA_DIR=str(data_dir))
    return subprocess.run([str(_launcher(app)), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)


def test_frozen_smoke_test_passes(frozen_app, tmp_path):
    done = _run(frozen_app, ["--smoke-test"], tmp_path, tmp_path / "user-data")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "smoke test passed" in done.stdout


def test_frozen_run_sample_writes_results_and_report(frozen_app, tmp_path):
    results, report = tmp_path / "results.json", tmp_path / "report.xlsx"
    done = _run(frozen_app, ["run", "--sample", "--simulations", "200", "--json", str(results), "--out", str(report)],
                tmp_path, tmp_path / "user-data")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Monte Carlo: 200 draws" in done.stdout
    document = json.loads(results.read_text(encoding="utf-8"))
    assert {"scenario", "inputs", "years", "providers"} <= set(document)
    assert len(document["providers"]) == 7  # the fictional sample system
    assert report.stat().st_size > 0


def test_frozen_app_bundles_its_resources_and_no_other_qt_binding(frozen_app):
    internal = frozen_app / "_internal"
    resources = internal / "strandrisk" / "resources"
    assert sorted(p.name for p in (resources / "sample").glob("*.xlsx"))
    assert (resources / "icons" / "strandrisk.png").is_file()
    for other in ("PyQt5", "PyQt6", "PySide2", "tkinter"):
        assert not (internal / other).exists(), f"{other} was bundled"
    assert not list(internal.rglob("translations/*.qm")), "Qt translations were bundled"


def test_frozen_app_reports_the_release_version(frozen_app, tmp_path):
    """The version comes from the bundled package metadata, the same source as the installer's."""
    import tomllib

    with open(REPO / "pyproject.toml", "rb") as fh:
        version = tomllib.load(fh)["project"]["version"]
    done = _run(frozen_app, ["--version"], tmp_path, tmp_path / "user-data")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"strandrisk {version}"
    assert (frozen_app / "_internal" / f"strandrisk-{version}.dist-info").is_dir()

"""The floors: core is pure (no Qt, no file formats), io never imports ui, and the app stays offline."""

import ast
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "desktop" / "strandrisk"
FORBIDDEN_IN_CORE = {"PySide6", "matplotlib", "openpyxl", "python_calamine", "pandas", "defusedxml", "xlsxwriter"}
NETWORK_MODULES = {"socket", "urllib", "http", "requests", "ftplib", "smtplib", "ssl", "httpx", "aiohttp"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                found.add(node.module)
            elif node.level and node.module:
                found.add("." * node.level + node.module)
    return found


def _modules(folder: str):
    return sorted((PACKAGE / folder).rglob("*.py"))


def test_core_imports_no_qt_and_no_file_format_library():
    for path in _modules("core"):
        for name in _imports(path):
            top = name.split(".")[0]
            assert top not in FORBIDDEN_IN_CORE, f"{path.name} imports {name}"
            assert not name.startswith("..io") and not name.startswith("..ui"), f"{path.name} imports {name}"


def test_io_never_imports_the_ui():
    for path in _modules("io"):
        for name in _imports(path):
            assert not name.startswith("..ui") and not name.startswith("strandrisk.ui"), f"{path.name} imports {name}"


def test_workspace_never_imports_the_ui_or_qt():
    for path in _modules("workspace"):
        for name in _imports(path):
            top = name.split(".")[0]
            assert top not in {"PySide6", "matplotlib"}, f"{path.name} imports {name}"
            assert not name.startswith("..ui") and not name.startswith("strandrisk.ui"), f"{path.name} imports {name}"


def test_core_imports_without_qt_loaded():
    code = ("import sys, strandrisk.core.engine, strandrisk.core.results, strandrisk.core.scenario;"
            "import importlib.util as u; "
            "mods = [m for m in ('PySide6', 'matplotlib', 'openpyxl', 'pandas') if m in sys.modules];"
            "print(','.join(mods))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_import_linter_contracts_hold():
    pytest.importorskip("importlinter")
    root = PACKAGE.parents[1]
    # The interpreter's scripts folder: beside python in a venv, Scripts\ beside python.exe in a Windows install.
    scripts = Path(sysconfig.get_path("scripts"))
    script = scripts / ("lint-imports.exe" if sys.platform == "win32" else "lint-imports")
    command = [str(script)] if script.exists() else [shutil.which("lint-imports") or "lint-imports"]
    run = subprocess.run(command + ["--config", str(root / "pyproject.toml")], capture_output=True, text=True,
                         cwd=root)
    assert run.returncode == 0 and "Contracts: 4 kept, 0 broken" in run.stdout, run.stdout + run.stderr


def test_no_module_imports_a_network_library():
    for path in PACKAGE.rglob("*.py"):
        for name in _imports(path):
            assert name.split(".")[0] not in NETWORK_MODULES, f"{path.relative_to(PACKAGE)} imports {name}"


def test_a_model_run_opens_no_network_connection(monkeypatch, tmp_path, capsys):
    import socket

    from strandrisk.cli import main

    def refuse(*args, **kwargs):
        raise AssertionError("StrandRisk tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    assert main(["run", "--sample", "--simulations", "200", "--json", str(tmp_path / "r.json")]) == 0

"""The release machinery without building it: build.spec, the Inno Setup script, the release workflow,
the pinned constraints, the icons, the version source, the frozen entry point and the smoke test.

Each file is parsed (Python AST, .iss sections, YAML) and every path it names is checked to exist, so a
renamed icon or moved script fails here rather than on the Windows release runner.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "build.spec"
ISS = REPO / "installer" / "strandrisk.iss"
WORKFLOW = REPO / ".github" / "workflows" / "release.yml"
CONSTRAINTS = REPO / "requirements" / "build-constraints.txt"
PYPROJECT = REPO / "pyproject.toml"
ICONS = REPO / "resources" / "icons"


def _load_tool(name: str):
    spec = importlib.util.spec_from_file_location(f"_tool_{name}", REPO / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pyproject() -> dict:
    with open(PYPROJECT, "rb") as fh:
        return tomllib.load(fh)


# build.spec --------------------------------------------------------------------------------------------

def _spec_tree() -> ast.Module:
    return ast.parse(SPEC.read_text(encoding="utf-8"), str(SPEC))


def _root_paths(tree: ast.AST) -> list[Path]:
    """Every `ROOT / "a" / "b"` expression in the spec, as a repository path."""
    found = []

    def chain(node) -> list[str] | None:
        if isinstance(node, ast.Name) and node.id == "ROOT":
            return []
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and isinstance(node.right, ast.Constant):
            head = chain(node.left)
            return None if head is None else head + [node.right.value]
        return None

    for node in ast.walk(tree):
        parts = chain(node)
        if parts:
            found.append(REPO.joinpath(*parts))
    return found


def _assigned(tree: ast.Module, name: str) -> ast.AST:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return node.value
    raise AssertionError(f"build.spec does not assign {name}")


def _calls(tree: ast.AST, func: str) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == func]


def _keyword(call: ast.Call, name: str):
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def test_spec_paths_exist():
    paths = _root_paths(_spec_tree())
    named = {p.relative_to(REPO).as_posix() for p in paths}
    assert {"resources/icons/strandrisk.ico", "tools/frozen_main.py", "desktop/strandrisk", "resources",
            "tools"} <= named
    missing = [str(p) for p in paths if not p.exists()]
    assert not missing, f"build.spec names paths that do not exist: {missing}"


def test_spec_is_onedir_windowed_without_upx_with_icon_and_version():
    tree = _spec_tree()
    (exe,) = _calls(tree, "EXE")
    options = {kw.arg: kw.value for kw in exe.keywords}
    assert ast.literal_eval(options["name"]) == "StrandRisk"
    assert ast.literal_eval(options["console"]) is False, "windowed"
    assert ast.literal_eval(options["exclude_binaries"]) is True, "onedir: binaries go to COLLECT, not the exe"
    assert ast.literal_eval(options["upx"]) is False
    assert isinstance(options["icon"], ast.Call) and isinstance(options["version"], ast.Call)
    (collect,) = _calls(tree, "COLLECT")
    assert ast.literal_eval(_keyword(collect, "upx")) is False
    assert ast.literal_eval(_keyword(collect, "name")) == "StrandRisk"
    assert not _calls(tree, "BUNDLE")


def test_spec_keeps_one_qt_binding_and_the_qtagg_backend():
    tree = _spec_tree()
    excludes = {n.value for n in ast.walk(_assigned(tree, "EXCLUDES")) if isinstance(n, ast.Constant)}
    assert {"PyQt5", "PyQt6", "PySide2", "tkinter"} <= excludes
    assert not any(name.startswith("PySide6") for name in excludes), "PySide6 modules are excluded via UNUSED_QT"
    unused_qt = set(ast.literal_eval(_assigned(tree, "UNUSED_QT")))
    assert not {"QtCore", "QtGui", "QtWidgets"} & unused_qt
    drop_dirs = ast.literal_eval(_assigned(tree, "DROP_QT_DIRS"))
    assert "translations" in drop_dirs
    (analysis,) = _calls(tree, "Analysis")
    backends = ast.literal_eval(_keyword(analysis, "hooksconfig"))["matplotlib"]["backends"]
    gui_backends = [b for b in backends if b.lower() not in {"agg", "pdf", "svg", "ps"}]
    assert gui_backends == ["QtAgg"]


def test_unused_qt_modules_are_not_imported_by_the_app():
    """The spec keeps any Qt module the app imports; this says when that happens, so the list is revisited."""
    unused = set(ast.literal_eval(_assigned(_spec_tree(), "UNUSED_QT")))
    used = set()
    for path in (REPO / "desktop" / "strandrisk").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("PySide6."):
                used.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                used.update(a.name.split(".")[1] for a in node.names if a.name.startswith("PySide6."))
    assert not used & unused, f"the app imports Qt modules build.spec lists as unused: {sorted(used & unused)}"


# version source ----------------------------------------------------------------------------------------

def test_version_source_matches_the_package_and_makes_a_valid_resource():
    import strandrisk

    version_info = _load_tool("version_info")
    version = version_info.project_version()
    assert version == _pyproject()["project"]["version"]
    assert strandrisk.__version__ == version, "reinstall (pip install -e .): the installed metadata is stale"
    text = version_info.version_resource(version)
    tree = ast.parse(text, mode="eval")
    assert isinstance(tree.body, ast.Call) and tree.body.func.id == "VSVersionInfo"
    assert f"filevers={version_info.version_tuple(version)}" in text
    assert f"StringStruct('ProductVersion', '{version}')" in text


@pytest.mark.parametrize("text, expected", [("0.1.0", (0, 1, 0, 0)), ("2.10", (2, 10, 0, 0)),
                                            ("1.2.3rc1", (1, 2, 3, 0)), ("4.5.6.7", (4, 5, 6, 7))])
def test_windows_version_numbers(text, expected):
    assert _load_tool("version_info").version_tuple(text) == expected


@pytest.mark.parametrize("bad", ["v1", "70000.0.0"])
def test_windows_version_numbers_refuse_what_windows_cannot_hold(bad):
    with pytest.raises(ValueError):
        _load_tool("version_info").version_tuple(bad)


# Inno Setup script -------------------------------------------------------------------------------------

def _iss() -> tuple[dict[str, list[str]], list[str]]:
    """Sections of the .iss (name -> entry lines) and its preprocessor lines."""
    sections: dict[str, list[str]] = {}
    preprocessor = []
    current = None
    for raw in ISS.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        if line.startswith("#"):
            preprocessor.append(line)
            continue
        match = re.fullmatch(r"\[(\w+)\]", line)
        if match:
            current = match.group(1)
            assert current not in sections, f"section [{current}] appears twice"
            sections[current] = []
            continue
        assert current is not None, f"entry outside a section: {line}"
        sections[current].append(line)
    return sections, preprocessor


def _iss_defines(preprocessor: list[str]) -> dict[str, str]:
    defines = {}
    for line in preprocessor:
        match = re.match(r'#define\s+(\w+)\s+"(.*)"$', line)
        if match:
            defines[match.group(1)] = match.group(2)
    return defines


def _entry(line: str) -> dict[str, str]:
    """Parameters of a section entry: Name: "x"; Flags: a b."""
    params = {}
    for key, value in re.findall(r'(\w+):\s*("(?:[^"]|"")*"|[^;]*)', line):
        params[key] = value.strip().strip('"')
    return params


def _directives(lines: list[str]) -> dict[str, str]:
    return {k.strip(): v.strip() for k, v in (line.split("=", 1) for line in lines)}


def _iss_path(text: str, defines: dict[str, str]) -> Path:
    text = re.sub(r"\{#(\w+)\}", lambda m: defines[m.group(1)], text)
    return (ISS.parent / text.replace("\\", "/")).resolve()


def test_iss_sections_and_setup():
    sections, preprocessor = _iss()
    assert {"Setup", "Tasks", "InstallDelete", "Files", "Icons", "Registry", "Run"} <= set(sections)
    setup = _directives(sections["Setup"])
    assert re.fullmatch(r"\{\{[0-9A-F-]{36}\}", setup["AppId"])
    assert setup["AppVersion"] == "{#AppVersion}"
    guard = preprocessor.index("#ifndef AppVersion")
    assert preprocessor[guard + 1].startswith("#error"), "building without /DAppVersion must fail"
    assert setup["PrivilegesRequired"] == "admin"
    assert {"dialog", "commandline"} <= set(setup["PrivilegesRequiredOverridesAllowed"].split())
    assert setup["DefaultDirName"].startswith("{autopf}")
    assert setup["ChangesAssociations"] == "yes"
    assert setup["UninstallDisplayIcon"] == "{app}\\{#AppExeName}"


def test_iss_paths_exist():
    sections, preprocessor = _iss()
    defines = _iss_defines(preprocessor)
    setup = _directives(sections["Setup"])
    assert _iss_path(setup["SetupIconFile"], defines) == (ICONS / "strandrisk.ico").resolve()
    assert (ICONS / "strandrisk.ico").is_file()
    # The payload is build.spec's output folder: dist/<COLLECT name>.
    (files,) = sections["Files"]
    source = _entry(files)["Source"]
    assert source == "{#SourceFolder}\\*"
    assert _iss_path(defines["SourceFolder"], defines) == (REPO / "dist" / "StrandRisk").resolve()
    # The project-file icon inside the installed folder is the one shipped in resources/icons.
    icon = defines["ProjectIcon"].replace("\\", "/")
    assert icon.startswith("_internal/strandrisk/resources/")
    assert (REPO / "resources" / icon.removeprefix("_internal/strandrisk/resources/")).is_file()


def test_iss_shortcuts_association_and_upgrade():
    sections, preprocessor = _iss()
    defines = _iss_defines(preprocessor)
    assert defines["AppExeName"] == "StrandRisk.exe"
    icons = [_entry(line) for line in sections["Icons"]]
    assert any(i["Name"].startswith("{autoprograms}") for i in icons)
    desktop = [i for i in icons if i["Name"].startswith("{autodesktop}")]
    assert desktop and desktop[0]["Tasks"] == "desktopicon"
    tasks = [_entry(line) for line in sections["Tasks"]]
    assert any(t["Name"] == "desktopicon" and "unchecked" in t.get("Flags", "") for t in tasks)
    registry = " ".join(sections["Registry"])
    assert "Software\\Classes\\.strandrisk" in registry
    assert "DefaultIcon" in registry and '""%1""' in registry
    assert all(_entry(line)["Root"] == "HKA" for line in sections["Registry"]), "HKA follows the install mode"
    deleted = [_entry(line)["Name"] for line in sections["InstallDelete"]]
    assert "{app}\\_internal" in deleted


# release workflow --------------------------------------------------------------------------------------

def _yaml_scalar(text: str):
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        return [_yaml_scalar(part) for part in text[1:-1].split(",") if part.strip()]
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def _strip_comment(line: str) -> str:
    quote = None
    for i, ch in enumerate(line):
        if ch in "\"'" and quote is None:
            quote = ch
        elif ch == quote:
            quote = None
        elif ch == "#" and quote is None and (i == 0 or line[i - 1] == " "):
            return line[:i].rstrip()
    return line.rstrip()


def parse_workflow_yaml(text: str):
    """A small YAML reader for block mappings, block sequences, literal blocks (|) and flow lists: what
    GitHub workflow files use. PyYAML is not a dependency of the project, so the test carries its own."""
    lines = text.splitlines()
    pos = 0

    def indent_of(line: str) -> int:
        return len(line) - len(line.lstrip(" "))

    def next_content(i: int) -> int:
        while i < len(lines) and not _strip_comment(lines[i]).strip():
            i += 1
        return i

    def literal(min_indent: int):
        nonlocal pos
        block = []
        while pos < len(lines) and (not lines[pos].strip() or indent_of(lines[pos]) >= min_indent):
            block.append(lines[pos][min_indent:] if lines[pos].strip() else "")
            pos += 1
        return "\n".join(block).rstrip("\n") + "\n"

    def value_after(rest: str, indent: int):
        nonlocal pos
        if rest == "|":
            start = next_content(pos)
            return literal(indent_of(lines[start]) if start < len(lines) else indent + 2)
        if rest:
            return _yaml_scalar(rest)
        start = next_content(pos)
        if start < len(lines) and (indent_of(lines[start]) > indent or
                                   (indent_of(lines[start]) == indent and lines[start].lstrip().startswith("- "))):
            pos = start
            return node(indent_of(lines[start]))
        return None

    def node(indent: int):
        nonlocal pos
        pos = next_content(pos)
        if pos < len(lines) and lines[pos].lstrip().startswith("- "):
            return sequence(indent)
        return mapping(indent)

    def mapping(indent: int, first: str | None = None):
        nonlocal pos
        result = {}
        while True:
            if first is None:
                pos = next_content(pos)
                if pos >= len(lines) or indent_of(lines[pos]) != indent or lines[pos].lstrip().startswith("- "):
                    return result
                line = _strip_comment(lines[pos]).strip()
                pos += 1
            else:
                line, first = first, None
            key, sep, rest = line.partition(":")
            assert sep, f"not a mapping entry: {line!r}"
            result[_yaml_scalar(key)] = value_after(rest.strip(), indent)

    def sequence(indent: int):
        nonlocal pos
        items = []
        while True:
            pos = next_content(pos)
            if pos >= len(lines) or indent_of(lines[pos]) != indent or not lines[pos].lstrip().startswith("- "):
                return items
            item = _strip_comment(lines[pos]).strip()[2:]
            pos += 1
            if re.match(r"^[\w.-]+:(\s|$)", item):
                items.append(mapping(indent + 2, first=item))
            else:
                items.append(_yaml_scalar(item))

    return node(0)


def _workflow() -> dict:
    return parse_workflow_yaml(WORKFLOW.read_text(encoding="utf-8"))


def test_small_yaml_reader_agrees_with_pyyaml_when_available():
    yaml = pytest.importorskip("yaml")
    ours = _workflow()
    theirs = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    theirs["on"] = theirs.pop(True)  # YAML 1.1 reads the key `on` as a boolean
    assert ours == theirs


def test_workflow_builds_tests_signs_and_uploads_on_windows():
    workflow = _workflow()
    assert set(workflow["on"]) == {"push", "workflow_dispatch"}
    (job,) = workflow["jobs"].values()
    assert job["runs-on"].startswith("windows")
    steps = job["steps"]
    scripts = "\n".join(s.get("run", "") for s in steps)
    uses = [s["uses"] for s in steps if "uses" in s]
    assert all(re.search(r"@v\d+$", u) for u in uses), f"actions must be pinned to a version: {uses}"
    order = [
        "-c requirements/build-constraints.txt",
        "python -m pytest",
        "PyInstaller --noconfirm --clean build.spec",
        "signtool",
        "--smoke-test",
        "Compress-Archive",
        "installer\\strandrisk.iss",
    ]
    positions = [scripts.find(marker) for marker in order]
    assert -1 not in positions, dict(zip(order, positions))
    assert positions == sorted(positions), "install, test, build, sign, smoke test, zip, installer: in that order"
    assert "UNSIGNED" in scripts and "::warning" in scripts, "an unsigned build must say so in the log"
    assert "/DSign" in scripts and "SignedUninstaller=yes" in ISS.read_text(encoding="utf-8")
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert "setup.exe" in upload["with"]["path"] and "portable.zip" in upload["with"]["path"]


def test_workflow_paths_exist():
    scripts = "\n".join(s.get("run", "") for s in _workflow()["jobs"]["windows-installer"]["steps"])
    named = set(re.findall(r"(?<![\w$%/\\])((?:tools|installer|requirements)[/\\][\w./\\-]+|build\.spec)", scripts))
    assert {"build.spec", "tools/version_info.py", "requirements/build-constraints.txt",
            "installer\\strandrisk.iss"} <= named
    missing = [p for p in named if not (REPO / p.replace("\\", "/")).exists()]
    assert not missing, f"the workflow names files that do not exist: {missing}"


# constraints -------------------------------------------------------------------------------------------

def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    pins = {}
    for raw in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][0-9A-Za-z.+!-]*)", line)
        assert match, f"constraint is not an exact pin: {line!r}"
        name = _canonical(match.group(1))
        assert name not in pins, f"{name} is pinned twice"
        pins[name] = match.group(2)
    return pins


def test_constraints_pin_every_declared_dependency_within_its_range():
    from packaging.requirements import Requirement

    pins = _pins()
    project = _pyproject()["project"]
    declared = list(project["dependencies"])
    for extra in ("test", "build", "bench"):
        declared += project["optional-dependencies"][extra]
    for text in declared:
        req = Requirement(text)
        name = _canonical(req.name)
        assert name in pins, f"{req.name} (pyproject.toml) is not pinned in {CONSTRAINTS.name}"
        assert req.specifier.contains(pins[name], prereleases=True), f"{name}=={pins[name]} is outside {req.specifier}"


def test_constraints_pin_what_the_pinned_packages_need():
    """For each pinned package installed at its pinned version, its own requirements (Linux or Windows)."""
    from importlib.metadata import PackageNotFoundError, distribution

    from packaging.markers import default_environment
    from packaging.requirements import Requirement

    pins = _pins()
    unpinned = set()
    for name, version in pins.items():
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue
        if dist.version != version:
            continue
        for text in dist.requires or []:
            req = Requirement(text)
            for platform in ("linux", "win32"):
                env = dict(default_environment(), sys_platform=platform, extra="")
                if req.marker is None or req.marker.evaluate(env):
                    if _canonical(req.name) not in pins:
                        unpinned.add(f"{req.name} (needed by {name})")
    assert not unpinned, f"not pinned: {sorted(unpinned)}"


# icons and the frozen entry point ----------------------------------------------------------------------

def test_icons_have_the_sizes_windows_uses():
    from PIL import Image

    for stem in ("strandrisk", "strandrisk-project"):
        with Image.open(ICONS / f"{stem}.png") as png:
            assert png.size == (256, 256)
        with Image.open(ICONS / f"{stem}.ico") as ico:
            assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(ico.info["sizes"])
    assert (REPO / "tools" / "make_icon.py").is_file()


def test_frozen_entry_routes_files_to_the_app_and_commands_to_the_cli():
    from strandrisk.cli import build_parser

    frozen_main = _load_tool("frozen_main")
    subcommands = next(a for a in build_parser()._actions if a.dest == "command").choices
    assert frozen_main.COMMANDS == set(subcommands)
    assert frozen_main.route([]) == []
    assert frozen_main.route(["C:\\Finance\\plan.strandrisk"]) == ["gui", "C:\\Finance\\plan.strandrisk"]
    assert frozen_main.route(["--smoke-test"]) == ["--smoke-test"]
    assert frozen_main.route(["run", "--sample"]) == ["run", "--sample"]


# the smoke test from source ----------------------------------------------------------------------------

@pytest.mark.gui
def test_smoke_test_passes_from_source(qapp, capsys):
    from strandrisk.ui.smoke import run_smoke_test

    assert run_smoke_test() == 0
    out = capsys.readouterr().out
    assert "reopen the report and check its sheets: ok" in out
    assert "smoke test passed" in out
    # No log file is left open in the smoke test's removed temporary folder (Windows could not remove it).
    import logging

    open_logs = [h.baseFilename for h in logging.getLogger("strandrisk").handlers if hasattr(h, "baseFilename")]
    assert all(Path(name).exists() for name in open_logs)


def test_the_log_file_is_closed_for_its_folder_to_be_removed(tmp_path, monkeypatch):
    import logging

    from strandrisk.logs import close_logging, configure_logging

    logger = logging.getLogger("strandrisk")
    kept = list(logger.handlers)
    for handler in kept:
        logger.removeHandler(handler)
    try:
        monkeypatch.setenv("STRANDRISK_DATA_DIR", str(tmp_path / "data"))
        path = configure_logging()
        logger.warning("written before closing")
        close_logging(tmp_path / "elsewhere")  # a log outside the folder named stays open
        assert [h.baseFilename for h in logger.handlers] == [str(path)]
        handler = logger.handlers[0]
        close_logging(tmp_path)
        assert logger.handlers == [] and handler.stream is None
        assert "written before closing" in path.read_text(encoding="utf-8")
        path.unlink()  # Windows refuses this while the file is open
    finally:
        close_logging(tmp_path)
        for handler in kept:
            logger.addHandler(handler)


@pytest.mark.gui
def test_smoke_test_fails_with_the_step_and_reason(qapp, capsys, monkeypatch):
    from strandrisk.ui import main_window
    from strandrisk.ui.smoke import run_smoke_test

    def broken(self, wait=True):
        raise main_window.JobFailed("the sample workbook could not be read")

    monkeypatch.setattr(main_window.MainWindow, "open_sample", broken)
    assert run_smoke_test() == 1
    out = capsys.readouterr().out
    assert "FAILED at 'import the built-in sample'" in out
    assert "the sample workbook could not be read" in out

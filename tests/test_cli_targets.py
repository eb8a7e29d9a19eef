"""The command line never destroys its inputs (issue 17): --json, --out and template refuse the project, any
file read, the wrong kind of file and existing files (template, without --force); full disks, read-only
files and missing folders are one plain line and a non-zero exit. Every refused file is left byte for byte."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from strandrisk.cli import main
from tests.fault_harness import full_disk  # noqa: F401 - a fixture


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_plain_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err and "Error:" not in err.replace("error:", "")
    return lines[0]


@pytest.fixture
def project(tmp_path, sample_copy):
    """A saved project whose spreadsheets are the sample's copied beside it."""
    from strandrisk.workspace import Workspace

    ws = Workspace()
    ws.import_task([str(p) for p in sample_copy]).run(lambda *_: None)
    path = tmp_path / "P.strandrisk"
    ws.save(path)
    return path


def _refused(argv, protected, capsys, words):
    before = {p: _digest(p) for p in protected}
    code = main([str(a) for a in argv])
    line = _one_plain_line(capsys.readouterr().err)
    assert code == 2, line
    assert words in line, line
    assert {p: _digest(p) for p in protected} == before


def test_run_refuses_to_write_over_the_project(project, capsys):
    _refused(["run", project, "--saved-data", "--simulations", "0", "--json", project], [project], capsys,
             "not a .strandrisk file")
    _refused(["run", project, "--saved-data", "--simulations", "0", "--out", project], [project], capsys,
             "ending .xlsx")


def test_run_refuses_to_write_over_an_input_of_the_project(project, sample_copy, capsys):
    workbook = sample_copy[0]
    assert workbook.suffix == ".xlsx"
    _refused(["run", project, "--simulations", "0", "--out", workbook], [workbook, project], capsys,
             "a file this command reads")


def test_run_refuses_an_input_by_another_path_or_a_hard_link(sample_copy, tmp_path, capsys, monkeypatch):
    workbook = sample_copy[0]
    monkeypatch.chdir(tmp_path)
    _refused(["run", workbook, "--simulations", "0", "--out", f"./{workbook.name}"], [workbook], capsys,
             "a file this command reads")
    link = tmp_path / "linked.xlsx"
    try:
        os.link(workbook, link)
    except OSError:
        pytest.skip("no hard links on this file system")
    _refused(["run", workbook, "--simulations", "0", "--out", link], [workbook], capsys, "a file this command reads")


def test_run_refuses_json_over_a_spreadsheet_or_its_scenario_file(sample_copy, tmp_path, capsys):
    workbook = sample_copy[0]
    _refused(["run", workbook, "--simulations", "0", "--json", workbook], [workbook], capsys, "not a .xlsx file")
    scenario = tmp_path / "scenario.json"
    scenario.write_text('{"name": "Mine"}', encoding="utf-8")
    _refused(["run", workbook, "--scenario", scenario, "--simulations", "0", "--json", scenario],
             [workbook, scenario], capsys, "a file this command reads")


def test_run_refuses_a_report_named_as_a_project(tmp_path, capsys):
    existing = tmp_path / "P.strandrisk"
    existing.write_bytes(b"a project")
    _refused(["run", "--sample", "--simulations", "0", "--out", existing], [existing], capsys, "ending .xlsx")


def test_json_and_out_cannot_be_the_same_file(tmp_path, capsys):
    code = main(["run", "--sample", "--simulations", "0", "--json", str(tmp_path / "r.xlsx"),
                 "--out", str(tmp_path / "r.xlsx")])
    assert code == 2 and not (tmp_path / "r.xlsx").exists()
    _one_plain_line(capsys.readouterr().err)


def test_template_refuses_an_existing_file_unless_forced(tmp_path, capsys):
    book = tmp_path / "Book.xlsx"
    book.write_bytes(b"my workbook")
    _refused(["template", book], [book], capsys, "--force")
    assert main(["template", str(book), "--force"]) == 0
    assert book.read_bytes()[:2] == b"PK"
    _refused(["template", tmp_path / "t.strandrisk"], [], capsys, "ending .xlsx")


def test_a_read_only_target_is_never_replaced(tmp_path, capsys):
    results, report, book = tmp_path / "r.json", tmp_path / "r.xlsx", tmp_path / "t.xlsx"
    for path in (results, report, book):
        path.write_bytes(b"read-only content")
        os.chmod(path, 0o444)
    for argv, path in ((["run", "--sample", "--simulations", "0", "--json", results], results),
                       (["run", "--sample", "--simulations", "0", "--out", report], report),
                       (["template", book, "--force"], book)):
        code = main([str(a) for a in argv])
        err = capsys.readouterr().err
        assert code == 2 and "read-only" in _one_plain_line(err)
        assert path.read_bytes() == b"read-only content"
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".~")] == []


def test_missing_folder_targets(tmp_path, capsys):
    gone = tmp_path / "gone"
    for argv in (["run", "--sample", "--simulations", "0", "--json", gone / "r.json"],
                 ["run", "--sample", "--simulations", "0", "--out", gone / "r.xlsx"],
                 ["template", gone / "t.xlsx"]):
        code = main([str(a) for a in argv])
        assert code == 2 and "does not exist" in _one_plain_line(capsys.readouterr().err)
    assert not gone.exists()


def test_full_disk_targets_are_one_line(tmp_path, capsys, full_disk):
    for argv in (["run", "--sample", "--simulations", "0", "--json", tmp_path / "r.json"],
                 ["run", "--sample", "--simulations", "0", "--out", tmp_path / "r.xlsx"],
                 ["template", tmp_path / "t.xlsx"]):
        code = main([str(a) for a in argv])
        err = capsys.readouterr().err
        assert code == 2 and "disk is full" in _one_plain_line(err), err
    assert [p.name for p in tmp_path.iterdir()] == []


def test_refusal_through_the_real_command_has_no_traceback(project):
    """The installed entry point, as a user runs it: the refusal is the only line on stderr."""
    before = _digest(project)
    done = subprocess.run([sys.executable, "-m", "strandrisk", "run", str(project), "--saved-data",
                           "--simulations", "0", "--json", str(project)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert _one_plain_line(done.stderr).startswith("strandrisk: error: ")
    assert _digest(project) == before


def test_run_accepts_an_ordinary_new_target(project, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(project, out / "copy.strandrisk")
    assert main(["run", str(project), "--saved-data", "--simulations", "0", "--json", str(out / "r.json"),
                 "--out", str(out / "r.xlsx")]) == 0
    assert (out / "r.json").stat().st_size > 1000 and (out / "r.xlsx").stat().st_size > 10_000

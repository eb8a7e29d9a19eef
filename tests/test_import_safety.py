"""Hostile and broken files get one clear line (exit 2 from check), never a traceback or a hang."""

import io
import time
import zipfile

import pytest

from strandrisk.io.spreadsheets import readers
from strandrisk.io.spreadsheets import worker
from strandrisk.io.spreadsheets.check import run_check
from strandrisk.io.spreadsheets.load import ImportFailure, load_inputs

from .reader_targets import fork_only

CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def _fail(path) -> str:
    with pytest.raises(ImportFailure) as err:
        load_inputs([path])
    message = str(err.value)
    assert "\n" not in message and message.startswith(path.name)
    return message


def _zip(path, entries):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return path


def test_defusedxml_protection_is_checked_at_start_up():
    worker.check_xml_protection.cache_clear()
    worker.check_xml_protection()  # raises WorkerFailure if entity bombs were not refused


def test_zip_bomb_is_refused_before_parsing(tmp_path):
    path = _zip(tmp_path / "bomb.xlsx", [("[Content_Types].xml", CONTENT_TYPES),
                                         ("xl/workbook.xml", b"<workbook/>"),
                                         ("xl/worksheets/sheet1.xml", b"\0" * (30 << 20))])
    assert "compressed suspiciously well" in _fail(path)


def test_duplicate_zip_entries_are_refused(tmp_path):
    with pytest.warns(UserWarning):
        path = _zip(tmp_path / "dup.xlsx", [("xl/workbook.xml", b"<a/>"), ("xl/workbook.xml", b"<b/>")])
    assert "twice" in _fail(path)


def test_too_many_zip_entries_are_refused(tmp_path):
    """One part more than the reader's real limit (nothing patched: a Windows reader process starts fresh)."""
    n = readers.MAX_ZIP_ENTRIES + 1
    path = _zip(tmp_path / "many.xlsx", [(f"x/{i}.xml", b"<a/>") for i in range(n)])
    assert f"has {n:,} parts inside, more than any real workbook" in _fail(path)


def test_xml_entity_bomb_is_refused(tmp_path):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
            b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol2;</workbook>')
    path = _zip(tmp_path / "entities.xlsx", [("[Content_Types].xml", CONTENT_TYPES), ("xl/workbook.xml", bomb)])
    assert "unsafe" in _fail(path)


@pytest.mark.parametrize("name, data, words", [
    ("empty.xlsx", b"", "is empty"),
    ("page.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>", "web page"),
    ("word.xlsx", None, "Word document"),
    ("plain.zip", None, "zip archive"),
    ("secret.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le") + b"\0" * 600,
     "password-protected: remove the password in Excel"),
    ("truncated.xlsx", b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "damaged"),
    ("picture.xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "not a spreadsheet"),
])
def test_wrong_and_broken_files_give_one_line(tmp_path, name, data, words):
    path = tmp_path / name
    if name == "word.xlsx":
        _zip(path, [("[Content_Types].xml", CONTENT_TYPES), ("word/document.xml", b"<w/>")])
    elif name == "plain.zip":
        _zip(path, [("notes.txt", b"hello")])
    else:
        path.write_bytes(data)
    assert words in _fail(path)
    assert run_check([path], out=io.StringIO()) == 2


def test_missing_file_is_exit_2(tmp_path, capsys):
    assert run_check([tmp_path / "nope.xlsx"]) == 2
    assert "file not found" in capsys.readouterr().err


def test_csv_saved_as_xls_is_read_as_csv(tmp_path):
    path = tmp_path / "cash.xls"
    path.write_text("provider_code,period_end,cash_gbp_k\nZX1,31/03/2026,42000\n", encoding="utf-8")
    result = load_inputs([path])
    assert result.inputs.cash_balances.n_rows == 1 and "read as CSV" in result.sheets[0].notes[0]


@fork_only
def test_a_hanging_reader_is_stopped(tmp_path, monkeypatch):
    monkeypatch.delenv("STRANDRISK_IMPORT_INPROCESS", raising=False)
    monkeypatch.setattr(worker, "TIME_LIMIT_SECONDS", 1.0)
    monkeypatch.setattr(worker, "_process", lambda *a: time.sleep(30))
    path = tmp_path / "slow.csv"
    path.write_text("a,b\n1,2\n")
    started = time.monotonic()
    assert "took longer than" in _fail(path)
    assert time.monotonic() - started < 10


@fork_only
def test_a_reader_exhausting_memory_only_takes_down_the_worker(tmp_path, monkeypatch):
    monkeypatch.delenv("STRANDRISK_IMPORT_INPROCESS", raising=False)
    monkeypatch.setattr(worker, "MEMORY_LIMIT_BYTES", 1 << 30)

    def greedy(*args):
        hog = [bytearray(1 << 26) for _ in range(64)]  # 4 GB
        return hog

    monkeypatch.setattr(worker, "_process", greedy)
    path = tmp_path / "greedy.csv"
    path.write_text("a,b\n1,2\n")
    message = _fail(path)
    assert "memory" in message


def test_inputs_are_never_written(tmp_path):
    from .fixtures_messy import write_messy_set

    paths = write_messy_set(tmp_path)
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in paths}
    load_inputs(paths)
    assert before == {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in paths}

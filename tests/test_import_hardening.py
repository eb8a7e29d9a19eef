"""Issue 14: each finding of the fuzzing run of `strandrisk check`, as a regression test on a generated file.

1 a hang on a long run of spaces; 2 memory beyond 1.5 GB; 3 absurd values accepted in silence;
4 "usable" when the model cannot run; 5 rows lost without a word in .ods; 6 reader failures shown as
internals. Files are generated here; the corpus is only read (when ../shared is present).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from openpyxl import Workbook

from strandrisk.cli import main
from strandrisk.io.spreadsheets import readers
from strandrisk.io.spreadsheets import worker
from strandrisk.io.spreadsheets.check import run_check
from strandrisk.io.spreadsheets.load import ImportFailure, load_inputs
from strandrisk.io.spreadsheets.mapping import normalise_header

from . import odsgen
from .reader_targets import SPAWNS, fork_only
from .conftest import SHARED

CORPUS = SHARED / "corpus"
CLASS_NAME = re.compile(r"\b\w*(Error|Exception)\b|BadZipFile|Errno|Traceback")

PROVIDERS_CSV = "Provider code,Operating income,Operating expenditure\nZX1,100,90\n"
CASH_CSV = "Provider code,Period end,Cash balance\nZX1,31/03/2026,50\n"


def _fail(path) -> str:
    with pytest.raises(ImportFailure) as err:
        load_inputs([path])
    message = str(err.value)
    assert "\n" not in message and not CLASS_NAME.search(message), message
    return message


def _errors(result) -> list:
    return [p for p in result.problems if p.severity == "error"]


# 1. Text operations on cells are linear ---------------------------------------------------------------

def test_a_long_run_of_spaces_is_answered_within_the_readers_limit(tmp_path, monkeypatch):
    """Before: 'North' + 40,000 spaces + 'moor' took 119 s (quadratic unit patterns). The worker's own
    time limit is lowered to 20 s: a hang would come back as 'took longer', exit 2."""
    monkeypatch.setattr(worker, "TIME_LIMIT_SECONDS", 20.0)
    path = tmp_path / "providers.csv"
    path.write_text("Provider code,Provider name,Operating income,Operating expenditure\n"
                    f"ZX1,North{' ' * 40_000}moor,100,90\n", encoding="utf-8")
    result = load_inputs([path])
    assert result.inputs.providers.n_rows == 1
    quoted = tmp_path / "quoted.csv"  # found by the campaign: the separator sniffer on a line with quotes
    quoted.write_text(f'a,b\nNorth{" " * 40_000}moor,"ha ""ha"" ha"\n3,4\n', encoding="utf-8")
    assert run_check([quoted], out=io.StringIO()) == 1  # read, nothing recognised; a hang would be exit 2
    # the cell is cut to a header's length before any pattern sees it: linear whatever the run of spaces
    assert normalise_header("North" + " " * 40_000 + "moor") == "north"
    assert normalise_header("Cash balance" + " " * 40_000 + "(£m)") == normalise_header("Cash balance")


# 2. Memory: extents checked before the reader allocates, and a 1.5 GB limit --------------------------

def _xlsx_with_extra_cell(path, ref: str, row: int):
    wb = Workbook()
    ws = wb.active
    ws.title = "Providers"
    ws.append(["Provider code", "Operating income", "Operating expenditure"])
    ws.append(["ZX1", 100, 90])
    wb.save(path)
    with zipfile.ZipFile(path) as zin:
        parts = {i.filename: zin.read(i.filename) for i in zin.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(
        b"</sheetData>", f'<row r="{row}"><c r="{ref}" t="n"><v>5</v></c></row></sheetData>'.encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)
    return path


@pytest.mark.parametrize("ref, row, words", [
    ("ZZZZ3", 3, "beyond Excel's last cell"),
    ("A99999999", 99999999, "beyond Excel's last cell"),
    ("XFD1048576", 1048576, "1,048,576 rows by 16,384 columns"),
])
def test_cells_far_outside_excel_are_refused_before_reading(tmp_path, ref, row, words):
    message = _fail(_xlsx_with_extra_cell(tmp_path / "far.xlsx", ref, row))
    assert "too large or damaged" in message and words in message and ref in message
    assert "sheet 'Providers'" in message


def test_a_value_in_column_ALL_is_still_read(tmp_path):
    """Three-letter columns within the limits are read (and columns beyond 1,000 cut with a warning)."""
    result = load_inputs([_xlsx_with_extra_cell(tmp_path / "wide.xlsx", "AAA2", 2)])
    assert result.inputs.providers.n_rows == 1


@fork_only
def test_a_file_that_needs_too_much_memory_is_answered_too_large(tmp_path, monkeypatch):
    """With the extent check switched off (in the forked reader too), the reader asks for 512 GB: the
    1.5 GB limit stops it and the user reads 'too large or damaged', not a crash."""
    monkeypatch.setattr(readers, "_check_extent", lambda zf, part, sheet: None)
    assert worker.MEMORY_LIMIT_BYTES <= 1536 << 20
    message = _fail(_xlsx_with_extra_cell(tmp_path / "huge.xlsx", "XFD1048576", 1048576))
    assert "too large or damaged" in message


def test_ods_row_repeated_two_million_times_is_capped_with_a_warning(tmp_path):
    path = odsgen.write_ods(tmp_path / "rep.ods", {"Providers": [
        odsgen.PROVIDER_HEADER, odsgen.provider_row("ZX1", 2_000_000)]})
    result = load_inputs([path])
    assert result.inputs.providers.n_rows == readers.MAX_REPEAT_COPIES
    warnings = [p.message for p in result.problems if p.severity == "warning"]
    assert any("repeated 2,000,000 times" in w and "first 1,000 copies" in w for w in warnings)


def test_corpus_ods_repeat_bomb_is_capped(tmp_path):
    path = CORPUS / "calamine/issue_594_dos.ods"
    if not path.exists():
        pytest.skip("corpus not present")
    result = load_inputs([path])
    assert any("repeated 999,999,999 times" in p.message for p in result.problems)
    assert any("first 1,000 columns" in p.message for p in result.problems)


# 3. Absurd values are errors naming the cell --------------------------------------------------------

def _providers_xlsx(path, rows, header=("Provider code", "Operating income", "Operating expenditure",
                                        "Capital expenditure")):
    wb = Workbook()
    ws = wb.active
    ws.title = "Providers"
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


def _cash(tmp_path):
    path = tmp_path / "cash.csv"
    path.write_text(CASH_CSV, encoding="utf-8")
    return path


def test_income_of_1e308_is_an_error_at_its_cell(tmp_path):
    result = load_inputs([_providers_xlsx(tmp_path / "p.xlsx", [("ZX1", 1e308, 90, 5)]), _cash(tmp_path)])
    errors = _errors(result)
    assert [(e.sheet, e.cell) for e in errors] == [("Providers", "B2")]
    assert "trust's accounts" in errors[0].message


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-inf", "#N/A"])
def test_nan_inf_and_na_as_text_are_errors_never_blanks(tmp_path, text):
    for path in (_providers_xlsx(tmp_path / "p.xlsx", [("ZX1", 100, 90, text)]),
                 tmp_path / "p.csv"):
        if path.suffix == ".csv":
            path.write_text("Provider code,Operating income,Operating expenditure,Capital expenditure\n"
                            f"ZX1,100,90,{text}\n", encoding="utf-8")
        result = load_inputs([path, _cash(tmp_path)])
        assert [(e.sheet, e.cell) for e in _errors(result)] == [(path.stem if path.suffix == ".csv" else
                                                                 "Providers", "D2")], path.suffix


@pytest.mark.parametrize("value", [dt.date(9999, 12, 31), 1, "31/12/1899", "9999-12-31"])
def test_cash_dates_outside_2000_to_2100_are_errors(tmp_path, value):
    wb = Workbook()
    ws = wb.active
    ws.title = "Cash"
    ws.append(["Provider code", "Period end", "Cash balance"])
    ws.append(["ZX1", dt.date(2026, 3, 31), 50])
    ws.append(["ZX1", value, 60])
    wb.save(tmp_path / "cash.xlsx")
    prov = tmp_path / "p.csv"
    prov.write_text(PROVIDERS_CSV, encoding="utf-8")
    result = load_inputs([prov, tmp_path / "cash.xlsx"])
    cells = [(e.sheet, e.cell) for e in _errors(result)]
    assert ("Cash", "B3") in cells and all(cell.endswith("3") for _, cell in cells)  # and "no date" at A3


@pytest.mark.parametrize("value", ["0000/01", "2025.5", "45000", 2025.5, 45000, "2101/02", 1999])
def test_financial_years_are_never_date_serials_nor_outside_2000_to_2100(tmp_path, value):
    prov = tmp_path / "p.csv"
    prov.write_text(PROVIDERS_CSV, encoding="utf-8")
    wb = Workbook()
    ws = wb.active
    ws.title = "Cash"
    ws.append(["Provider code", "Financial year", "Month", "Cash balance"])
    ws.append(["ZX1", "2025/26", "M12", 50])
    ws.append(["ZX1", value, "M11", 60])
    wb.save(tmp_path / "cash.xlsx")
    csv = tmp_path / "cash.csv"
    csv.write_text(f"Provider code,Financial year,Month,Cash balance\nZX1,2025/26,M12,50\nZX1,{value},M11,60\n",
                   encoding="utf-8")
    for path, sheet in ((tmp_path / "cash.xlsx", "Cash"), (csv, "cash")):
        cells = [(e.sheet, e.cell) for e in _errors(load_inputs([prov, path]))]
        assert (sheet, "B3") in cells and all(cell.endswith("3") for _, cell in cells), (path.suffix, cells)


def test_plain_years_and_labels_still_read(tmp_path):
    prov = tmp_path / "p.csv"
    prov.write_text(PROVIDERS_CSV, encoding="utf-8")
    csv = tmp_path / "cash.csv"
    csv.write_text("Provider code,Financial year,Month,Cash balance\nZX1,2025/26,M12,50\nZX1,2024,M12,40\n"
                   "ZX1,FY2023/24,M12,30\n", encoding="utf-8")
    result = load_inputs([prov, csv])
    assert not result.has_errors
    assert sorted(result.inputs.cash_balances["financial_year"].tolist()) == [2023, 2024, 2025]


# 4. check exits 0 only when the model can run ---------------------------------------------------------

def test_blank_template_exits_1_and_says_what_is_missing(tmp_path, capsys):
    assert main(["template", str(tmp_path / "t.xlsx")]) == 0
    capsys.readouterr()
    assert run_check([tmp_path / "t.xlsx"]) == 1
    out = capsys.readouterr().out
    assert "no providers in the files read (t.xlsx:" in out
    assert "no cash balances with dates in the files read (t.xlsx:" in out


def test_errors_about_the_system_name_the_files_read(tmp_path):
    cash = _cash(tmp_path)
    other = tmp_path / "notes.csv"
    other.write_text("Anything,Else\n1,2\n", encoding="utf-8")
    errors = _errors(load_inputs([cash, other]))
    system = [e for e in errors if not e.file]
    assert len(system) == 1
    assert system[0].message.startswith("no providers in the files read (cash.csv: cash, 1 data rows; "
                                        "notes.csv: nothing recognised)")
    assert [e.file for e in errors if e.file] == ["notes.csv"]  # and the file itself says what was looked for


def test_check_and_run_apply_the_same_test(tmp_path):
    prov = tmp_path / "p.csv"
    prov.write_text(PROVIDERS_CSV, encoding="utf-8")
    assert run_check([prov, _cash(tmp_path)]) == 0
    assert main(["run", str(prov), str(_cash(tmp_path)), "--simulations", "0"]) == 0
    assert run_check([_cash(tmp_path)]) == 1
    assert main(["run", str(_cash(tmp_path)), "--simulations", "0"]) == 1


# 5. Rows are never lost without a word in .ods ---------------------------------------------------------

def test_ods_row_repeated_zero_times_is_read_once(tmp_path):
    path = odsgen.write_ods(tmp_path / "zero.ods", {"Providers": [
        odsgen.PROVIDER_HEADER, odsgen.provider_row("RAA", 0), odsgen.provider_row("RBB")]})
    result = load_inputs([path])
    assert result.inputs.providers["provider_code"].tolist() == ["RAA", "RBB"]
    assert any("repeated 0 times" in n for s in result.sheets for n in s.notes)


def test_ods_row_after_two_million_blank_rows_is_a_warning_not_a_silent_loss(tmp_path):
    path = odsgen.write_ods(tmp_path / "far.ods", {"Providers": [
        odsgen.PROVIDER_HEADER, odsgen.provider_row("RAA"), odsgen.blank_rows(2_000_000),
        odsgen.provider_row("RZZ")]})
    result = load_inputs([path])
    assert result.inputs.providers["provider_code"].tolist() == ["RAA"]
    assert any(p.severity == "warning" and "1 more rows with data" in p.message for p in result.problems)


def test_ods_rows_after_a_long_blank_run_within_the_cap_are_read(tmp_path):
    path = odsgen.write_ods(tmp_path / "gap.ods", {"Providers": [
        odsgen.PROVIDER_HEADER, odsgen.provider_row("RAA"), odsgen.blank_rows(100_000),
        odsgen.provider_row("RZZ")]})
    result = load_inputs([path])
    assert result.inputs.providers["provider_code"].tolist() == ["RAA", "RZZ"]
    assert result.inputs.providers.source_row.tolist() == [2, 100_003]


def test_ods_hidden_sheet_and_text_features(tmp_path):
    cells = ['<table:table-cell office:value-type="string"><text:p>Z<text:s text:c="0"/>X1</text:p>'
             '<office:annotation><text:p>a comment</text:p></office:annotation></table:table-cell>',
             odsgen.number_cell(100), odsgen.number_cell(90)]
    path = odsgen.write_ods(tmp_path / "t.ods", {"Providers": [odsgen.PROVIDER_HEADER, odsgen.row(cells)],
                                                 "Old": [odsgen.PROVIDER_HEADER, odsgen.provider_row("OLD")]},
                            hidden=("Old",))
    result = load_inputs([path])
    assert result.inputs.providers["provider_code"].tolist() == ["Z X1".replace(" ", "")]
    assert any("hidden sheet ignored" in n for s in result.sheets for n in s.notes)


# 6. Reader failures in the user's words ----------------------------------------------------------------

def test_xlsb_is_refused_with_save_as_xlsx(tmp_path):
    path = tmp_path / "book.xlsb"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.bin", b"\x83\x01\x00")
    assert "save it as .xlsx" in _fail(path)
    simple = CORPUS / "poi/Simple.xlsb"
    if simple.exists():
        assert "save it as .xlsx" in _fail(simple)


def test_reader_panic_is_caught_as_such(tmp_path, monkeypatch):
    """python-calamine raises pyo3's PanicException, a BaseException that `except Exception` misses."""
    import python_calamine as pc

    class PanicException(BaseException):
        pass

    def panic(path):
        raise PanicException("called `Option::unwrap()` on a `None` value")

    monkeypatch.setattr(pc.CalamineWorkbook, "from_path", staticmethod(panic))
    path = _providers_xlsx(tmp_path / "p.xlsx", [("ZX1", 100, 90, 5)])
    # The patch reaches a forked reader process only; test_reader_limits.py tests a panic there spawn-safely.
    for inprocess in ("1",) if SPAWNS else ("1", "0"):
        monkeypatch.setenv("STRANDRISK_IMPORT_INPROCESS", inprocess)
        message = _fail(path)
        assert "damaged or not a real xlsx file" in message and "Panic" not in message


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-16"])
def test_utf16_csv_with_or_without_bom(tmp_path, codec):
    path = tmp_path / "p.csv"
    path.write_bytes((PROVIDERS_CSV + "ZX2,200,180\n").encode(codec))
    result = load_inputs([path])
    assert result.inputs.providers["provider_code"].tolist() == ["ZX1", "ZX2"]


def _ods_bytes(tmp_path) -> bytes:
    return odsgen.write_ods(tmp_path / "ok.ods", {"Providers": [odsgen.PROVIDER_HEADER,
                                                                odsgen.provider_row("ZX1")]}).read_bytes()


def test_damaged_ods_is_answered_in_plain_words(tmp_path):
    data = _ods_bytes(tmp_path)
    bad_crc = bytearray(data)
    start = data.index(odsgen.MIME)
    bad_crc[start + 5] ^= 0xFF  # the stored mimetype no longer matches its checksum
    (tmp_path / "crc.ods").write_bytes(bytes(bad_crc))
    bad_offset = bytearray(data)
    central = data.index(b"PK\x01\x02")  # first central directory entry: point its data far away
    bad_offset[central + 42:central + 46] = (0x7FFFFFF0).to_bytes(4, "little")
    (tmp_path / "offset.ods").write_bytes(bytes(bad_offset))
    (tmp_path / "cut.ods").write_bytes(data[: len(data) // 2])
    for name in ("crc.ods", "offset.ods", "cut.ods"):
        message = _fail(tmp_path / name)
        assert "damaged" in message, message


def test_damaged_content_of_ods_is_answered_in_plain_words(tmp_path):
    path = tmp_path / "broken.ods"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), odsgen.MIME)
        zf.writestr("content.xml", "<office:document-content><table:table")
    assert "damaged" in _fail(path)


# .xls declared sizes (from a corpus file, altered here in a temporary folder) ------------------------

XLS = CORPUS / "calamine/issue444.xls"


def _xls_bytes():
    if not XLS.exists():
        pytest.skip("corpus not present")
    return XLS.read_bytes()


def test_xls_with_eight_duplicated_bytes_is_refused_before_reading(tmp_path):
    """The first run's finding: 8 bytes duplicated inside the workbook made the reader ask for 4 GB."""
    data = _xls_bytes()
    (tmp_path / "dup.xls").write_bytes(data[:22321] + data[22321:22329] + data[22321:])
    message = _fail(tmp_path / "dup.xls")
    assert "damaged" in message and "save it as .xlsx" in message


def test_xls_declaring_absurd_dimensions_or_string_counts_is_refused(tmp_path):
    data = bytearray(_xls_bytes())
    dims = data.index(b"\x00\x02\x0e\x00")  # the DIMENSIONS record: last row + 1 at bytes 8..11 of it
    rows = bytearray(data)
    rows[dims + 8:dims + 12] = (4_000_000).to_bytes(4, "little")
    (tmp_path / "rows.xls").write_bytes(bytes(rows))
    assert "4,000,000 rows" in _fail(tmp_path / "rows.xls")
    sst = data.index(b"\xfc\x00")  # the SST record: distinct strings at bytes 8..11 of it
    strings = bytearray(data)
    strings[sst + 8:sst + 12] = (0x7FFFFFFF).to_bytes(4, "little")
    (tmp_path / "sst.xls").write_bytes(bytes(strings))
    assert "distinct texts" in _fail(tmp_path / "sst.xls")


def test_corpus_xls_files_that_read_before_still_read():
    for name in ("calamine/issue444.xls", "poi/SampleSS.xls", "calamine/sst_continue.xls"):
        if (CORPUS / name).exists():
            load_inputs([CORPUS / name])  # data or not, no refusal


def test_a_reader_panic_outside_the_worker_is_one_line_from_the_command_line(tmp_path, monkeypatch, capsys):
    """TAC workbooks are read in the calling process: a panic there must not end `check` in a traceback."""
    import strandrisk.io.spreadsheets.check as check_module

    class PanicException(BaseException):
        pass

    def panic(*args, **kwargs):
        raise PanicException("index out of bounds")

    monkeypatch.setattr(check_module, "run_check", panic)
    path = tmp_path / "p.csv"
    path.write_text(PROVIDERS_CSV, encoding="utf-8")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "reader failed" in err and "Panic" not in err and "\n" == err[-1] and err.count("\n") == 1


def test_windows_memory_limit_structure_has_the_size_windows_expects():
    """The job-object limit (Windows has no RLIMIT_AS) is set with a ctypes structure; on 64-bit Windows
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION is 144 bytes, and a wrong layout would set nothing."""
    import ctypes

    if ctypes.sizeof(ctypes.c_size_t) != 8:
        pytest.skip("64-bit layout")
    structure = worker._job_limit_structure()
    assert ctypes.sizeof(structure) == 144
    assert structure.ProcessMemoryLimit.offset == 112


def test_wide_cash_month_headers_outside_2000_to_2100_are_not_month_columns():
    from strandrisk.io.spreadsheets.values import month_header_period_end

    assert month_header_period_end("Apr-25") == dt.date(2025, 4, 30)
    assert month_header_period_end(dt.date(1995, 4, 30)) is None
    assert month_header_period_end(35000.0) is None  # a 1995 date serial


def test_limits_are_shown_in_the_help_and_the_template_from_the_schema(tmp_path):
    from openpyxl import load_workbook

    from strandrisk.core import schema
    from strandrisk.io.helptext import import_help_markdown
    from strandrisk.io.spreadsheets.template import write_template

    text = import_help_markdown()
    for rule in schema.PLAUSIBLE.values():
        assert rule.words in text
    assert "| Community budgets | Ramp years (years) | 0 to 30 |" in text  # a column's own narrower range
    wb = load_workbook(write_template(tmp_path / "t.xlsx"))
    comment = wb["Providers"]["E1"].comment.text
    assert "Operating income" in wb["Providers"]["E1"].value and "Plausible values: £0 to £50bn" in comment
    cells = [c.value for row in wb["Instructions"].iter_rows() for c in row]
    assert "Plausible values" in cells and schema.PLAUSIBLE[schema.DATE].words in cells


# TAC workbooks (the largest files read) go through the same guarded reader process -------------------

def _tac_file(tmp_path):
    from tests.tac_fixtures import TrustSpec, default_values, write_tac_workbook

    trusts = [TrustSpec("RXA", "Alpha NHS Foundation Trust", "London", "foundation_trust", default_values(1, 2023))]
    return write_tac_workbook(tmp_path / "tac_2023-24.xlsx", 2023, trusts)


def test_tac_read_reports_progress_from_its_reader_process(tmp_path):
    seen = []
    result = load_inputs([_tac_file(tmp_path)], progress=lambda f, m="": seen.append(m))
    assert result.inputs.providers.n_rows == 1 and not [p for p in result.problems if p.severity == "error"]
    assert any(m.startswith("Reading TAC data") for m in seen)


@fork_only
def test_tac_reader_failure_or_panic_is_one_plain_line(tmp_path, monkeypatch):
    from strandrisk.io.failures import ImportFailure
    from strandrisk.io.tac import reader

    class PanicException(BaseException):  # what python-calamine raises when its Rust code panics
        pass

    def panics(*args, **kwargs):
        raise PanicException("index out of bounds")

    monkeypatch.setattr(reader, "read_tac", panics)  # the forked reader process runs the patched function
    with pytest.raises(ImportFailure) as info:
        load_inputs([_tac_file(tmp_path)])
    message = str(info.value)
    assert message.startswith("tac_2023-24.xlsx: could not be read") and "PanicException" not in message


@fork_only
def test_tac_reader_memory_is_limited(tmp_path, monkeypatch):
    from strandrisk.io.failures import ImportFailure
    from strandrisk.io.tac import reader

    def greedy(*args, **kwargs):
        return bytearray(3 << 30)  # twice the reader's limit

    monkeypatch.setattr(reader, "read_tac", greedy)
    with pytest.raises(ImportFailure, match="too large or damaged"):
        load_inputs([_tac_file(tmp_path)])


@fork_only
def test_tac_read_can_be_cancelled(tmp_path, monkeypatch):
    import time

    from strandrisk.io.failures import ImportCancelled
    from strandrisk.io.tac import reader

    monkeypatch.setattr(reader, "read_tac", lambda *a, **k: time.sleep(60))
    started = time.monotonic()
    with pytest.raises(ImportCancelled):
        load_inputs([_tac_file(tmp_path)], cancel=lambda: time.monotonic() - started > 0.3)
    assert time.monotonic() - started < 30  # the reader process is stopped, not waited for

"""The fast All data reader (io/tac/xlsx_scan.py) keeps exactly the rows calamine's cell-by-cell reading keeps,
and hands any workbook not in Excel's plain form back to calamine."""

from __future__ import annotations

import re
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest

from strandrisk.io.failures import ImportCancelled
from strandrisk.io.tac import codes as tac_codes
from strandrisk.io.tac import reader
from strandrisk.io.tac.xlsx_scan import NotPlain, PlainSheet
from tests.tac_fixtures import england_trusts, write_tac_workbook

SHEET = "xl/worksheets/sheet3.xml"  # All data in the generated workbooks (Notes, List of Providers, All data)


def _both_ways(path: Path):
    wb = reader._open(path)
    try:
        name = reader._sheet_name(wb, reader.ALL_DATA)
        plain = reader._read_all_data_plain(path, name, tac_codes.all_keys(), None, lambda f: None)
        cells = reader._read_all_data_cells(wb, path, name, tac_codes.all_keys(), None, lambda f: None)
    finally:
        wb.close()
    return plain, cells


def _assert_same(plain, cells):
    assert plain[0] == cells[0]  # header mapping
    assert plain[2] == cells[2]  # every SubCode (the year's evidence)
    assert plain[3] == cells[3]  # row count
    for key, value in cells[1].items():
        if key == "value_letter":
            assert plain[1][key] == value
        else:
            assert list(plain[1][key]) == list(value), key


def _rewrite(src: Path, dst: Path, part: str, change) -> Path:
    """A copy of a workbook with one part's XML changed."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == part:
                data = change(data)
            zout.writestr(info.filename, data)
    return dst


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scan")
    trusts = england_trusts(2023, "foundation_trust", 6, 3, "RF")
    return write_tac_workbook(folder / "ft.xlsx", 2023, trusts, published=True, missing=[("RF001", "INC0197")],
                              filler_codes=["INC0197", "EXP0130", "XYZ0001"] * 20)


def test_plain_reading_keeps_the_rows_calamine_keeps(workbook):
    plain, cells = _both_ways(workbook)
    _assert_same(plain, cells)
    assert len(plain[1]["row"]) > 100


def test_every_shape_of_cell_reads_as_calamine_reads_it(workbook, tmp_path):
    def change(xml: bytes) -> bytes:
        # a style on every cell, a formula before a value, a styled blank value cell, a row with
        # extra attributes, and a value stored as text (shared string 0 is the Notes title)
        xml = re.sub(rb'<c r="([A-Z]+\d+)"', rb'<c r="\1" s="3"', xml)
        xml = xml.replace(b'<row r="5">', b'<row r="5" spans="1:7" ht="15">')
        xml = re.sub(rb'(<c r="G\d*7" s="3">)<v>', rb'\1<f>1+1</f><v>', xml)
        xml = re.sub(rb'<c r="(G\d*9)" s="3"><v>[^<]*</v></c>', rb'<c r="\1" s="3"/>', xml)
        xml = re.sub(rb'<c r="(G\d*1)" s="3"><v>[^<]*</v></c>', rb'<c r="\1" s="3" t="s"><v>0</v></c>', xml)
        return xml

    odd = _rewrite(workbook, tmp_path / "odd.xlsx", SHEET, change)
    plain, cells = _both_ways(odd)
    _assert_same(plain, cells)
    values = list(plain[1]["value"])
    assert "" in values and any(isinstance(v, str) and v for v in values)


def test_rich_text_and_escapes_in_shared_strings(workbook, tmp_path):
    def change(xml: bytes) -> bytes:
        # the first organisation's name written as two runs of rich text, as Excel does after formatting
        name = re.search(rb'<si><t xml:space="preserve">(Synthetic Acute RF000[^<]*)</t></si>', xml).group(1)
        return xml.replace(b'<si><t xml:space="preserve">' + name + b"</t></si>",
                           b"<si><r><t>" + name[:9] + b'</t></r><r><rPr><b/></rPr><t xml:space="preserve">'
                           + name[9:] + b"</t></r><rPh><t>x</t></rPh></si>", 1)

    rich = _rewrite(workbook, tmp_path / "rich.xlsx", "xl/sharedStrings.xml", change)
    plain, cells = _both_ways(rich)
    _assert_same(plain, cells)
    assert any(str(o).startswith("Synthetic Acute RF000") for o in plain[1]["org"])


@pytest.mark.parametrize("form", ["inline", "formula_text", "no_reference", "subcode_number"])
def test_a_workbook_not_in_the_plain_form_is_read_by_calamine(workbook, tmp_path, form):
    strings = re.findall(rb"<si><t[^>]*>([^<]*)</t></si>", zipfile.ZipFile(workbook).read("xl/sharedStrings.xml"))

    def change(xml: bytes) -> bytes:
        if form == "inline":
            return re.sub(rb'<c r="([A-Z]+\d+)" t="s"><v>(\d+)</v></c>',
                          lambda m: b'<c r="' + m.group(1) + b'" t="inlineStr"><is><t>' + strings[int(m.group(2))]
                          + b"</t></is></c>", xml)
        if form == "formula_text":
            return re.sub(rb'<c r="(D\d+)" t="s"><v>(\d+)</v></c>',
                          lambda m: b'<c r="' + m.group(1) + b'" t="str"><f>"x"</f><v>' + strings[int(m.group(2))]
                          + b"</v></c>", xml, count=50)
        if form == "no_reference":
            return xml.replace(b'<c r="E20">', b"<c>")
        return xml.replace(b'<c r="F30" t="s">', b'<c r="F30">', 1)

    other = _rewrite(workbook, tmp_path / f"{form}.xlsx", SHEET, change)
    with pytest.raises(NotPlain):
        sheet = PlainSheet(other, "All Data")
        try:
            head = sheet.head(10)
            sheet.long_table(head[0][0], {"org": 0, "main": 3, "sub": 5, "value": 6},
                             {m for m, _ in tac_codes.all_keys()}, {s for _, s in tac_codes.all_keys()})
        finally:
            sheet.close()
    got = reader.read_tac(other)
    want = reader.read_tac(workbook)
    if form != "subcode_number":  # that change turns one SubCode into a number: one line fewer
        for key in ("providers", "cash_balances", "block_contracts", "community_budgets"):
            assert got.tables[key].n_rows == want.tables[key].n_rows
            for col in got.tables[key].kind.names:
                a, b = got.tables[key][col], want.tables[key][col]
                if a.dtype.kind == "f":
                    np.testing.assert_array_equal(a, b)
                else:
                    assert list(a) == list(b), (key, col)


def test_cancel_stops_the_unpacking_thread(workbook):
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 1

    before = {t.ident for t in threading.enumerate()}
    with pytest.raises(ImportCancelled):
        reader.read_tac(workbook, cancel=cancel)
    assert not [t for t in threading.enumerate() if t.name == "tac-unpack" and t.ident not in before]


def test_xls_and_other_packages_are_not_plain(tmp_path):
    (tmp_path / "x.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(NotPlain):
        PlainSheet(tmp_path / "x.xls", "All data")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(NotPlain):
        PlainSheet(tmp_path / "broken.xlsx", "All data")

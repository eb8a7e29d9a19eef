"""Issue 21, beside the tester's awkward workbook: service ids made from names (unique on the sheet, said in a
note), hints only to fields of the column's type of value, and a column read by its values only when the user
has not mapped it."""

from __future__ import annotations

from openpyxl import Workbook

from strandrisk.core.problems import NOTE
from strandrisk.io.spreadsheets.load import load_inputs
from strandrisk.io.spreadsheets.mapping import Mapping, SheetMapping


def _book(path, rows, title="Community"):
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_service_ids_come_from_names_unique_on_the_sheet_and_said(tmp_path):
    path = _book(tmp_path / "c.xlsx", [
        ["Service", "Acute partner", "Budget £000"],
        ["Frailty virtual ward", "RQ1", 100],
        ["Diabetes", "RQ1", 50],
        ["Frailty virtual ward", "RQ2", 70],
        [None, "RQ2", 20],
    ])
    result = load_inputs([path])
    ids = [r["service_id"] for r in result.inputs.community_budgets.records()]
    assert ids == ["Frailty virtual ward (row 2)", "Diabetes", "Frailty virtual ward (row 4)", "Community row 5"]
    notes = [p for p in result.problems if p.severity == NOTE and "no Service id column" in p.message]
    assert len(notes) == 1 and notes[0].cell == "A1" and "rows 2, 4" in notes[0].message
    assert "without a name" in notes[0].message
    assert not [p for p in result.problems if p.severity == "error" and "Service id" in p.message]
    sheet = result.sheets[0]
    assert sheet.kind == "community_budgets" and any("no Service id column" in n for n in sheet.notes)


def test_a_column_of_numbers_is_never_hinted_as_a_list_or_a_text_as_money(tmp_path):
    path = _book(tmp_path / "p.xlsx", [
        ["Provider code", "Operating income", "Operating expenditure", "Form score", "Budget memo"],
        ["RA1", 100, 90, 3, "see note"],
        ["RA2", 200, 190, 4, "agreed"],
    ], title="Providers")
    result = load_inputs([path])
    assert "Form score" not in result.sheets[0].mapping  # a weak match by its header, but numbers are no forms
    said = {p.cell: p.message for p in result.problems if "is not used" in p.message}
    assert "Organisational form" not in said["D1"]
    assert "Operating income" not in said["E1"] and "Operating expenditure" not in said["E1"]  # text is no money
    assert not [p for p in result.problems if p.severity == "error" and p.sheet]


def test_a_column_the_user_mapped_is_not_read_by_its_values(tmp_path):
    rows = [["Service id", "Acute provider code", "Annual budget", "Contract"],
            ["S1", "RQ1", 10, "Block"], ["S2", "RQ1", 20, "Capitated"]]
    path = _book(tmp_path / "c.xlsx", rows)
    assert load_inputs([path]).sheets[0].mapping.get("Contract") == "payment_type"
    mapping = Mapping([SheetMapping("c.xlsx", "Community", "community_budgets", None, {"Contract": "ignore"})])
    assert "Contract" not in load_inputs([path], mapping=mapping).sheets[0].mapping

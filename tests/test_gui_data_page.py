"""The Data page as a finance analyst fixes a file: it stays on the sheet being fixed, goes to the row that
needs attention, confirms weak matches, undoes and redoes fixes by name, lists errors first, counts in
words and explains a problem at a column heading (pytest-qt, offscreen)."""

import pytest

pytest.importorskip("pytestqt")
from tests.conftest import QT_MISSING  # noqa: E402

if QT_MISSING:
    pytest.skip(QT_MISSING, allow_module_level=True)

from PySide6.QtCore import Qt  # noqa: E402

from strandrisk.core.problems import ERROR, NOTE, WARNING, Problem, by_severity, severity_counts  # noqa: E402
from strandrisk.core.wording import counted  # noqa: E402
from strandrisk.ui.workers import wait_for  # noqa: E402

WEAK = "Capital programme plan review"  # read as Capital expenditure, but not clearly (asks to be confirmed)
REGISTER_HEADERS = ["ODS code", "Provider name", "Income (£000)", "Expenditure (£000)", "Depreciation (£000)",
                    "Interest payable (£000)", "PDC dividend (£000)", "Loan repayment (£000)",
                    "Working capital (£000)", "Variable cost share", "Semi-fixed cost share", WEAK, "Dep'n memo",
                    "Notes"]


def _awkward_book(path):
    """Cash first (clean), then a wide register whose weak match sits far down the mapping table, then
    community budgets with a service line the app cannot read ('Critical care')."""
    import openpyxl

    wb = openpyxl.Workbook()
    cash = wb.active
    cash.title = "Cash"
    cash.append(["ODS code", "Period end", "Cash (£000)"])
    for code in ("ZA1", "ZB2"):
        cash.append([code, "31/03/2025", 9000])
        cash.append([code, "31/03/2026", 8000])
    reg = wb.create_sheet("Register")
    reg.append(REGISTER_HEADERS)
    reg.append(["ZA1", "Northfield", 420000, 425000, 9000, 1000, 2000, 0, 100, 0.3, 0.4, 9000, 9000, ""])
    reg.append(["ZB2", "Riverside", 150000, 151000, 3000, 500, 700, 0, 50, 0.3, 0.4, 2000, 3000, "merging"])
    com = wb.create_sheet("Community")
    com.append(["Service id", "Acute provider code", "Affected service line", "Annual budget (£000)"])
    com.append(["S1", "ZA1", "Critical care", 1000])
    com.append(["S2", "ZA1", "Elective", 2000])
    wb.save(path)
    return path


@pytest.fixture
def page(window, tmp_path):
    """The window with the awkward workbook read, on the Data page; the window is a laptop's height so the
    register's mapping table has to scroll."""
    window.resize(1280, 640)
    window.import_files([_awkward_book(tmp_path / "awkward.xlsx")], wait=True)
    assert window.current_pane() == "Data"
    return window


def _settle(window):
    if window.jobs.job is not None:
        wait_for(window.jobs.job)


def _weak_row(pane):
    return next(r for r in range(pane.mapping.rowCount()) if pane.mapping.item(r, 0).text() == WEAK)


def _row_visible(table, row) -> bool:
    rect = table.visualItemRect(table.item(row, 0))
    return table.viewport().rect().contains(rect.center())


def _problem_row(pane, where_end):
    return next(r for r in range(pane.problems.rowCount()) if pane.problems.item(r, 1).text().endswith(where_end))


def test_choosing_a_sheet_scrolls_to_and_selects_the_weak_match(page):
    pane = page.data_pane
    assert pane.show_sheet("awkward.xlsx", "Register")
    assert pane.mapping.item(_weak_row(pane), 2).text().endswith("confirm")
    assert pane.mapping.currentRow() == _weak_row(pane) and _row_visible(pane.mapping, _weak_row(pane))
    assert pane.mapping.verticalScrollBar().value() > 0  # it was out of sight at the top
    pane.show_sheet("awkward.xlsx", "Cash")
    assert pane.mapping.verticalScrollBar().value() == 0 and not pane.mapping.selectedItems()
    pane.show_sheet("awkward.xlsx", "Register")
    assert pane.mapping.currentRow() == _weak_row(pane) and _row_visible(pane.mapping, _weak_row(pane))


def test_confirm_records_the_users_decision_stays_on_the_sheet_and_undoes(page):
    ws, pane = page.workspace, page.data_pane
    pane.show_sheet("awkward.xlsx", "Register")
    before = ws.imported
    assert not ws.decided_by_user("awkward.xlsx", "Register", WEAK)
    assert any(p.cell == "L1" for p in before.problems)
    pane.confirm_button(WEAK).click()
    _settle(page)
    assert pane.current_sheet == ("awkward.xlsx", "Register")  # not back at the first sheet
    assert ws.decided_by_user("awkward.xlsx", "Register", WEAK)
    assert ws.mapping["sheets"][0]["columns"] == {WEAK: "capital_expenditure_gbp_k"}
    assert pane.mapping.item(_weak_row(pane), 2).text() == "your choice"
    assert pane.mapping.currentRow() == _weak_row(pane) and _row_visible(pane.mapping, _weak_row(pane))
    assert pane.confirm_button(WEAK) is None
    assert not any(p.cell == "L1" for p in ws.imported.problems)
    undo = page.actions_["undo"]
    assert undo.isEnabled() and undo.text() == f"&Undo Confirm '{WEAK}' as Capital expenditure"
    undo.trigger()
    assert ws.imported is before and ws.mapping is None  # exactly the previous import, not a re-read
    assert pane.current_sheet == ("awkward.xlsx", "Register") and pane.confirm_button(WEAK) is not None
    assert page.actions_["redo"].text() == f"&Redo Confirm '{WEAK}' as Capital expenditure"
    page.actions_["redo"].trigger()
    assert ws.decided_by_user("awkward.xlsx", "Register", WEAK)


def test_a_mapping_change_is_named_undone_and_redone(page):
    ws, pane = page.workspace, page.data_pane
    pane.show_sheet("awkward.xlsx", "Register")
    before, saved_rows = ws.imported, ws.inputs.providers.n_rows
    combo = pane.mapping_combo("Dep'n memo")
    assert combo.currentData() is None
    combo.setCurrentIndex(combo.findData("loan_repayment_gbp_k"))
    combo.activated.emit(combo.currentIndex())
    _settle(page)
    assert pane.current_sheet == ("awkward.xlsx", "Register")
    assert pane.mapping_combo("Dep'n memo").currentData() == "loan_repayment_gbp_k"
    assert ws.inputs.providers.records()[0]["loan_repayment_gbp_k"] == 9000
    assert page.actions_["undo"].text() == "&Undo Map 'Dep'n memo' to Loan repayment"
    page.undo()
    assert ws.imported is before and ws.inputs.providers.n_rows == saved_rows and ws.mapping is None
    assert pane.mapping_combo("Dep'n memo").currentData() is None
    assert page.actions_["redo"].isEnabled() and not page.actions_["undo"].isEnabled()
    page.redo()
    assert ws.inputs.providers.records()[0]["loan_repayment_gbp_k"] == 9000
    assert page.actions_["undo"].text() == "&Undo Map 'Dep'n memo' to Loan repayment"


def test_a_value_change_shows_friendly_labels_and_is_undone_by_name(page):
    ws, pane = page.workspace, page.data_pane
    pane.show_sheet("awkward.xlsx", "Community")
    combo = pane.value_combo("affected_service_line", "Critical care")
    assert combo is not None
    labels = [combo.itemText(i) for i in range(1, combo.count())]
    assert "Non-elective (non_elective)" in labels and "A&E (a_and_e)" in labels and "non_elective" not in labels
    assert pane.values.columnWidth(2) >= combo.sizeHint().width()  # the drop-down is not cut
    before = ws.imported
    assert ws.imported.has_errors
    combo.setCurrentIndex(combo.findData("other"))
    combo.activated.emit(combo.currentIndex())
    _settle(page)
    assert pane.current_sheet == ("awkward.xlsx", "Community")
    assert not ws.imported.has_errors and ws.value_decided_by_user("affected_service_line", "Critical care")
    assert page.actions_["undo"].text() == "&Undo Read 'Critical care' as Other"
    page.undo()
    assert ws.imported is before and ws.imported.has_errors and ws.mapping is None
    assert not ws.value_decided_by_user("affected_service_line", "Critical care")
    assert pane.current_sheet == ("awkward.xlsx", "Community")
    page.redo()
    assert not ws.imported.has_errors


def test_problems_list_errors_first_then_warnings_then_notes(page):
    pane = page.data_pane
    ranks = [("Error", "Warning", "Note").index(pane.problems.item(r, 0).text())
             for r in range(pane.problems.rowCount())]
    assert ranks == sorted(ranks) and ranks[0] == 0 and 1 in ranks
    found = [Problem(NOTE, "n"), Problem(WARNING, "w1"), Problem(ERROR, "e1"), Problem(WARNING, "w2"),
             Problem(ERROR, "e2")]
    assert [p.message for p in by_severity(found)] == ["e1", "e2", "w1", "w2", "n"]


def test_check_lists_errors_before_warnings(tmp_path, capsys):
    from strandrisk.cli import main

    path = _awkward_book(tmp_path / "awkward.xlsx")
    assert main(["check", str(path)]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith(("error:", "warning:"))]
    kinds = [line.split(":")[0] for line in lines]
    assert kinds == sorted(kinds) and kinds[0] == "error" and "warning" in kinds


def test_counts_are_written_with_the_right_plural(page, tmp_path, capsys):
    from strandrisk.cli import main

    assert [counted(n, "problem") for n in (0, 1, 2, 1204)] == ["0 problems", "1 problem", "2 problems",
                                                                "1,204 problems"]
    assert severity_counts([Problem(ERROR, "e"), Problem(WARNING, "w"), Problem(WARNING, "w")]) == \
        "1 error, 2 warnings, 0 notes"
    assert severity_counts([], notes=False) == "0 errors, 0 warnings"
    pane = page.data_pane
    n_errors = sum(p.severity == ERROR for p in page.workspace.imported.problems)
    assert n_errors == 1 and pane.count_label.text().startswith("1 error, ")
    assert "1 value with no meaning" in (pane.show_sheet("awkward.xlsx", "Community") and
                                         pane.values_title.text())
    assert "1 error " in page.status_label.text() and "1 errors" not in page.status_label.text()
    assert "the data has 1 error," in page.problem_banner.text()
    assert main(["check", str(tmp_path / "awkward.xlsx")]) == 1
    out = capsys.readouterr().out
    assert "\n1 error, " in out and "1 errors" not in out and "1 rows" not in out


def test_a_header_warning_names_the_column_and_goes_when_resolved(page):
    ws, pane = page.workspace, page.data_pane
    pane.show_sheet("awkward.xlsx", "Cash")
    row = _problem_row(pane, "Register!N1")  # the unused 'Notes' column's heading
    pane.problems.cellDoubleClicked.emit(row, 2)
    assert pane.current_sheet == ("awkward.xlsx", "Register")
    assert pane.mapping.item(pane.mapping.currentRow(), 0).text() == "Notes"
    assert _row_visible(pane.mapping, pane.mapping.currentRow())
    detail = pane.row_detail.text()
    assert "heading of column N, 'Notes'" in detail and "not a row of data" in detail
    assert "was not read into the model" not in detail and "Confirm" in detail
    pane.confirm_button("Notes").click()  # yes: it is not an input
    _settle(page)
    assert not any(p.cell == "N1" and p.sheet == "Register" for p in ws.imported.problems)
    assert not any(pane.problems.item(r, 1).text().endswith("Register!N1") for r in range(pane.problems.rowCount()))
    assert pane.row_detail.text() == "" and pane.current_sheet == ("awkward.xlsx", "Register")
    assert not pane.problems.selectedItems()  # no other problem is left selected in its place
    assert pane.mapping.item(pane.mapping.currentRow(), 0).text() == WEAK  # the next column to confirm
    assert pane.mapping.item(next(r for r in range(pane.mapping.rowCount())
                                  if pane.mapping.item(r, 0).text() == "Notes"), 2).text() == "not used (your choice)"
    assert page.actions_["undo"].text() == "&Undo Confirm 'Notes' as not used"


def test_double_click_on_a_data_cell_selects_it_in_the_preview(page):
    pane = page.data_pane
    row = _problem_row(pane, "Community!C2")  # 'Critical care'
    assert pane.problems.item(row, 0).text() == "Error"
    pane.go_to_problem(row)
    assert pane.current_sheet == ("awkward.xlsx", "Community")
    assert (pane.preview.currentRow(), pane.preview.currentColumn()) == (1, 2)
    assert pane.preview.horizontalHeaderItem(2).text() == "C"
    assert "Community row 2" in pane.row_detail.text() or "Critical care" in pane.row_detail.text()


def test_only_data_edits_are_forgotten_when_files_are_read_again(page, tmp_path):
    """An import outside the stack drops the mapping edits before it (their states no longer hold) and
    keeps scenario edits."""
    ws, pane = page.workspace, page.data_pane
    ws.edit_scenario(dict(ws.scenario_dict(), horizon_years=6), "Change horizon")
    pane.show_sheet("awkward.xlsx", "Register")
    pane.confirm_button(WEAK).click()
    _settle(page)
    assert ws.commands.count == 2
    page.import_files([tmp_path / "awkward.xlsx"], wait=True)
    assert ws.commands.count == 1 and ws.commands.undo_text == "Change horizon"
    assert ws.decided_by_user("awkward.xlsx", "Register", WEAK)  # the mapping itself is kept
    assert pane.current_sheet == ("awkward.xlsx", "Register")


def test_undo_back_to_the_saved_project_is_clean(page, tmp_path):
    ws, pane = page.workspace, page.data_pane
    page.save_project(tmp_path / "month end")
    assert not ws.dirty
    pane.show_sheet("awkward.xlsx", "Register")
    pane.confirm_button(WEAK).click()
    _settle(page)
    assert ws.dirty and page.isWindowModified()
    page.undo()
    assert not ws.dirty and not page.isWindowModified()


def test_the_problem_list_item_keeps_its_location(page):
    pane = page.data_pane
    item = pane.problems.item(0, 3)
    file, sheet, cell = item.data(Qt.ItemDataRole.UserRole)
    assert file == "awkward.xlsx" and sheet and cell

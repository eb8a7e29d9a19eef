"""Issue 21: what Copy puts on the clipboard from the results tables, and the All providers totals
(pytest-qt, offscreen; the paste into a spreadsheet checked with LibreOffice when it is installed)."""

import math
import re
import shutil
import subprocess

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from tests.conftest import QT_MISSING  # noqa: E402

if QT_MISSING:
    pytest.skip(QT_MISSING, allow_module_level=True)

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint, Qt  # noqa: E402
from PySide6.QtGui import QContextMenuEvent, QFont  # noqa: E402
from PySide6.QtWidgets import QApplication, QMenu  # noqa: E402

from tests.shared_window import sample, sample_window  # noqa: E402,F401  (fixtures)
from strandrisk.ui.series import ALL, scalar  # noqa: E402
from strandrisk.ui.tables import copy_text  # noqa: E402

NUMBER = re.compile(r"-?\d+(\.\d*[1-9])?%?")  # what Excel reads as a number: no separators, no trailing zeros



def _clipboard() -> list[list[str]]:
    return [line.split("\t") for line in QApplication.clipboard().text().splitlines()]


def _as_excel_reads(shown: str) -> str:
    """The test's own reading of a shown cell: '(1,234.5)' -> '-1234.5', '-' (zero money) -> '0', '4.16x' ->
    '4.16'; words ('never', '2029/30', 'red') stay words."""
    text = shown.replace(",", "")
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()")
    if text == "-":
        return "0"
    if re.fullmatch(r"\d+(\.\d+)?x", text):
        text = text[:-1]
    if not re.fullmatch(r"\d+(\.\d+)?%?", text):
        return shown
    return "-" + text if negative else text


def _same(copied: str, shown: str) -> bool:
    expected = _as_excel_reads(shown)
    if expected == shown and not re.fullmatch(r"\d+(\.\d+)?%?", shown):
        return copied == shown  # words are copied as written
    if not NUMBER.fullmatch(copied):
        return False
    return float(copied.rstrip("%")) == pytest.approx(float(expected.rstrip("%")), abs=1e-9) \
        and copied.endswith("%") == expected.endswith("%")


def _check_copied_as_shown(view, rows):
    model = view.model_
    assert rows[0] == [" ".join(h.split("\n")) for h in model.headers()]  # a heading's line breaks: spaces
    assert len(rows) == model.rowCount() + 1
    labels = model.label_columns()
    for r, cells in enumerate(rows[1:]):
        for c, copied in enumerate(cells):
            shown = model.cell_text(r, c)
            text = isinstance(model.raw_value(r, c), str)  # a row label or a note
            if text or shown == "-" and model.kind(int(model._order[r]), c - labels) == "years":
                assert copied == " ".join(shown.split("\n"))  # as written (a difference of "-" years too)
            else:
                assert _same(copied, shown), (r, c, copied, shown)


def test_copy_text_is_what_excel_reads_from_the_shown_value():
    assert copy_text(629497.488, "money") == "629497.5"
    assert copy_text(-203.147889, "money") == "-203.1"
    assert copy_text(-12345.5, "money0") == "-12346"  # half away from zero, as shown
    assert copy_text(0.0, "money0") == "0" and copy_text(-0.04, "money") == "0"  # shown "-" and "(0.0)"
    assert copy_text(0.0321, "share") == "3.2%" and copy_text(-0.0125, "share") == "-1.3%"
    assert copy_text(3.0, "rating") == "3" and copy_text(4.155, "multiplier") == "4.16"
    assert copy_text(12.25, "days") == "12.3" and copy_text(1.5, "number") == "1.5"
    assert copy_text(2029, "year") == "2029/30" and copy_text(1, "years") == "1 year later"
    assert copy_text(float("nan"), "year") == "never" and copy_text(float("nan"), "multiplier") == "none"
    assert copy_text(float("nan"), "money") == "n/a" and copy_text(float("nan"), "blank") == ""
    # full precision: the model's number, still unformatted and never "3.0"
    assert copy_text(629497.488123, "money", True) == "629497.488123"
    assert copy_text(-203.147889, "money0", True) == "-203.147889"
    assert copy_text(0.0321567, "share", True) == "3.21567%"
    assert copy_text(3.0, "rating", True) == "3" and copy_text(0.1 + 0.2, "number", True) == "0.3"
    assert copy_text(float("nan"), "year", True) == "never"


def test_ctrl_c_copies_every_table_as_shown_with_labels_and_headings(sample, qtbot):
    w = sample
    pane = w.results_pane
    za1 = w.result.provider_codes.index("ZA1")
    pane.picker.setCurrentIndex(pane.picker.findData(za1))
    tables = [pane.table, pane.providers_table, pane.bridge.table]
    w.show_pane("Compare")
    w.compare_pane.refresh()
    tables.append(w.compare_pane.table)
    for view in tables:
        view.clearSelection()
        view.setFocus()
        qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
        _check_copied_as_shown(view, _clipboard())
    # the yearly table: labels, ratings whole, words kept
    pane.table.copy_table()
    rows = _clipboard()
    by_label = {tuple(r[:2]): r[2:] for r in rows[1:]}
    rating = by_label[("Acute-only", "Finance rating (1 best - 4)")]
    assert all(re.fullmatch(r"[1-4]", x) for x in rating)
    income = by_label[("Acute-only", "Income (£000)")]
    assert float(income[0]) == pytest.approx(w.result.forms["acute_only"]["income_gbp_k"][za1, 0], abs=0.05)


def test_copy_selection_keeps_its_row_labels_and_copy_table_ignores_it(sample, qtbot):
    w = sample
    view = w.results_pane.table
    model = view.model_
    w.results_pane.tabs.setCurrentWidget(view)
    selection = QItemSelection(model.index(2, 3), model.index(4, 4))  # value cells only
    view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    rows = _clipboard()
    heads = model.headers()
    assert rows[0] == ["Form", "Measure", heads[3], heads[4]]
    assert [r[:2] for r in rows[1:]] == [[model.cell_text(r, 0), model.cell_text(r, 1)] for r in (2, 3, 4)]
    assert rows[1][2] == _as_excel_reads(model.cell_text(2, 3))
    menu = view.context_menu()
    actions = {a.text(): a for a in menu.actions() if a.text()}
    assert {"Copy selection", "Copy table", "Copy as shown", "Copy full precision"} <= set(actions)
    assert actions["Copy selection"].isEnabled() and actions["Copy as shown"].isChecked()
    w.results_pane.copy_button.click()  # the toolbar's Copy table: everything, whatever is selected
    assert len(_clipboard()) == model.rowCount() + 1
    actions["Copy table"].trigger()
    assert len(_clipboard()) == model.rowCount() + 1
    view.clearSelection()
    assert not {a.text(): a for a in view.context_menu().actions()}["Copy selection"].isEnabled()
    # a right-click on the table opens that menu
    QApplication.sendEvent(view.viewport(), QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(30, 30)))
    shown = [m for m in QApplication.topLevelWidgets() if isinstance(m, QMenu) and m.isVisible()]
    assert len(shown) == 1 and "Copy full precision" in [a.text() for a in shown[0].actions()]
    shown[0].close()


def test_copy_full_precision_from_the_context_menu(sample):
    w = sample
    view = w.results_pane.table
    model = view.model_
    full = next(a for a in view.context_menu().actions() if a.text() == "Copy full precision")
    full.trigger()
    assert view.full_precision
    view.clearSelection()
    view.copy_selection()
    rows = _clipboard()
    compared = 0
    for r, cells in enumerate(rows[1:]):
        for c in range(2, model.columnCount()):
            value = model.raw_value(r, c)
            kind = model.kind(int(model._order[r]), c - 2)
            if math.isnan(value) or kind in ("year", "years", "status"):
                continue
            copied = cells[c]
            number = float(copied.rstrip("%")) / (100 if copied.endswith("%") else 1)
            assert number == pytest.approx(value, rel=1e-9, abs=1e-9), (r, c, copied, value)
            assert NUMBER.fullmatch(copied)
            compared += 1
    assert compared > 50
    shown = next(a for a in view.context_menu().actions() if a.text() == "Copy as shown")
    shown.trigger()
    assert not view.full_precision


def test_all_providers_has_totals_rows_that_stay_at_the_bottom(sample):
    w = sample
    result = w.result
    view = w.results_pane.providers_table
    model = view.model_
    heads = model.headers()
    totals = [r for r in range(model.rowCount()) if model.is_total(r)]
    forms = [model.cell_text(r, 2) for r in totals]
    assert forms == ["Acute-only", "Integrated"]  # the sample's one community-only provider needs no total
    assert totals == list(range(model.rowCount() - 2, model.rowCount()))
    form_codes = {"Acute-only": "acute_only", "Integrated": "integrated", "Community-only": "community_only"}
    for r in totals:
        form = model.cell_text(r, 2)
        members = [q for q in range(model.rowCount()) if not model.is_total(q) and model.cell_text(q, 2) == form]
        assert model.cell_text(r, 0) == "Total" and model.cell_text(r, 1).startswith(f"{len(members)} provider")
        for key, head in (("cumulative_surplus_gbp_k", "Cumulative surplus £000"),
                          ("npv_stranded_gbp_k", "NPV stranded cost £000"), ("shift_impact_gbp_k", "Shift impact £000")):
            c = heads.index(head)
            assert model.raw_value(r, c) == pytest.approx(sum(model.raw_value(q, c) for q in members))
            assert model.raw_value(r, c) == pytest.approx(scalar(result, form_codes[form], ALL, key))
        for head in ("Status", "Cash short from", "Break-even shift", "Lowest cash £000", "Worst rating"):
            assert model.cell_text(r, heads.index(head)) == ""  # no total of days, years, ratios or ratings
        font = model.data(model.index(r, 0), Qt.ItemDataRole.FontRole)
        assert isinstance(font, QFont) and font.bold()
        assert model.data(model.index(r, 4), Qt.ItemDataRole.BackgroundRole) is not None
    assert model.data(model.index(0, 0), Qt.ItemDataRole.FontRole) is None
    for column in (heads.index("Cumulative surplus £000"), 1):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            view.sortByColumn(column, order)
            assert [model.cell_text(r, 0) for r in range(model.rowCount() - 2, model.rowCount())] == ["Total"] * 2
            values = [model.raw_value(r, column) for r in range(model.rowCount() - 2)]
            keys = values if column != 1 else [str(v) for v in values]
            assert keys == sorted(keys, reverse=order == Qt.SortOrder.DescendingOrder)
    view.copy_table()
    rows = _clipboard()
    assert [r[0] for r in rows[-2:]] == ["Total"] * 2 and rows[-1][heads.index("Status")] == ""


def _soffice():
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(_soffice() is None, reason="LibreOffice (soffice) is not installed: the paste is not checked")
def test_copied_tables_paste_into_a_spreadsheet_as_numbers(sample, tmp_path):
    """The clipboard text read by a spreadsheet program (LibreOffice's text import, tab-separated, as a
    paste): money, days and multipliers are numbers as shown, shares percentages, words stay words."""
    import openpyxl

    w = sample
    pane = w.results_pane
    pane.picker.setCurrentIndex(pane.picker.findData(w.result.provider_codes.index("ZA1")))
    checked = {"money": 0, "money0": 0, "share": 0, "rating": 0, "multiplier": 0, "words": 0}
    for name, view in (("yearly", pane.table), ("providers", pane.providers_table)):
        (tmp_path / f"{name}.csv").write_text(view.copy_table(), encoding="utf-8")
        subprocess.run([_soffice(), f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless",
                        "--infilter=CSV:9,34,76", "--convert-to", "xlsx", "--outdir", str(tmp_path),
                        str(tmp_path / f"{name}.csv")], check=True, capture_output=True, timeout=120)
        sheet = openpyxl.load_workbook(tmp_path / f"{name}.xlsx").active
        model = view.model_
        labels = model.label_columns()
        assert [sheet.cell(1, c + 1).value for c in range(model.columnCount())] == model.headers()  # years: labels
        for r in range(model.rowCount()):
            for c in range(labels, model.columnCount()):
                cell = sheet.cell(r + 2, c + 1).value
                kind = model.kind(int(model._order[r]), c - labels)
                shown = model.cell_text(r, c)
                if math.isnan(model.raw_value(r, c)) or kind in ("year", "years", "status"):
                    assert cell == shown or (cell is None and shown == ""), (name, r, c, shown, cell)
                    checked["words"] += 1
                    continue
                assert isinstance(cell, (int, float)) and not isinstance(cell, bool), (name, r, c, shown, cell)
                expected = float(_as_excel_reads(shown).rstrip("%")) / (100 if kind == "share" else 1)
                assert cell == pytest.approx(expected, abs=1e-12), (name, r, c, shown, cell)
                checked[kind] = checked.get(kind, 0) + 1
    assert min(checked.values()) > 0, checked


def test_compare_boxes_grow_with_a_scenario_added_later(sample, qtbot):
    """The issue's "Base case c": a name added after the page was first shown is never cut."""
    w = sample
    w.resize(1366, 768)  # a laptop
    w.show_pane("Compare")
    pane = w.compare_pane
    pane.refresh()
    qtbot.wait(100)  # shown, and sized, before the new scenario exists
    w.assumptions_pane.duplicate_scenario()
    w.show_pane("Compare")
    pane.refresh()
    for box in (pane.left, pane.right):
        assert box.findText("Base case copy") >= 0
        box.setCurrentText("Base case copy")
        text_width = box.fontMetrics().horizontalAdvance("Base case copy")
        qtbot.wait(50)
        assert box.width() >= box.sizeHint().width() > text_width + 20
    assert w.width() <= 1366


def test_copied_text_from_files_never_becomes_a_formula_but_negative_numbers_stay_numbers(qapp):
    from strandrisk.ui.tables import ArrayTableModel

    model = ArrayTableModel()
    model.set_data(["Code", "Provider"], ["Cash £000", "Share"], [["=1+1", "@SUM(A1)\tx"], ["-Z", "+Y"]],
                   np.array([[-5.25, -0.5], [1234.56, 0.0]]), [("money", "share"), ("money0", "share")])
    rows = [line.split("\t") for line in model.to_tsv().splitlines()]
    assert rows[1] == ["'=1+1", "'@SUM(A1) x", "-5.3", "-50%"]  # half away from zero, as the table shows
    assert rows[2] == ["'-Z", "'+Y", "1235", "0%"]

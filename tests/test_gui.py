"""The desktop app, walked as a user would (pytest-qt, offscreen)."""

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from tests.conftest import QT_MISSING  # noqa: E402

if QT_MISSING:
    pytest.skip(QT_MISSING, allow_module_level=True)

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from strandrisk.io.project import project_file as pj  # noqa: E402
from strandrisk.ui.main_window import PANES, JobFailed, MainWindow  # noqa: E402


@pytest.fixture
def make_window(qtbot, tmp_path):
    windows = []

    def make():
        settings = QSettings(str(tmp_path / f"settings{len(windows)}.ini"), QSettings.Format.IniFormat)
        w = MainWindow(settings)
        w.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
        w.ask = lambda _title, _text, _choices, default, warn=False: default  # the suggested answer, always
        qtbot.addWidget(w)
        w.show()
        windows.append(w)
        return w

    yield make
    for w in windows:
        if w.busy:
            w.cancel_job(wait=True)


@pytest.fixture
def sample_window(make_window):
    w = make_window()
    w.open_sample(wait=True)
    return w


def test_sample_opens_with_banner_and_every_pane_draws(sample_window):
    w = sample_window
    assert w.windowTitle().startswith("StrandRisk - Sample")
    assert w.banner.isVisible()
    assert w.result is not None and w.result.system.n_providers == 7
    for name in PANES:
        w.show_pane(name)
        assert w.current_pane() == name
    table = w.results_pane.table.model_
    assert table.rowCount() == 2 * 10  # all providers: both forms x yearly measures
    tsv = w.results_pane.table.copy_table()
    assert tsv.splitlines()[0].split("\t")[:3] == ["Form", "Measure", w.result.years[0]]


def test_results_table_sorts_by_value(sample_window):
    w = sample_window
    w.show_pane("Results")
    view = w.results_pane.table
    col = 2
    view.sortByColumn(col, view.horizontalHeader().sortIndicatorOrder().AscendingOrder)
    values = [view.model_.raw_value(r, col) for r in range(view.model_.rowCount())]
    finite = [v for v in values if not np.isnan(v)]
    assert finite == sorted(finite)


def test_edit_refuse_undo_redo(sample_window, qtbot):
    w = sample_window
    pane = w.assumptions_pane
    base_npv = w.result.forms["acute_only"]["npv_stranded_gbp_k"].copy()
    assert pane.set_value("discount_rate", "0.1")
    w.rerun_now()
    assert w.result.scenario.discount_rate == 0.1
    assert (w.result.forms["acute_only"]["npv_stranded_gbp_k"] <= base_npv + 1e-9).all()
    assert "*" not in w.windowTitle() or w.isWindowModified()
    # refused inline with the reason; nothing applied
    assert not pane.set_value("fixed_release_rate", "1.5")
    err = pane.editor("fixed_release_rate").property("error_label")
    assert "between 0 and 1" in err.text() and not err.isHidden()
    assert w.workspace.scenario_dict().get("fixed_release_rate") is None
    # service-line table edit, then undo both edits and redo
    pane.lines.item(1, 1).setText("0.05")  # non_elective shift rate
    assert w.workspace.scenario_dict()["service_lines"]["non_elective"]["shift_rate"] == 0.05
    assert w.workspace.commands.count == 2
    w.undo()
    w.undo()
    w.rerun_now()
    np.testing.assert_allclose(w.result.forms["acute_only"]["npv_stranded_gbp_k"], base_npv)
    assert pane.editor("discount_rate").text() == "0.035"
    w.redo()
    w.rerun_now()
    assert w.result.scenario.discount_rate == 0.1


def test_cancel_then_complete_a_simulation(sample_window, qtbot):
    w = sample_window
    job = w.run_simulation(200_000)
    assert w.busy
    qtbot.waitUntil(lambda: w.uncertainty_pane.progress.value() > 0 or not w.busy, timeout=20_000)
    w.cancel_job(wait=True)
    assert not w.busy
    assert w.result.monte_carlo is None
    assert job is not None
    w.run_simulation(500, wait=True)
    mc = w.result.monte_carlo
    assert mc is not None and mc.simulations == 500
    assert w.result.tornado is not None
    w.show_pane("Uncertainty")
    w.uncertainty_pane.refresh()
    assert "500 simulations" in w.uncertainty_pane.status.text()


def test_export_report(sample_window, tmp_path):
    w = sample_window
    target = tmp_path / "report.xlsx"
    w.export_report(target, wait=True)
    assert target.exists() and target.stat().st_size > 1000


def test_import_messy_file_and_fix_the_mapping(make_window, tmp_path, monkeypatch):
    import openpyxl
    from strandrisk.io.spreadsheets.load import sample_paths

    wb = openpyxl.load_workbook(sample_paths()[0])
    ws = wb["Cash balances"]
    for cell in ws[1]:
        if cell.value == "cash_gbp_k":
            cell.value = "Held (k)"
    ws.insert_rows(1)
    ws["A1"] = "Cash returns (fictional)"
    messy = tmp_path / "messy.xlsx"
    wb.save(messy)

    w = make_window()
    w.import_files([messy], wait=True)
    assert w.current_pane() == "Data"
    assert any(p.severity == "error" and "Cash balance" in p.message for p in w.workspace.imported.problems)
    # the user picks the sheet and maps the unrecognised column
    tree = w.data_pane.tree
    sheet_item = next(tree.topLevelItem(0).child(i) for i in range(tree.topLevelItem(0).childCount())
                      if tree.topLevelItem(0).child(i).text(0) == "Cash balances")
    tree.setCurrentItem(sheet_item)
    combo = w.data_pane.mapping_combo("Held (k)")
    assert combo is not None
    combo.setCurrentIndex(combo.findData("cash_gbp_k"))
    combo.activated.emit(combo.currentIndex())
    assert w.busy
    w.jobs.job and __import__("strandrisk.ui.workers", fromlist=["wait_for"]).wait_for(w.jobs.job)
    assert not w.workspace.imported.has_errors
    assert w.workspace.mapping["sheets"][0]["columns"] == {"Held (k)": "cash_gbp_k"}
    assert w.result is not None and w.result.system.n_providers == 7
    # a click on a problem shows the row: none left, so check the row description directly
    assert "row" in w.describe_row("messy.xlsx", "Cash balances", "E3")
    # the mapping is saved for next month and applies to a fresh project
    from PySide6.QtWidgets import QFileDialog

    saved = tmp_path / "mapping.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(saved), ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(saved), ""))
    w.save_mapping_dialog()
    assert saved.exists()
    fresh = make_window()
    fresh.load_mapping_dialog()
    fresh.import_files([messy], wait=True)
    assert not fresh.workspace.imported.has_errors


def test_save_reopen_compare(sample_window, make_window, tmp_path):
    w = sample_window
    w.assumptions_pane.duplicate_scenario()
    assert w.workspace.current_scenario == "Base case copy"
    w.assumptions_pane.set_value("horizon_years", "7")
    path = w.save_project(tmp_path / "board")
    assert path.name == "board.strandrisk"
    assert w.windowTitle().startswith("StrandRisk - board") and not w.isWindowModified()
    assert str(path) in w.recent_files()

    other = make_window()
    other.open_project(path, read_only_if_locked=True)  # still open in the first window
    assert other.workspace.read_only and other.windowTitle().startswith("StrandRisk - board (read-only)")
    assert list(other.workspace.scenarios) == ["Base case", "Faster shift", "Base case copy"]
    assert other.result.system.horizon == 7
    assert not other.banner.isVisible()
    other.show_pane("Compare")
    pane = other.compare_pane
    pane.left.setCurrentText("Base case")
    pane.right.setCurrentText("Base case copy")
    pane.refresh(fill=False)
    model = pane.table.model_
    assert model.rowCount() == 10  # all providers: both forms x five figures (no break-even for a total)
    row = next(r for r in range(model.rowCount()) if model.raw_value(r, 1).startswith("Cumulative surplus"))
    a, b, diff = (model.raw_value(row, c) for c in (2, 3, 4))
    assert diff == pytest.approx(b - a)
    assert a != b  # seven years against five


def test_newer_project_is_refused_with_a_dialog(make_window, tmp_path, sample_window):
    import json
    import zipfile

    path = tmp_path / "future.strandrisk"
    sample_window.save_project(path)
    with zipfile.ZipFile(path) as zf:
        doc = json.loads(zf.read(pj.MEMBER))
    doc["format_version"] = pj.FORMAT_VERSION + 1
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(pj.MEMBER, json.dumps(doc))
    w = make_window()
    w.open_paths([path])
    assert "newer StrandRisk" in w.last_error
    assert w.result is None


def test_recover_from_autosave(sample_window, make_window, tmp_path):
    from strandrisk.io.project import recovery
    from strandrisk.ui.app import start_window

    w = sample_window
    w.save_project(tmp_path / "board")
    w.assumptions_pane.set_value("price_uplift", "0.03")
    written = w.autosave_now()
    assert written is not None and written.exists() and written.name.startswith("board~")
    # a crash: the window's process is gone (pretended here by renaming its file to a dead process id)
    w.workspace.lock.release()
    crashed = written.with_name(written.name.replace(f"~{__import__('os').getpid()}.", "~999999."))
    written.rename(crashed)
    w.workspace.recovery_file = None
    offered = []

    def offer(win, rec):
        offered.append(rec)
        return "recover"

    w2 = start_window(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat), offer_recovery=offer)
    w2.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    try:
        assert [r.path for r in offered] == [crashed]
        assert w2.result is not None and w2.result.scenario.price_uplift == 0.03
        assert w2.isWindowModified()
        assert w2.workspace.project_path == tmp_path / "board.strandrisk"  # its name, not "Untitled"
        assert w2.windowTitle().startswith("StrandRisk - board")
        own = w2.workspace.recovery_file
        assert own is not None and own.exists() and not crashed.exists()  # taken over by the new window
    finally:
        w2.close()
    assert not own.exists() and recovery.orphaned() == []  # a clean close removes the recovery file


def test_closing_mid_run_stops_the_worker(make_window, qtbot):
    w = make_window()
    w.open_sample(wait=True)
    job = w.run_simulation(500_000)
    ended = []
    job.cancelled.connect(lambda: ended.append("cancelled"))
    job.succeeded.connect(lambda _v: ended.append("finished"))
    w.close()
    assert not w.busy
    assert ended == ["cancelled"]


def test_job_failure_raises_for_wait_and_reports(make_window, tmp_path):
    w = make_window()
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 a damaged workbook")
    with pytest.raises(JobFailed, match="broken.xlsx"):
        w.import_files([bad], wait=True)
    assert not w.busy


def test_help_viewer_shows_the_pages(sample_window):
    viewer = sample_window.show_help()
    assert "index.md" in viewer.pages and "model.md" in viewer.pages
    assert "StrandRisk" in viewer.browser.toPlainText()
    viewer.close()


def test_first_start_opens_the_sample(qtbot, tmp_path):
    from strandrisk.ui.app import start_window

    w = start_window(settings=QSettings(str(tmp_path / "first.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.result is not None, timeout=30_000)
    assert w.workspace.is_sample and w.banner.isVisible()
    again = start_window(settings=w.settings)
    qtbot.addWidget(again)
    assert again.result is None and not again.busy


def test_tac_file_asks_which_trusts_to_read(make_window, tmp_path, monkeypatch):
    from tests import tac_fixtures as fixtures
    from strandrisk.ui import tac_dialog

    trusts = [fixtures.TrustSpec("RXA", "Alpha Hospitals NHS Foundation Trust", "London", "foundation_trust",
                                 fixtures.default_values(1, 2023, 0.02)),
              fixtures.TrustSpec("RXB", "Bravo Health NHS Foundation Trust", "North West", "foundation_trust",
                                 fixtures.default_values(2, 2023, 0.6))]
    path = fixtures.write_tac_workbook(tmp_path / "tac_2023.xlsx", 2023, trusts)
    nhs_trust = [fixtures.TrustSpec("RXC", "Charlie Hospitals NHS Trust", "London", "nhs_trust",
                                    fixtures.default_values(3, 2023, 0.03))]
    second = fixtures.write_tac_workbook(tmp_path / "tac_2023_trusts.xlsx", 2023, nhs_trust)
    seen = {}

    def pick_first(dialog):
        seen["rows"] = dialog.list.count()
        dialog.filter.setText("alpha")
        dialog._set_shown(tac_dialog.Qt.CheckState.Checked)
        dialog._accept()
        return dialog.result()

    monkeypatch.setattr(tac_dialog.TacTrustDialog, "exec", pick_first)
    w = make_window()
    job = w.import_files([path, second])
    assert seen["rows"] == 3  # trusts of every TAC file added, in one list
    assert w.workspace.tac_selection.trusts == ["RXA"]
    from strandrisk.ui.workers import wait_for

    wait_for(job)
    codes = list(w.workspace.inputs.providers["provider_code"])
    assert codes == ["RXA"]


def test_dropping_a_project_file_opens_it(sample_window, make_window, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    path = sample_window.save_project(tmp_path / "dropped")
    w = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    w.dropEvent(event)
    assert w.windowTitle().startswith("StrandRisk - dropped")
    assert w.result is not None


def test_unexpected_exception_is_logged_and_shown(qtbot, tmp_path, monkeypatch):
    import logging
    import sys

    from strandrisk.ui import app
    from strandrisk.ui.app import install_excepthook

    window = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger("strandrisk.ui").addHandler(handler)
    old = sys.excepthook
    try:
        install_excepthook()
        try:
            raise ZeroDivisionError("boom")
        except ZeroDivisionError:
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook = old
        logging.getLogger("strandrisk.ui").removeHandler(handler)
    import gc

    gc.collect()
    qtbot.wait(50)
    boxes = [b for b in app._open_dialogs if b.isVisible()]
    assert len(boxes) == 1 and boxes[0].windowTitle() == "Unexpected error"  # shown, and it stays
    text = boxes[0].text()
    assert "log" in text and "ZeroDivisionError" not in text and "Traceback" not in text
    assert any("ZeroDivisionError" in r.getMessage() for r in records)  # the details are in the log
    boxes[0].done(0)
    assert app._open_dialogs == []


def test_simulations_box_follows_the_scenario(sample_window):
    w = sample_window
    w.refresh_all()
    assert w.uncertainty_pane.simulations.value() == 10_000
    assert w.assumptions_pane.set_value("simulations", "2500")
    w.rerun_now()
    w.refresh_all()
    assert w.uncertainty_pane.simulations.value() == 2500


def test_sample_compares_two_shipped_scenarios_in_finance_format(sample_window):
    w = sample_window
    assert list(w.workspace.scenarios)[:2] == ["Base case", "Faster shift"] and w.workspace.current_scenario == "Base case"
    w.show_pane("Compare")
    pane = w.compare_pane
    pane.refresh()
    assert (pane.left.currentText(), pane.right.currentText()) == ("Base case", "Faster shift")
    zb2 = w.result.provider_codes.index("ZB2")
    pane.picker.setCurrentIndex(pane.picker.findData(zb2))
    model = pane.table.model_
    rows = {(model.cell_text(r, 0), model.cell_text(r, 1)): r for r in range(model.rowCount())}
    impact = rows[("Acute-only", "Shift impact (£000)")]
    a, b = model.raw_value(impact, 2), model.raw_value(impact, 3)
    assert a == pytest.approx(w.result.forms["acute_only"]["shift_impact_gbp_k"][zb2]) and a != b
    be = rows[("Acute-only", "Break-even shift multiplier")]
    assert 0 < model.raw_value(be, 2) < 10 and model.cell_text(be, 2).endswith("x")
    za1 = w.result.provider_codes.index("ZA1")
    pane.picker.setCurrentIndex(pane.picker.findData(za1))
    rows = {(model.cell_text(r, 0), model.cell_text(r, 1)): r for r in range(model.rowCount())}
    cum = rows[("Acute-only", "Cumulative surplus (£000)")]
    value = w.result.forms["acute_only"]["cumulative_surplus_gbp_k"][za1]
    assert value < 0 and model.cell_text(cum, 2) == f"({abs(value):,.0f})"
    year = rows[("Acute-only", "Cash below minimum from")]
    assert model.cell_text(year, 2) == w.result.first_liquidity_risk_year("acute_only", za1)


def test_results_header_and_all_providers_table(sample_window):
    w = sample_window
    w.show_pane("Results")
    pane = w.results_pane
    za1 = w.result.provider_codes.index("ZA1")
    pane.picker.setCurrentIndex(pane.picker.findData(za1))
    text = pane.summary.text()
    assert "already in deficit with no shift" in text and "itself adds" in text
    assert w.result.first_liquidity_risk_year("acute_only", za1) in text
    model = pane.providers_table.model_
    providers_rows = [r for r in range(model.rowCount()) if not model.is_total(r)]  # then a total per form
    assert len(providers_rows) == sum(len(w.result.provider_forms(p)) for p in range(w.result.system.n_providers))
    row = next(r for r in range(model.rowCount())
               if model.cell_text(r, 0) == "ZA1" and model.cell_text(r, 2) == "Acute-only")
    impact = w.result.forms["acute_only"]["shift_impact_gbp_k"][za1]
    assert model.cell_text(row, 3) == "red"  # cash falls below zero
    assert model.cell_text(row, 5) == f"{impact:,.0f}"
    assert model.cell_text(row, 6) == w.result.first_liquidity_risk_year("acute_only", za1)


def test_gui_opens_input_spreadsheets_given_on_the_command_line(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from strandrisk.io.spreadsheets.load import sample_paths
    from strandrisk.ui.app import start_window

    settings = QSettings(str(tmp_path / "files.ini"), QSettings.Format.IniFormat)
    settings.setValue("started_before", True)
    w = start_window([str(sample_paths()[0])], settings=settings, offer_recovery=lambda _w: False)
    w.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.result is not None, timeout=20000)
    assert not w.workspace.is_sample and w.result.system.n_providers == 7


def test_break_even_tab_plots_the_engine_grid_without_a_simulation(sample_window):
    w = sample_window
    w.show_pane("Uncertainty")
    pane = w.uncertainty_pane
    pane.tabs.setCurrentWidget(pane.charts["break_even"])
    curve = w.result.shift_curve

    def drawn(code):
        p = w.result.provider_codes.index(code)
        pane.picker.setCurrentIndex(pane.picker.findData(p))
        pane.refresh()
        pane.charts["break_even"].render_now()
        ax = pane.charts["break_even"].figure.axes[0]
        lines = {line.get_gid(): line for line in ax.get_lines() if line.get_gid()}
        texts = " ".join(t.get_text() for t in ax.texts)
        return p, ax, lines, texts

    p, ax, lines, texts = drawn("ZB2")
    be = w.result.break_even["acute_only"][p]
    assert 0 < be < 10
    for form in ("acute_only", "integrated"):
        x, y = lines[f"curve:{form}"].get_xdata(), lines[f"curve:{form}"].get_ydata()
        n = len(x)
        np.testing.assert_array_equal(x, curve.multipliers[:n])
        np.testing.assert_array_equal(y, curve.cumulative_surplus[form][:n, p])
        assert x[0] == 0 and x[-1] >= max(3.0, be)
    assert f"break-even {be:.2f}x" in texts and "today's assumptions (1x)" in texts
    p, ax, lines, texts = drawn("ZA1")
    assert w.result.break_even["acute_only"][p] == 0
    impact = w.result.forms["acute_only"]["shift_impact_gbp_k"][p]
    assert f"already in deficit with no shift; the shift itself adds £{impact:,.0f}k" in texts


def test_table_figures_follow_the_report_conventions():
    from strandrisk.ui.tables import format_value

    assert format_value(-1234.25, "money") == "(1,234.3)"  # half away from zero, as Excel rounds
    assert format_value(2.25, "money") == "2.3" and format_value(-0.04, "money") == "(0.0)"
    assert format_value(0.0, "money0") == "-" and format_value(-12345.5, "money0") == "(12,346)"
    assert format_value(-0.0125, "share") == "(1.3%)" and format_value(-3.25, "days") == "(3.3)"
    assert format_value(2029, "year") == "2029/30" and format_value(float("nan"), "year") == "never"
    assert format_value(float("nan"), "multiplier") == "none" and format_value(4.155, "multiplier") == "4.16x"
    assert format_value(1, "years") == "1 year later" and format_value(-2, "years") == "2 years earlier"


def test_value_with_no_meaning_is_given_one_on_the_data_page(make_window, tmp_path, monkeypatch):
    """An unknown value is an error; the Data page offers the allowed values; the choice is saved in the
    mapping file and read again for every file."""
    import json

    import openpyxl
    from strandrisk.io.spreadsheets.load import sample_paths

    wb = openpyxl.load_workbook(sample_paths()[0])
    ws = wb["Providers"]
    col = next(c.column for c in ws[1] if c.value in ("vehicle", "Legal vehicle"))
    ws.cell(2, col, "Arm's length body")
    ws.cell(3, col, "Arm's length body")
    path = tmp_path / "odd values.xlsx"
    wb.save(path)

    w = make_window()
    w.import_files([path], wait=True)
    errors = [p for p in w.workspace.imported.problems if p.severity == "error"]
    assert errors and all("Arm's length body" in p.message for p in errors)
    assert '"values": {"vehicle"' in errors[0].message
    tree = w.data_pane.tree
    top = tree.topLevelItem(0)
    tree.setCurrentItem(next(top.child(i) for i in range(top.childCount()) if top.child(i).text(0) == "Providers"))
    assert w.data_pane.values.isVisible() and "1 value with no meaning" in w.data_pane.values_title.text()
    combo = w.data_pane.value_combo("vehicle", "Arm's length body")
    assert combo is not None and [combo.itemData(i) for i in range(1, combo.count())] == ["foundation_trust",
                                                                                          "nhs_trust", "new_entity"]
    combo.setCurrentIndex(combo.findData("new_entity"))
    combo.activated.emit(combo.currentIndex())
    __import__("strandrisk.ui.workers", fromlist=["wait_for"]).wait_for(w.jobs.job)
    assert not w.workspace.imported.has_errors
    assert w.workspace.mapping["values"] == {"vehicle": {"Arm's length body": "new_entity"}}
    vehicles = {r["provider_code"]: r["vehicle"] for r in w.workspace.inputs.providers.records()}
    assert list(vehicles.values()).count("new_entity") >= 2
    # saved for next month, and it applies to a fresh project
    from PySide6.QtWidgets import QFileDialog

    saved = tmp_path / "mapping.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(saved), ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(saved), ""))
    w.save_mapping_dialog()
    assert json.loads(saved.read_text())["values"] == {"vehicle": {"Arm's length body": "new_entity"}}
    fresh = make_window()
    fresh.load_mapping_dialog()
    fresh.import_files([path], wait=True)
    assert not fresh.workspace.imported.has_errors


def test_data_page_shows_confidence_and_weak_matches(make_window, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Register"
    ws.append(["ODS code", "Income", "Expenditure", "Capital programme plan review", "Notes"])
    ws.append(["ZA1", 100, 90, 5, "ok"])
    cash = wb.create_sheet("Cash")
    cash.append(["ODS code", "Period end", "Cash (£000)"])
    cash.append(["ZA1", "31/03/2026", 10])
    path = tmp_path / "register.xlsx"
    wb.save(path)
    w = make_window()
    w.import_files([path], wait=True)
    pane = w.data_pane
    top = pane.tree.topLevelItem(0)
    pane.tree.setCurrentItem(next(top.child(i) for i in range(top.childCount()) if top.child(i).text(0) == "Register"))
    shown = {pane.mapping.item(r, 0).text(): pane.mapping.item(r, 2).text() for r in range(pane.mapping.rowCount())}
    assert shown["ODS code"] == "100%"
    assert shown["Capital programme plan review"].endswith("- confirm")
    assert shown["Notes"] == "not used"
    assert not pane.values.isVisible()
    where = {p.where for p in w.workspace.imported.problems if p.severity == "warning"}
    assert "register.xlsx: Register!D1" in where and "register.xlsx: Register!E1" in where

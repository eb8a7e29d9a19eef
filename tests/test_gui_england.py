"""The England page (issue 20): TAC files screened in a window, filters, the scatter, Open this trust."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
from tests.conftest import QT_MISSING  # noqa: E402

if QT_MISSING:
    pytest.skip(QT_MISSING, allow_module_level=True)


from strandrisk.io.tac.screen import COLUMNS  # noqa: E402
from tests.tac_fixtures import england_trusts, write_tac_workbook  # noqa: E402

COLUMN = {key: j for j, (key, _) in enumerate(COLUMNS)}


@pytest.fixture
def tac_pair(tmp_path):
    ft = write_tac_workbook(tmp_path / "ft.xlsx", 2023, england_trusts(2023, "foundation_trust", 11, 1, "RF"),
                            published=True)
    nhs = write_tac_workbook(tmp_path / "nhs.xlsx", 2023, england_trusts(2023, "nhs_trust", 11, 2, "RN"),
                             published=True)
    return [ft, nhs]


def test_england_page_filters_recomputes_and_opens_a_trust(window, tac_pair, qtbot, tmp_path):
    window.screen_england(tac_pair, wait=True)
    qtbot.waitUntil(lambda: getattr(window, "england", None) is not None)
    page = window.england
    assert page.table.rowCount() == 22
    assert "16 screened in both forms" in page.heading.text()
    first = page.rows_shown[0]
    assert first["rank"] == 1 and first["status"] == "screened"
    assert page.table.item(0, COLUMN["form"]).text() in ("Acute-only", "Integrated")  # words, not codes
    assert page.table.item(0, COLUMN["sector"]).text() in ("Foundation trust", "NHS trust")
    assert page.table.item(0, COLUMN["status"]).text() == "Screened (both forms)"
    assert "Not applicable" in [page.status.itemText(i) for i in range(page.status.count())]
    page.region.setCurrentText("London")
    assert 0 < page.table.rowCount() < 22 and all(r["region"] == "London" for r in page.rows_shown)
    page.region.setCurrentText("All")
    page.choose_filter("status", "not_applicable")
    assert all(r["status"] == "not_applicable" for r in page.rows_shown)
    page.select(page.rows_shown[0]["provider_code"])
    assert not page.open_button.isEnabled()  # nothing derived to open
    page.choose_filter("status", None)
    page.choose_filter("sector", "nhs_trust")
    assert page.rows_shown and all(r["sector"] == "nhs_trust" for r in page.rows_shown)
    page.choose_filter("sector", None)
    page.flagged.setChecked(True)
    assert page.rows_shown and all(r["flags"] for r in page.rows_shown)
    page.flagged.setChecked(False)
    assert page.table.rowCount() == 22

    page.chart.render_now()
    ax = page.chart.figure.axes[0]
    arrows = [c for c in ax.texts if getattr(c, "arrow_patch", None) is not None]
    assert len(arrows) == 16  # one arrow per screened trust
    from matplotlib.backend_bases import MouseEvent

    x, y = ax.transData.transform((first["ao_stranded_pct"], first["ao_cum_surplus_pct"]))
    page._on_hover(MouseEvent("motion_notify_event", page.chart.canvas, x, y))
    assert page._hover.get_visible() and page._hover.get_text().startswith(first["provider_code"])
    assert first["provider_name"] in page._hover.get_text() and "acute-only" in page._hover.get_text()

    stranded = first["ao_npv_stranded"]
    data = window.workspace.scenario_dict()
    data["repurpose_share"] = 0.0  # the user changes the project's scenario on the Assumptions page
    data.setdefault("service_lines", {}).setdefault("non_elective", {})["shift_rate"] = 0.04
    window.workspace.edit_scenario(data, "faster shift")
    assert page.follow_project_scenario() and not page.follow_project_scenario()
    assert "repurpose_share 0" in page.heading.text()
    assert next(r for r in page.result.rows if r["provider_code"] == first["provider_code"])["ao_npv_stranded"] \
        != pytest.approx(stranded)

    before = page.result.tac.derivation.peers["community_ratio"]
    page.ratio.setValue(0.6)
    page.rescreen()
    assert page.result.tac.derivation.peers["community_ratio"] == pytest.approx(0.6) != before

    from openpyxl import load_workbook

    from strandrisk.ui.workers import JobFailed

    page.export_workbook(tmp_path / "England screen.xlsx", wait=True)
    book = load_workbook(tmp_path / "England screen.xlsx", read_only=True)
    assert book.sheetnames[:2] == ["Ranked", "Scatter"]
    assert [c.value for c in next(book["Ranked"].iter_rows(min_row=5, max_row=5))][5] == "Screened (both forms)"
    before_bytes = tac_pair[0].read_bytes()
    with pytest.raises(JobFailed, match="one of the TAC files the screen read"):
        page.export_workbook(tac_pair[0], wait=True)  # never over a TAC file read
    assert tac_pair[0].read_bytes() == before_bytes

    code = first["provider_code"]
    page.select(code)
    assert page.selected_code() == code and page.open_button.isEnabled()
    page.open_selected()
    ws = window.workspace
    assert list(ws.inputs.providers["provider_code"]) == [code]
    assert ws.inputs.block_contracts.n_rows > 0 and set(ws.inputs.block_contracts["provider_code"]) == {code}
    assert ws.source_paths == [] and ws.result is not None
    assert window.current_pane() == "Data"


def _answer_tac_dialog(monkeypatch, choice: str, codes=()):
    """Stand in for the user at the TAC dialog: pick a choice (and tick trusts), press OK."""
    from strandrisk.ui import tac_dialog

    seen = {}

    def exec_(dialog):
        seen["dialog"] = dialog
        seen["default"] = dialog.choice()
        seen["ok"] = dialog.buttons.button(dialog.buttons.StandardButton.Ok).text()
        for i in range(dialog.list.count()):
            item = dialog.list.item(i)
            if item.data(tac_dialog.Qt.ItemDataRole.UserRole) in codes:
                item.setCheckState(tac_dialog.Qt.CheckState.Checked)
        if choice == tac_dialog.SCREEN:
            dialog.choose(tac_dialog.SCREEN)
        dialog._accept()
        return dialog.result()

    monkeypatch.setattr(tac_dialog.TacTrustDialog, "exec", exec_)
    return seen


def test_adding_tac_files_and_choosing_the_screen_opens_the_england_page(window, tac_pair, qtbot, monkeypatch):
    from strandrisk.ui.tac_dialog import SCREEN

    seen = _answer_tac_dialog(monkeypatch, SCREEN)
    window.import_files(tac_pair)  # File > Add data files, or a drop: the interactive route
    assert seen["default"] == SCREEN and seen["ok"] == "Screen England"
    assert "22 trusts" in seen["dialog"].intro.text() and "Screen all 22 trusts" in seen["dialog"].screen_choice.text()
    qtbot.waitUntil(lambda: getattr(window, "england", None) is not None, timeout=60_000)
    page = window.england
    assert page.isVisible() and page.table.rowCount() == 22
    assert page.table.item(0, 1).text() == page.rows_shown[0]["provider_code"]
    assert window.workspace.source_paths == []  # the project is not changed by a screen


def test_ticking_trusts_imports_them_as_before(window, tac_pair, qtbot, monkeypatch):
    from strandrisk.ui.tac_dialog import IMPORT

    seen = _answer_tac_dialog(monkeypatch, IMPORT, codes=("RF000", "RF001"))
    window.import_files(tac_pair)
    assert seen["dialog"].choice() == IMPORT  # ticking a trust chose the import
    qtbot.waitUntil(lambda: not window.busy and window.workspace.inputs is not None, timeout=60_000)
    assert sorted(window.workspace.inputs.providers["provider_code"]) == ["RF000", "RF001"]
    assert getattr(window, "england", None) is None


def test_other_spreadsheets_added_with_the_screen_are_imported(window, tac_pair, qtbot, monkeypatch, tmp_path):
    from strandrisk.io.spreadsheets.template import write_template
    from strandrisk.ui.tac_dialog import SCREEN

    _answer_tac_dialog(monkeypatch, SCREEN)
    own = tmp_path / "own inputs.xlsx"
    write_template(own)
    window.import_files(tac_pair + [own])
    qtbot.waitUntil(lambda: getattr(window, "england", None) is not None, timeout=60_000)
    qtbot.waitUntil(lambda: not window.busy and [Path(p).name for p in window.workspace.source_paths] == [own.name],
                    timeout=60_000)


def test_screening_again_replaces_the_england_page(window, tac_pair, qtbot):
    from strandrisk.ui.england_pane import EnglandWindow

    window.screen_england(tac_pair, wait=True)
    assert window.england.table.rowCount() == 22
    window.screen_england(tac_pair[:1], wait=True)
    qtbot.waitUntil(lambda: [w for w in window.findChildren(EnglandWindow) if w.isVisible()] == [window.england])
    assert window.england.table.rowCount() == 11


def test_cancelling_the_tac_dialog_reads_nothing(window, tac_pair, monkeypatch):
    from strandrisk.ui import tac_dialog

    monkeypatch.setattr(tac_dialog.TacTrustDialog, "exec", lambda dialog: tac_dialog.QDialog.DialogCode.Rejected)
    assert window.import_files(tac_pair) is None
    assert not window.busy and getattr(window, "england", None) is None and window.workspace.source_paths == []

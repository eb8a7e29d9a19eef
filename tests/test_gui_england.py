"""The England page (issue 20): TAC files screened in a window, filters, the scatter, Open this trust."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from tests.conftest import QT_MISSING  # noqa: E402

if QT_MISSING:
    pytest.skip(QT_MISSING, allow_module_level=True)


from tests.tac_fixtures import england_trusts, write_tac_workbook  # noqa: E402


@pytest.fixture
def tac_pair(tmp_path):
    ft = write_tac_workbook(tmp_path / "ft.xlsx", 2023, england_trusts(2023, "foundation_trust", 11, 1, "RF"),
                            published=True)
    nhs = write_tac_workbook(tmp_path / "nhs.xlsx", 2023, england_trusts(2023, "nhs_trust", 11, 2, "RN"),
                             published=True)
    return [ft, nhs]


def test_england_page_filters_recomputes_and_opens_a_trust(window, tac_pair, qtbot):
    window.screen_england(tac_pair, wait=True)
    qtbot.waitUntil(lambda: getattr(window, "england", None) is not None)
    page = window.england
    assert page.table.rowCount() == 22
    assert "16 screened in both forms" in page.heading.text()
    first = page.rows_shown[0]
    assert first["rank"] == 1 and first["status"] == "screened"
    page.region.setCurrentText("London")
    assert 0 < page.table.rowCount() < 22 and all(r["region"] == "London" for r in page.rows_shown)
    page.region.setCurrentText("All")
    page.status.setCurrentText("not_applicable")
    assert all(r["status"] == "not_applicable" for r in page.rows_shown)
    page.select(page.rows_shown[0]["provider_code"])
    assert not page.open_button.isEnabled()  # nothing derived to open
    page.status.setCurrentText("All")

    page.chart.render_now()
    ax = page.chart.figure.axes[0]
    arrows = [c for c in ax.texts if getattr(c, "arrow_patch", None) is not None]
    assert len(arrows) == 16  # one arrow per screened trust
    assert "RF" in page.hover_text(first, "acute-only") or "RN" in page.hover_text(first, "acute-only")

    before = page.result.tac.derivation.peers["community_ratio"]
    page.ratio.setValue(0.6)
    page.rescreen()
    assert page.result.tac.derivation.peers["community_ratio"] == pytest.approx(0.6) != before

    code = first["provider_code"]
    page.select(code)
    assert page.selected_code() == code and page.open_button.isEnabled()
    page.open_selected()
    ws = window.workspace
    assert list(ws.inputs.providers["provider_code"]) == [code]
    assert ws.inputs.block_contracts.n_rows > 0 and set(ws.inputs.block_contracts["provider_code"]) == {code}
    assert ws.source_paths == [] and ws.result is not None
    assert window.current_pane() == "Data"

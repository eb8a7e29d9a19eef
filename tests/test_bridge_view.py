"""Issue 18 in the app: the Bridge view, the Uncertainty page's metric choice, and statuses that include cash
(pytest-qt, offscreen)."""

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from tests.conftest import QT_MISSING  # noqa: E402

if QT_MISSING:
    pytest.skip(QT_MISSING, allow_module_level=True)

from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from strandrisk.core.bridges import COMPONENT_LABELS, COMPONENTS  # noqa: E402
from strandrisk.core.simulation import TORNADO_METRICS  # noqa: E402
from strandrisk.ui.main_window import MainWindow  # noqa: E402


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings)
    w.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    qtbot.addWidget(w)
    w.show()
    w.open_sample(wait=True)
    yield w
    if w.busy:
        w.cancel_job(wait=True)


def _pick(picker, result, code):
    p = result.provider_codes.index(code)
    picker.setCurrentIndex(picker.findData(p))
    return p


def _table(view):
    """Component -> the row's values, from what the table shows."""
    model = view.table.model_
    ncols = model.columnCount()
    heads = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(ncols)]
    rows = {model.cell_text(r, 0): [model.raw_value(r, c) for c in range(1, ncols)] for r in range(model.rowCount())}
    return heads, rows


def _bars(ax):
    """(kind, left, width) of each waterfall bar, in drawing order: top to bottom."""
    return [(patch.get_gid(), patch.get_x(), patch.get_width()) for patch in ax.patches if patch.get_gid()]


def test_bridge_view_shows_the_engines_bridges_and_adds_up_to_the_headline(window):
    w = window
    result = w.result
    pane = w.results_pane
    w.show_pane("Results")
    pane.tabs.setCurrentWidget(pane.bridge)
    view = pane.bridge
    for code in ("ZA1", "ZB2"):
        p = _pick(pane.picker, result, code)
        for form in ("acute_only", "integrated"):
            view.form_box.setCurrentIndex(view.form_box.findData(form))
            heads, rows = _table(view)
            assert heads[-1].startswith("Driven by")
            engine_shift = result.shift_bridge(form, p)
            engine_form = result.form_bridge(p)
            for name in COMPONENTS:
                row = rows.get(COMPONENT_LABELS[name])
                if row is None:  # no effect in either bridge
                    assert abs(engine_shift[name]) < 0.05 and abs(engine_form[name]) < 0.05
                    continue
                assert row[0] == pytest.approx(engine_shift[name], abs=1e-9)
                assert row[1] == pytest.approx(engine_form[name], abs=1e-9)
            total = rows["Total (the headline)"]
            impact = result.forms[form]["shift_impact_gbp_k"][p]
            difference = (result.forms["integrated"]["cumulative_surplus_gbp_k"][p]
                          - result.forms["acute_only"]["cumulative_surplus_gbp_k"][p])
            assert total[0] == pytest.approx(impact, abs=0.01)
            assert total[1] == pytest.approx(difference, abs=0.01)
            # the charts: drawn when shown, bars from a running total ending at the headline
            view.chart.render_now()
            shift_ax, form_ax = view.chart.figure.axes
            for ax, headline in ((shift_ax, impact), (form_ax, difference)):
                bars = _bars(ax)
                assert bars[-1][0] == "total" and bars[-1][1] == 0
                assert bars[-1][2] == pytest.approx(headline, abs=0.01)
                running = 0.0
                for kind, left, width in bars[:-1]:
                    assert left == pytest.approx(running) and kind == ("increase" if width >= 0 else "decrease")
                    running += width
                assert running == pytest.approx(headline, abs=0.01)
            assert "Repurposed stranded cost" in " ".join(rows) or form == "acute_only"
    assert pane._shown_table() is view.table and "Driven by" in view.table.copy_table().splitlines()[0]
    # the assumption behind the repurposed cost is named with its value
    view.form_box.setCurrentIndex(view.form_box.findData("integrated"))
    model = view.table.model_
    notes = {model.cell_text(r, 0): model.cell_text(r, model.columnCount() - 1) for r in range(model.rowCount())}
    assert "50%" in notes["Repurposed stranded cost"]


def test_bridge_view_for_all_providers_and_a_community_only_provider(window):
    w = window
    result = w.result
    pane = w.results_pane
    w.show_pane("Results")
    pane.tabs.setCurrentWidget(pane.bridge)
    view = pane.bridge
    pane.picker.setCurrentIndex(0)  # All providers
    view.form_box.setCurrentIndex(view.form_box.findData("acute_only"))
    _heads, rows = _table(view)
    modelled = [p for p in range(result.system.n_providers) if "acute_only" in result.provider_forms(p)]
    assert rows["Total (the headline)"][0] == pytest.approx(
        float(np.sum(result.forms["acute_only"]["shift_impact_gbp_k"][modelled])), abs=0.05)
    _pick(pane.picker, result, "ZE5")  # community-only: one form, no form bridge
    heads, rows = _table(view)
    assert [view.form_box.itemData(i) for i in range(view.form_box.count())] == ["community_only"]
    assert len(heads) == 3
    view.chart.render_now()
    texts = " ".join(t.get_text() for ax in view.chart.figure.axes for t in ax.texts)
    assert "no form bridge" in texts and not any(p.get_gid() for p in view.chart.figure.axes[1].patches)


def test_bridge_values_stay_inside_their_charts_on_a_laptop_window(window):
    """Every value written beside a waterfall bar lies inside its axes, even when the window is narrow."""
    w = window
    w.resize(1280, 720)
    pane = w.results_pane
    w.show_pane("Results")
    pane.tabs.setCurrentWidget(pane.bridge)
    view = pane.bridge
    pane.picker.setCurrentIndex(0)  # All providers: the widest figures
    view.form_box.setCurrentIndex(view.form_box.findData("acute_only"))
    view.chart.render_now()
    fig = view.chart.figure
    renderer = fig.canvas.get_renderer()
    checked = 0
    for ax in fig.axes:
        box = ax.get_window_extent(renderer)
        for text in ax.texts:
            extent = text.get_window_extent(renderer)
            assert box.x0 - 1 <= extent.x0 and extent.x1 <= box.x1 + 1, text.get_text()
            checked += 1
    assert checked >= 8


def test_metric_choice_changes_the_tornado_and_marks_deterministic_and_median(window):
    w = window
    w.run_simulation(400, wait=True)
    w.show_pane("Uncertainty")
    pane = w.uncertainty_pane
    p = _pick(pane.picker, w.result, "ZA1")
    tor = w.result.tornado
    rankings = {}
    for metric in TORNADO_METRICS:
        pane.metric_box.setCurrentIndex(pane.metric_box.findData(metric))
        pane.tabs.setCurrentWidget(pane.charts["tornado"])
        pane.charts["tornado"].render_now()
        ax = pane.charts["tornado"].figure.axes[0]
        shown = [t.get_text() for t in ax.get_yticklabels()][::-1]  # largest swing on top
        expected = [r["label"] for r in tor.ranked("acute_only", p, by=metric)[:10]]
        assert shown == expected
        rankings[metric] = shown
        pane.tabs.setCurrentWidget(pane.charts["histogram"])
        pane.charts["histogram"].render_now()
        texts = " ".join(t.get_text() for t in pane.charts["histogram"].figure.axes[0].texts)
        assert "Acute-only deterministic" in texts and "Acute-only median" in texts
        assert "deterministic" in pane.status.text() and "median" in pane.status.text()
    assert rankings["npv_stranded"] != rankings["cumulative_surplus"]
    pane.tabs.setCurrentWidget(pane.charts["fan"])
    pane.charts["fan"].render_now()
    for ax in pane.charts["fan"].figure.axes:
        texts = [t.get_text() for t in ax.texts]
        assert any(t.startswith("deterministic") for t in texts) and any(t.startswith("median") for t in texts)
        assert "deterministic" in [line.get_label() for line in ax.get_lines()]


def test_statuses_include_cash(window):
    """The issue's case, under the fixed-cost rule it was found with (built at once): ZG7 integrated, rated 1
    but below the minimum cash days from 2026/27, is amber, never green; ZG7 acute-only has negative cash,
    so red - in the All providers table, the Results header and Compare."""
    w = window
    assert w.assumptions_pane.set_value("fixed_build_lag_years", "0")
    assert w.assumptions_pane.set_value("fixed_build_rate", "1")
    w.rerun_now()
    result = w.result
    pane = w.results_pane
    zg7 = result.provider_codes.index("ZG7")
    assert np.nanmax(result.forms["integrated"]["rating_finance"][zg7]) == 1
    w.show_pane("Results")
    assert result.first_liquidity_risk_year("integrated", zg7) == "2026/27"
    assert np.min(result.forms["acute_only"]["cash_gbp_k"][zg7]) < 0
    model = pane.providers_table.model_
    status_col = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())].index("Status")
    statuses = {(model.cell_text(r, 0), model.cell_text(r, 2)): model.cell_text(r, status_col)
                for r in range(model.rowCount()) if not model.is_total(r)}
    assert statuses[("ZG7", "Acute-only")] == "red"
    assert statuses[("ZG7", "Integrated")] == "amber"
    assert set(statuses.values()) <= {"green", "amber", "red"}
    _pick(pane.picker, result, "ZG7")
    header = pane.summary.text()
    assert "Acute-only</b> <span" in header and "&nbsp;red&nbsp;" in header and "&nbsp;amber&nbsp;" in header
    w.show_pane("Compare")
    compare = w.compare_pane
    compare.refresh()
    _pick(compare.picker, result, "ZG7")
    cmodel = compare.table.model_
    rows = {(cmodel.cell_text(r, 0), cmodel.cell_text(r, 1)): r for r in range(cmodel.rowCount())}
    assert cmodel.cell_text(rows[("Acute-only", "Status")], 2) == "red"
    assert cmodel.cell_text(rows[("Integrated", "Status")], 2) == "amber"

"""Issue 21: every chart copies to the clipboard and saves as PNG or SVG, named and titled after what it shows
(pytest-qt, offscreen); the break-even labels kept off the curves."""

import datetime
import struct
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from tests.conftest import QT_MISSING  # noqa: E402

if QT_MISSING:
    pytest.skip(QT_MISSING, allow_module_level=True)

from PySide6.QtCore import QPoint  # noqa: E402
from PySide6.QtGui import QContextMenuEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox  # noqa: E402

from matplotlib.text import Text  # noqa: E402

from tests.shared_window import sample, sample_window  # noqa: E402,F401  (fixtures)
from strandrisk.ui.charts import ChartPanel  # noqa: E402

TODAY = datetime.date.today().isoformat()



def _pick(picker, result, code):
    picker.setCurrentIndex(picker.findData(result.provider_codes.index(code)))


def _png_text(data: bytes) -> dict[str, str]:
    """The tEXt chunks of a PNG (after checking its signature and every chunk's CRC)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    texts, i = {}, 8
    while i < len(data):
        length, kind = struct.unpack(">I4s", data[i:i + 8])
        body = data[i + 8:i + 8 + length]
        assert struct.unpack(">I", data[i + 8 + length:i + 12 + length])[0] == zlib.crc32(kind + body)
        if kind == b"tEXt":
            key, value = body.split(b"\0", 1)
            texts[key.decode("latin-1")] = value.decode("latin-1")
        i += 12 + length
    assert kind == b"IEND"
    return texts


def _all_panels(w) -> list[ChartPanel]:
    return w.findChildren(ChartPanel)


def test_every_chart_has_copy_and_save_in_its_toolbar_and_menu(sample):
    panels = _all_panels(sample)
    assert len(panels) >= 11  # Results 4 + Bridge + Compare + Uncertainty 5
    for panel in panels:
        toolbar = [a.text() for a in panel.toolbar.actions()]
        assert "Copy chart" in toolbar and "Save chart..." in toolbar
        assert not any(a.text() == "Save" or "Save the figure" in a.toolTip() for a in panel.toolbar.actions())
        assert [a.text() for a in panel.context_menu().actions()] == ["Copy chart", "Save chart..."]
    # a right-click on a chart opens that menu
    panel = sample.results_pane.charts["stranded"]
    QApplication.sendEvent(panel.canvas, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(40, 40)))
    shown = [m for m in QApplication.topLevelWidgets() if isinstance(m, QMenu) and m.isVisible()]
    assert [[a.text() for a in m.actions()] for m in shown] == [["Copy chart", "Save chart..."]]
    shown[0].close()


def test_copy_chart_puts_an_image_on_the_clipboard(sample):
    w = sample
    pane = w.results_pane
    _pick(pane.picker, w.result, "ZA1")
    pane.tabs.setCurrentWidget(pane.charts["cash"])
    QApplication.clipboard().clear()
    pane.charts["cash"].copy_action.trigger()
    image = QApplication.clipboard().image()
    assert not image.isNull() and image.width() > 400 and image.height() > 200
    # a chart never shown (a hidden tab) is drawn first, not copied blank
    rating = pane.charts["rating"]
    assert not rating.isVisible()
    rating.copy_chart()
    assert not QApplication.clipboard().image().isNull()
    assert rating.figure.axes and rating.figure.axes[0].get_title(loc="left").startswith("Finance rating")


def test_save_chart_writes_png_and_svg_named_after_provider_form_scenario_and_date(sample, tmp_path, monkeypatch):
    w = sample
    pane = w.results_pane
    _pick(pane.picker, w.result, "ZA1")
    pane.tabs.setCurrentWidget(pane.bridge)
    panel = pane.bridge.chart
    assert panel.suggested_name() == f"ZA1 acute-only - Base case - bridge - {TODAY}.png"
    w.settings.setValue("last_dir", str(tmp_path))
    seen = {}

    def accept(dialog):  # the user presses Save on what the dialog suggests
        seen["files"] = dialog.selectedFiles()
        seen["dialog"] = dialog
        seen["asks_before_replacing"] = not dialog.testOption(QFileDialog.Option.DontConfirmOverwrite)
        seen["filters"] = dialog.nameFilters()
        return 1

    monkeypatch.setattr(QFileDialog, "exec", accept)
    panel.save_action.trigger()  # the toolbar button
    saved = tmp_path / f"ZA1 acute-only - Base case - bridge - {TODAY}.png"
    assert saved.exists()
    assert [Path(f) for f in seen["files"]] == [saved] and seen["asks_before_replacing"]
    assert seen["filters"] == ["PNG image (*.png)", "SVG image (*.svg)"]
    dialog = seen["dialog"]
    dialog.filterSelected.emit("SVG image (*.svg)")  # choosing SVG changes the suggested name with it
    assert dialog.defaultSuffix() == "svg" and dialog.selectedFiles()[0].endswith("bridge - " + TODAY + ".svg")
    title = _png_text(saved.read_bytes())["Title"]
    assert "ZA1 - Northmoor Hospitals NHS Foundation Trust, acute-only" in title and "'Base case'" in title
    from PySide6.QtGui import QImage

    image = QImage(str(saved))
    assert not image.isNull()
    # the bridge chart is narrow: its title line is split in two rather than widening the picture
    assert image.width() <= panel.figure.get_size_inches()[0] * 150 + 0.3 * 150
    # SVG, from the Results page's cash chart of all providers
    cash = pane.charts["cash"]
    pane.picker.setCurrentIndex(0)
    svg = cash.save_chart(tmp_path / cash.suggested_name("svg"))
    assert svg.name == f"All providers both forms - Base case - surplus and cash - {TODAY}.svg"
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    from PySide6.QtSvg import QSvgRenderer

    assert QSvgRenderer(str(svg)).isValid()  # a drawing an SVG renderer (Qt's) reads
    text = "".join(root.itertext())
    assert "All providers, both forms - scenario 'Base case'" in text and "Surplus / deficit" in text
    # no temporary file left beside them
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".png", ".svg")) == sorted([saved.name, svg.name])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~")]


def test_a_failed_save_says_why_and_leaves_the_file_as_it_was(sample, tmp_path, monkeypatch):
    panel = sample.results_pane.charts["stranded"]
    target = tmp_path / "kept.png"
    target.write_bytes(b"old")
    target.chmod(0o444)  # read-only by its mode (StrandRisk never replaces such a file, even as root)
    said = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: said.append(text))
    assert panel.save_chart(target) is None
    assert target.read_bytes() == b"old"
    assert said and said[0].startswith("Saving kept.png failed:") and "read-only" in said[0]
    assert "Error" not in said[0] and "Traceback" not in said[0]


def test_the_uncertainty_compare_and_england_charts_know_their_context(sample):
    w = sample
    w.run_simulation(300, wait=True)
    w.show_pane("Uncertainty")
    pane = w.uncertainty_pane
    _pick(pane.picker, w.result, "ZB2")
    pane.refresh()
    names = {key: panel.suggested_name() for key, panel in pane.charts.items()}
    assert names["break_even"] == f"ZB2 both forms - Base case - break-even - {TODAY}.png"
    assert names["fan"] == f"ZB2 both forms - Base case - cash range - {TODAY}.png"
    assert names["tornado"].startswith("ZB2 both forms - Base case - what matters most to ")
    w.show_pane("Compare")
    compare = w.compare_pane
    compare.refresh()
    assert compare.chart.suggested_name().endswith(f" vs Faster shift - cash compared - {TODAY}.png")
    assert ChartPanel().suggested_name() == f"both forms - chart - {TODAY}.png"


def test_a_scenario_name_never_makes_a_bad_file_name(sample):
    panel = sample.results_pane.charts["stranded"]
    panel.set_context("cash", "ZA1", "", "integrated", 'What if? 50/50 "high": a<b>|c')
    name = panel.suggested_name()
    assert name == f"ZA1 integrated - What if- 50-50 -high- a-b-c - cash - {TODAY}.png"


def _overlaps(label_box, curve_points) -> bool:
    x0, y0, x1, y1 = label_box.x0, label_box.y0, label_box.x1, label_box.y1
    inside = (curve_points[:, 0] >= x0) & (curve_points[:, 0] <= x1) & (curve_points[:, 1] >= y0) \
        & (curve_points[:, 1] <= y1)
    return bool(inside.any())


@pytest.mark.parametrize("code", ["ZA1", "ZB2", "ZC3", "ZG7"])
def test_break_even_labels_sit_off_the_curves(sample, code, qtbot):
    w = sample
    w.show_pane("Uncertainty")
    pane = w.uncertainty_pane
    _pick(pane.picker, w.result, code)
    pane.tabs.setCurrentWidget(pane.charts["break_even"])
    panel = pane.charts["break_even"]
    w.resize(1280, 720)
    qtbot.wait(50)
    panel.render_now()
    _labels_clear_of_curves(panel, code)
    width = panel.figure.get_size_inches()[0]
    w.resize(1900, 1000)  # a resize moves the curves on screen: the labels are placed again
    qtbot.waitUntil(lambda: panel.figure.get_size_inches()[0] > width * 1.2, timeout=3000)
    _labels_clear_of_curves(panel, code)


def _labels_clear_of_curves(panel, code):
    fig = panel.figure
    fig.canvas.draw()
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    curves = []
    for line in ax.lines:
        if str(line.get_gid()).startswith("curve:"):
            x, y = line.get_xdata(), line.get_ydata()
            xs = np.linspace(x[0], x[-1], 2000)
            curves.append(ax.transData.transform(np.column_stack([xs, np.interp(xs, x, y)])))
    assert curves
    points = np.vstack(curves)
    labels = [t for t in ax.texts if t.get_gid() == "point-label"]
    assert labels
    boxes = []
    for label in labels:
        label.update_positions(renderer)
        box = Text.get_window_extent(label, renderer)  # the text, without its leader line to the point
        assert not _overlaps(box, points), (code, label.get_text())
        assert all(not box.overlaps(other) for other in boxes), (code, label.get_text())
        boxes.append(box)

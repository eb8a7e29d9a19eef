"""The Results page's Bridge view: what a headline figure is made of. Two waterfalls (the shift bridge of the
chosen form, the form bridge of the provider) and the table beside them with the assumption behind each
component. The figures are the engine's bridges (core); this only lays them out."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QHeaderView, QLabel, QSplitter, QVBoxLayout, QWidget

from ..core.bridges import COMPONENTS
from ..workspace.explain import assumption_text, component_label, form_bridge, shift_bridge
from .charts import FORM_LABELS, ChartPanel, fit_values, waterfall
from .series import ALL, forms_for, provider_label
from .tables import ArrayTableView

SHIFT_TOTAL = "Shift impact"
FORM_TOTAL = "Integrated minus acute-only"


class BridgeView(QWidget):
    """Waterfalls and their table for one provider (or all providers summed)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Shift bridge of the"))
        self.form_box = QComboBox()
        self.form_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.form_box.currentIndexChanged.connect(lambda _i: self._show())
        bar.addWidget(self.form_box)
        bar.addWidget(QLabel("form"))
        self.note = QLabel("")
        self.note.setWordWrap(True)
        bar.addWidget(self.note, 1)
        lay.addLayout(bar)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.chart = ChartPanel()
        self.table = ArrayTableView()
        # the last column (the assumptions) takes the width left and wraps; rows grow to fit it
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        split.addWidget(self.chart)
        split.addWidget(self.table)
        split.setStretchFactor(0, 9)
        split.setStretchFactor(1, 11)
        split.setSizes([450, 550])
        lay.addWidget(split, 1)
        self.result = None
        self.provider = ALL
        self.shift: dict[str, float] = {}
        self.form: dict[str, float] | None = None

    def selected_form(self) -> str | None:
        return self.form_box.currentData()

    def show_result(self, result, p: int) -> None:
        """New results or another provider: refill the form choice (keeping the form), the table, and the
        chart (drawn when on screen)."""
        self.result, self.provider = result, p
        current = self.form_box.currentData()
        self.form_box.blockSignals(True)
        self.form_box.clear()
        if result is not None:
            for form in forms_for(result, p):
                self.form_box.addItem(FORM_LABELS[form], form)
            index = self.form_box.findData(current)
            self.form_box.setCurrentIndex(index if index >= 0 else 0)
        self.form_box.blockSignals(False)
        self._show()

    def _show(self) -> None:
        result, p, form = self.result, self.provider, self.selected_form()
        if result is None or form is None:
            self.table.model_.set_data([], [], [], np.zeros((0, 0)), [])
            self.chart.clear("No results yet")
            self.note.setText("")
            return
        who = None if p == ALL else p
        self.shift = shift_bridge(result, form, who)
        self.form = form_bridge(result, who)
        self.note.setText("  Effects on the cumulative surplus over the horizon, £000"
                          + (" (summed over the providers)" if p == ALL else ""))
        self._fill_table(result, form)
        self.chart.set_result_context(result, p, "bridge", str(result.scenario.name), (form,))
        self.chart.update_later(lambda: self._draw(result, p, form))

    def _fill_table(self, result, form: str) -> None:
        """One row per component with an effect, then the totals (which equal the headline figures)."""
        shown = [name for name in COMPONENTS
                 if abs(self.shift[name]) >= 0.05 or (self.form is not None and abs(self.form[name]) >= 0.05)]
        heads = [f"Shift bridge\n{FORM_LABELS[form].lower()}\n£000"]
        if self.form is not None:
            heads.append("Integrated -\nacute-only\n£000")
        labels, values, notes = [], [], []
        for name in shown:
            labels.append([component_label(name)])
            values.append([self.shift[name]] + ([self.form[name]] if self.form is not None else []))
            notes.append(assumption_text(result.scenario, name))
        labels.append(["Total (the headline)"])
        values.append([sum(self.shift.values())] + ([sum(self.form.values())] if self.form is not None else []))
        notes.append("Shift impact" + ("; difference in cumulative surplus" if self.form is not None else ""))
        self.table.model_.set_data(["Component"], heads, labels, np.array(values, dtype=float),
                                   ["money0"] * len(labels), totals=1, notes=notes,
                                   note_header="Driven by (scenario value)")
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(len(heads) + 1, QHeaderView.ResizeMode.Stretch)

    def _draw(self, result, p: int, form: str) -> None:
        """The shift bridge above the form bridge, each a waterfall of its components with an effect; a
        line of text in place of a bridge with no effect or none to show (a community-only provider)."""
        fig = self.chart.figure
        who = str(result.system.provider_code[p]) if p != ALL else provider_label(result, p)
        panels = [(self.shift, SHIFT_TOTAL, f"Shift bridge, {FORM_LABELS[form].lower()}: {who}",
                   "The shift changes nothing here:\nno acute activity moves out of hospital in this form.")]
        panels.append((self.form, FORM_TOTAL,
                       ("Integrated - acute-only: " if self.form is not None else "Form bridge: ") + who,
                       "A community-only provider has one form:\nthere is no form bridge."))
        rows = [[name for name in COMPONENTS if b is not None and abs(b[name]) >= 0.5] for b, *_rest in panels]
        axes = fig.subplots(len(panels), 1, gridspec_kw=dict(height_ratios=[len(r) + 1.5 for r in rows]))
        fig.subplots_adjust(right=0.97, top=0.94, bottom=0.06, hspace=0.45)
        charts = []
        for ax, (bridge, total, title, empty), names in zip(axes, panels, rows):
            if names:
                texts = waterfall(ax, [component_label(n) for n in names], [bridge[n] for n in names], total, title)
                charts.append((ax, texts))
            else:
                ax.axis("off")
                ax.set_title(title, fontsize=10, loc="left")
                ax.text(0.0, 0.5, empty, transform=ax.transAxes, fontsize=9, color="#555555", va="center")
        if charts:
            fit_labels_left(fig, [ax for ax, _texts in charts])
            for ax, texts in charts:
                fit_values(ax, texts)
        self.chart.draw()

    def totals(self) -> tuple[float, float | None]:
        """The shift bridge's total and the form bridge's (None without one), as the view shows them."""
        return sum(self.shift.values()), (sum(self.form.values()) if self.form is not None else None)


def fit_labels_left(fig, axes) -> None:
    """Move the axes' left edge just past the widest y label, so no component name is cut at any width."""
    renderer = fig.canvas.get_renderer()
    widest = max((label.get_window_extent(renderer).width for ax in axes for label in ax.get_yticklabels()),
                 default=0.0)
    width_px = fig.get_size_inches()[0] * fig.dpi
    fig.subplots_adjust(left=min(0.5, (widest + 14) / max(width_px, 1.0)))

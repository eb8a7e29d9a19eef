"""The England page: every trust of the TAC files screened in both forms (io/tac/screen.py), in a window.

A ranked table with region, sector and flag filters; the scatter of stranded cost against cumulative
surplus with an arrow from each trust's acute-only point to its integrated point (hover names the
trust); the screen's settings, which recompute at once from the lines already read; and "Open this
trust", which makes the selected trust an ordinary project holding its derived inputs; and the export
of the screen workbook (as ``strandrisk screen --out`` writes it).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QMainWindow, QPushButton,
                               QSpinBox, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ..io.tac.derive import ScreenSettings
from ..io.tac.screen import CAVEAT, COLUMNS, shown_value
from .charts import FORM_COLOURS, ChartPanel

ALL = "All"
LABELLED = 8  # cash-risk trusts named on the scatter
_SHARES = ("kappa", "variable_share", "semi_fixed_share", "api_variable_share", "community_share",
           "opening_cash_days")


def _text(key: str, value) -> str:
    value = shown_value(key, value)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if key.endswith("_pct"):
        return f"{value:.2f}%"
    if key in _SHARES:
        return f"{value:.2f}"
    return f"({abs(value):,.0f})" if value < 0 else f"{value:,.0f}"


class _NumberItem(QTableWidgetItem):
    """Sorts by the value, not the text."""

    def __init__(self, text: str, value):
        super().__init__(text)
        self.value = value

    def __lt__(self, other):
        a, b = self.value, getattr(other, "value", None)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return a < b
        return str(a or "") < str(b or "")


class EnglandWindow(QMainWindow):
    """One screen of TAC files; ``open_trust(code)`` is called with the selected trust's code."""

    def __init__(self, screen, result, scenario, open_trust, parent=None):
        super().__init__(parent)
        self.setWindowTitle("England screen - StrandRisk")
        self.screen, self.result, self.scenario, self._open_trust = screen, result, scenario, open_trust
        self.rows_shown: list[dict] = []
        central = QWidget()
        self.setCentralWidget(central)
        layout = QVBoxLayout(central)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)

        filters = QHBoxLayout()
        self.region = QComboBox()
        self.sector = QComboBox()
        self.status = QComboBox()
        self.flagged = QCheckBox("Flagged only")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find a trust (name or code)")
        for label, widget in (("Region", self.region), ("Sector", self.sector), ("Status", self.status)):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addWidget(self.flagged)
        filters.addWidget(self.search, 1)
        layout.addLayout(filters)

        split = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().setVisible(False)
        split.addWidget(self.table)
        lower = QWidget()
        lower_layout = QHBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        self.chart = ChartPanel()
        lower_layout.addWidget(self.chart, 3)
        lower_layout.addWidget(self._settings_box(), 1)
        split.addWidget(lower)
        split.setSizes([360, 420])
        layout.addWidget(split, 1)

        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open this trust as a project")
        self.open_button.setToolTip("A new project holding the selected trust's derived inputs, editable")
        self.open_button.clicked.connect(self.open_selected)
        buttons.addWidget(self.open_button)
        self.export_button = QPushButton("Export to Excel...")
        self.export_button.setToolTip("The ranked table, flags, the scatter as an Excel chart, the derived inputs, the "
                                      "scenario and settings, as strandrisk screen --out writes them")
        self.export_button.clicked.connect(self.export_dialog)
        self.open_hint = QLabel()
        self.open_hint.setStyleSheet("color: #555555")
        buttons.addWidget(self.open_hint, 1)
        buttons.addWidget(self.export_button)
        caveat = QLabel(CAVEAT)
        caveat.setWordWrap(True)
        caveat.setStyleSheet("color: #555555")
        layout.addWidget(caveat)
        layout.addLayout(buttons)

        for combo in (self.region, self.sector, self.status):
            combo.currentIndexChanged.connect(self.refresh_table)
        self.flagged.toggled.connect(self.refresh_table)
        self.search.textChanged.connect(self.refresh_table)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self._fit_to_screen()
        if parent is not None:  # one England page at a time: Open this trust uses the latest screen
            for other in parent.findChildren(EnglandWindow):
                if other is not self:
                    other.close()
                    other.deleteLater()
        self.show_result(result)

    def _fit_to_screen(self):
        screen = QWidget.screen(self) or QApplication.primaryScreen()  # self.screen is the TAC screen
        area = screen.availableGeometry() if screen is not None else None
        width, height = 1280, 860
        if area is not None:
            width, height = min(width, int(area.width() * 0.95)), min(height, int(area.height() * 0.92))
        self.resize(width, height)

    # ------------------------------------------------------------------------------ settings
    def _settings_box(self) -> QGroupBox:
        box = QGroupBox("Screen settings (recompute at once)")
        form = QFormLayout(box)
        s = ScreenSettings()
        self.fixed_term = QSpinBox()
        self.fixed_term.setRange(0, 10)
        self.fixed_term.setValue(s.fixed_term_years)
        self.elective_rate = QDoubleSpinBox()
        self.emergency_rate = QDoubleSpinBox()
        for spin, value in ((self.elective_rate, s.elective_variable_rate),
                            (self.emergency_rate, s.emergency_variable_rate)):
            spin.setRange(0.0, 1.0)
            spin.setSingleStep(0.05)
            spin.setValue(value)
        self.ratio = QDoubleSpinBox()
        self.ratio.setRange(0.0, 2.0)
        self.ratio.setSingleStep(0.05)
        self.ratio.setSpecialValueText("peer median")
        self.ratio.setValue(0.0)
        form.addRow("Fixed term (years)", self.fixed_term)
        form.addRow("Elective variable rate (2022/23)", self.elective_rate)
        form.addRow("Emergency variable rate (2019/20)", self.emergency_rate)
        form.addRow("Community ratio", self.ratio)
        self.peers = QLabel()
        self.peers.setWordWrap(True)
        form.addRow(self.peers)
        apply = QPushButton("Screen again")
        apply.clicked.connect(self.rescreen)
        form.addRow(apply)
        return box

    def settings(self) -> ScreenSettings:
        ratio = self.ratio.value()
        return ScreenSettings(self.fixed_term.value(), self.elective_rate.value(), self.emergency_rate.value(),
                              None if ratio == 0.0 else ratio)

    def rescreen(self, scenario=None):
        """Derive and run again from the lines already read (well under a second for England)."""
        if scenario is not None:
            self.scenario = scenario
        self.show_result(self.screen.run(self.scenario, self.settings()))

    def follow_project_scenario(self) -> bool:
        """Screen again when the project's current scenario changed since (Assumptions page): True if it did."""
        from ..workspace import england

        workspace = getattr(self.parent(), "workspace", None)
        if workspace is None:
            return False
        scenario = england.screen_scenario(workspace)
        if scenario.to_dict() == self.scenario.to_dict():
            return False
        self.rescreen(scenario)
        return True

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.follow_project_scenario()  # coming back from the Assumptions page

    # ------------------------------------------------------------------------------ views
    def show_result(self, result):
        self.result = result
        sc = result.scenario
        years = result.result.years if result.result else []
        counts = {}
        for t in result.trusts:
            counts[t.status] = counts.get(t.status, 0) + 1
        from ..core.wording import counted

        self.heading.setText(
            f"<b>{counted(len(result.trusts), 'trust')}</b> from {', '.join(sorted(result.tac.year_evidence))}: "
            f"{counts.get('screened', 0)} screened in both forms, {counts.get('community_only', 0)} community "
            f"only, {counts.get('not_applicable', 0)} not applicable, {counts.get('excluded', 0)} excluded. "
            f"Scenario '{sc.name}', base year {sc.to_dict().get('base_year')}"
            + (f", {years[0]} to {years[-1]}" if years else "")
            + f" (integrated_capitation {'on' if sc.to_dict().get('integrated_capitation') else 'off'}, "
            f"repurpose_share {sc.to_dict().get('repurpose_share'):g}): the project's current scenario, followed "
            "when you change it on the Assumptions page. Ranked by acute-only stranded cost.")
        peers = result.tac.derivation.peers
        self.peers.setText(f"Used: community ratio {peers['community_ratio']:.3f} ({peers['community_ratio_source']});"
                           f" community delivery cost ratio {peers['community_delivery_cost_ratio']:.3f}; "
                           f"{peers['pod_weights_source']}.")
        for combo, key in ((self.region, "region"), (self.sector, "sector"), (self.status, "status")):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(ALL, None)
            for code in sorted({r[key] for r in result.rows if r[key]}, key=lambda c: str(shown_value(key, c))):
                combo.addItem(str(shown_value(key, code)), code)
            at = combo.findData(current) if current is not None else 0
            combo.setCurrentIndex(max(0, at))
            combo.blockSignals(False)
        self.refresh_table()

    def choose_filter(self, key: str, code) -> None:
        """Filter on a region, sector or status by its code (None: all)."""
        combo = {"region": self.region, "sector": self.sector, "status": self.status}[key]
        combo.setCurrentIndex(max(0, combo.findData(code)) if code is not None else 0)

    def _shown(self) -> list[dict]:
        text = self.search.text().strip().lower()
        out = []
        chosen = {key: combo.currentData() for key, combo in
                  (("region", self.region), ("sector", self.sector), ("status", self.status))}
        for r in self.result.rows:
            if any(code is not None and r[key] != code for key, code in chosen.items()):
                continue
            if self.flagged.isChecked() and not r["flags"]:
                continue
            if text and text not in r["provider_name"].lower() and text not in r["provider_code"].lower():
                continue
            out.append(r)
        return out

    def refresh_table(self):
        self.rows_shown = self._shown()
        t = self.table
        t.setSortingEnabled(False)
        t.clear()
        t.setColumnCount(len(COLUMNS))
        t.setRowCount(len(self.rows_shown))
        t.setHorizontalHeaderLabels([h for _, h in COLUMNS])
        for i, r in enumerate(self.rows_shown):
            for j, (key, _) in enumerate(COLUMNS):
                value = r.get(key)
                item = _NumberItem(_text(key, value), value)
                if key == "provider_code":
                    item.setData(Qt.ItemDataRole.UserRole, r["provider_code"])
                if key == "flags" and value:
                    item.setToolTip(value.replace("; ", "\n"))
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                t.setItem(i, j, item)
        t.setSortingEnabled(True)
        t.resizeColumnsToContents()
        t.setColumnWidth(2, min(320, t.columnWidth(2)))
        t.setColumnWidth(len(COLUMNS) - 1, min(420, t.columnWidth(len(COLUMNS) - 1)))
        region = self.region.currentText()
        where = "England" if region in (ALL, "") else region
        self.chart.set_context("stranded cost and surplus", where, f"{where}: {len(self.rows_shown)} trusts shown",
                               "", str(self.result.scenario.name))
        self.chart.update_later(self._draw_scatter)
        self._selection_changed()

    def selected_code(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 1)
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def select(self, code: str) -> None:
        for i in range(self.table.rowCount()):
            item = self.table.item(i, 1)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == code:
                self.table.selectRow(i)
                return

    def _selection_changed(self):
        code = self.selected_code()
        row = next((r for r in self.result.rows if r["provider_code"] == code), None)
        can_open = row is not None and row["status"] in ("screened", "community_only")
        self.open_button.setEnabled(can_open)
        if can_open:
            self.open_hint.setText(f"{row['provider_code']} {row['provider_name']}: a new project holding its derived "
                                   "inputs, to check and refine on the Data page.")
        elif row is not None:
            self.open_hint.setText(f"{row['provider_code']} is {shown_value('status', row['status']).lower()} "
                                   f"({row['reasons']}): nothing derived to open.")
        else:
            self.open_hint.setText("Select a trust in the table, or click its point on the chart, to open it as a "
                                   "project.")

    def export_dialog(self):
        path, _ = QFileDialog.getSaveFileName(self, "Export the England screen", "England screen.xlsx",
                                              "Excel workbook (*.xlsx)")
        if path:
            self.export_workbook(path if path.lower().endswith(".xlsx") else path + ".xlsx")

    def export_workbook(self, path, wait: bool = False):
        """Write the screen workbook on the window's background job (progress, Cancel and errors as any job)."""
        from ..workspace import england

        task = england.export_task(self.result, path, self.screen.paths)
        return self.parent().run_task(task, lambda written: self.parent().status(f"England screen saved: {written}"),
                                      wait)

    def open_selected(self):
        code = self.selected_code()
        if code:
            self._open_trust(code)

    def _draw_scatter(self):
        fig = self.chart.figure
        width, height = fig.get_size_inches() * fig.dpi  # margins in pixels: tick labels and titles fit any size
        fig.subplots_adjust(left=min(0.2, 62 / width), right=1 - min(0.1, 12 / width),
                            bottom=min(0.35, 46 / height), top=1 - min(0.25, 28 / height))
        ax = fig.add_subplot(111)
        points = [r for r in self.rows_shown if r["status"] == "screened" and r.get("ao_stranded_pct") is not None]
        ax.set_title("Stranded cost and cumulative surplus: acute-only (red) to integrated (blue)", fontsize=10,
                     loc="left")
        ax.set_xlabel("NPV of stranded cost, % of acute contract income", fontsize=9)
        ax.set_ylabel("Cumulative surplus, % of income", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(color="#e0e0e0", linewidth=0.6)
        ax.axhline(0, color="#999999", linewidth=0.8)
        if not points:
            ax.text(0.5, 0.5, "No screened trust matches the filters", ha="center", va="center",
                    transform=ax.transAxes, color="#555555")
            self.chart.draw()
            return
        sizes = [r.get("acute_contract_income_gbp_k") or 0 for r in points]
        top = max(sizes) or 1
        scale = [20 + 180 * s / top for s in sizes]
        for r in points:
            ax.annotate("", xy=(r["in_stranded_pct"], r["in_cum_surplus_pct"]),
                        xytext=(r["ao_stranded_pct"], r["ao_cum_surplus_pct"]),
                        arrowprops={"arrowstyle": "->", "color": "#9a9a9a", "lw": 0.7})
        xs_a = [r["ao_stranded_pct"] for r in points]
        ys_a = [r["ao_cum_surplus_pct"] for r in points]
        xs_i = [r["in_stranded_pct"] for r in points]
        ys_i = [r["in_cum_surplus_pct"] for r in points]
        self._scatter_points = points
        self._scatter_a = ax.scatter(xs_a, ys_a, s=scale, c=FORM_COLOURS["acute_only"], alpha=0.75, label="Acute-only",
                                     picker=True)
        self._scatter_i = ax.scatter(xs_i, ys_i, s=scale, c=FORM_COLOURS["integrated"], alpha=0.75,
                                     label="Integrated", picker=True)
        at_risk = [r for r in points if r.get("ao_cash_short") not in (None, "never")]
        ax.autoscale_view()
        placed: list = []
        for r in at_risk:  # the highest-ranked cash-risk trusts labelled, none over another (hover names the rest)
            x, y = ax.transData.transform((r["ao_stranded_pct"], r["ao_cum_surplus_pct"]))
            if any(abs(x - px) < 40 and abs(y - py) < 12 for px, py in placed):
                continue
            placed.append((x, y))
            ax.annotate(r["provider_code"], (r["ao_stranded_pct"], r["ao_cum_surplus_pct"]), fontsize=7,
                        xytext=(4, 4), textcoords="offset points", color="#7f0000")
            if len(placed) >= LABELLED:
                break
        ax.legend(fontsize=8, loc="best")
        self._hover = ax.annotate("", xy=(0, 0), xytext=(10, 10), textcoords="offset points", fontsize=8,
                                  bbox={"boxstyle": "round", "fc": "#ffffe0", "ec": "#999999"})
        self._hover.set_visible(False)
        if not getattr(self, "_hover_connected", False):
            self.chart.canvas.mpl_connect("motion_notify_event", self._on_hover)
            self.chart.canvas.mpl_connect("pick_event", self._on_pick)
            self._hover_connected = True
        self.chart.draw()

    def _point_at(self, event):
        for collection, form in ((getattr(self, "_scatter_a", None), "acute-only"),
                                 (getattr(self, "_scatter_i", None), "integrated")):
            if collection is None or collection.axes is None:
                continue
            hit, info = collection.contains(event)
            if hit and len(info.get("ind", [])):
                return self._scatter_points[info["ind"][0]], form
        return None, None

    def hover_text(self, row: dict, form: str) -> str:
        pre = "ao" if form == "acute-only" else "in"
        return (f"{row['provider_code']} {row['provider_name']} ({form})\n"
                f"stranded {row[f'{pre}_stranded_pct']:.2f}% of acute contract income, "
                f"cumulative surplus {row[f'{pre}_cum_surplus_pct']:.2f}% of income")

    def _on_hover(self, event):
        hover = getattr(self, "_hover", None)
        if hover is None or hover.axes is None or event.inaxes is not hover.axes:
            return
        row, form = self._point_at(event)
        if row is None:
            if hover.get_visible():
                hover.set_visible(False)
                self.chart.draw()
            return
        hover.xy = (event.xdata, event.ydata)
        box = hover.axes.bbox  # the box opens towards the middle of the chart, never off its edge
        right, top = event.x > (box.x0 + box.x1) / 2, event.y > (box.y0 + box.y1) / 2
        hover.set_position((-12 if right else 12, -12 if top else 12))
        hover.set_horizontalalignment("right" if right else "left")
        hover.set_verticalalignment("top" if top else "bottom")
        hover.set_multialignment("left")
        hover.set_text(self.hover_text(row, form))
        hover.set_visible(True)
        self.chart.draw()

    def _on_pick(self, event):
        ind = getattr(event, "ind", None)
        if ind is not None and len(ind):
            self.select(self._scatter_points[ind[0]]["provider_code"])


__all__ = ["EnglandWindow"]

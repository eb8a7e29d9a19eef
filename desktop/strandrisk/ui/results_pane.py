"""Results (one scenario) and Compare (two scenarios side by side): tables and charts."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSplitter,
                               QTabWidget, QVBoxLayout, QWidget)
from PySide6.QtCore import Qt

from ..core.labels import value_label
from ..core.status import statuses
from .bridge_view import BridgeView
from .charts import FORM_COLOURS, FORM_LABELS, ChartPanel, gbp_k, grouped_bars, style_axis
from .series import ALL, YEARLY_ROWS, forms_for, provider_label, providers_in_form, scalar, yearly
from .tables import STATUS_FILLS, STATUSES, ArrayTableView, format_value


class ProviderPicker(QComboBox):
    def __init__(self, include_all=True):
        super().__init__()
        self.include_all = include_all
        self.setMinimumWidth(360)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._codes: list[str] = []

    def fill(self, result):
        current = self.currentData()
        self.blockSignals(True)
        self.clear()
        if result is not None:
            if self.include_all:
                self.addItem("All providers (sum)", ALL)
            for p in range(result.system.n_providers):
                form = value_label(str(result.system.form_actual[p])).lower()
                self.addItem(f"{provider_label(result, p)}  [{form} today]", p)
            idx = self.findData(current) if current is not None else -1
            self.setCurrentIndex(idx if idx >= 0 else 0)
        self.blockSignals(False)

    def provider(self) -> int:
        data = self.currentData()
        return ALL if data is None else int(data)


def shift_sentence(impact: float) -> str:
    """What the shift itself does to a cumulative surplus, in words."""
    if abs(impact) < 0.5:
        return "the shift out of hospital makes no difference to it"
    return f"the shift out of hospital itself {'adds' if impact > 0 else 'takes'} {gbp_k(abs(impact))}"


def break_even_words(be: float) -> str:
    """The break-even shift multiplier in words."""
    if np.isnan(be):
        return "no deficit up to 10x today's shift"
    if be == 0:
        return "already in deficit with no shift"
    return f"a deficit from {be:.2f}x today's shift"


def _summary_line(result, p) -> str:
    """The header lines of the Results page: per form, the cumulative surplus, what the shift does to it,
    when cash first falls below the minimum, the break-even shift and stranded cost."""
    parts = []
    min_days = f"{result.scenario.min_cash_days:g}"
    for form in forms_for(result, p):
        npv = scalar(result, form, p, "npv_stranded_gbp_k")
        cum = scalar(result, form, p, "cumulative_surplus_gbp_k")
        impact = scalar(result, form, p, "shift_impact_gbp_k")
        year = scalar(result, form, p, "first_liquidity_risk_year")
        if np.isnan(year):
            cash = f"cash stays above {min_days} days of cost" + (" at every provider" if p == ALL else "")
        else:
            cash = (f"cash below {min_days} days of cost from <b>{format_value(year, 'year')}</b>"
                    + (" (earliest provider)" if p == ALL else ""))
        be = scalar(result, form, p, "break_even")
        be_text = "" if p == ALL or form not in result.break_even else f"; {break_even_words(be)}"
        parts.append(f"<b>{FORM_LABELS[form]}</b> {status_html(result, form, p)}: "
                     f"cumulative surplus <b>{gbp_k(cum)}</b>; "
                     f"{shift_sentence(impact)} (no shift: {gbp_k(cum - impact)}); {cash}{be_text}; "
                     f"NPV of stranded cost {gbp_k(npv)}.")
    return "<br>".join(parts)


def status_badge(status: str, text: str | None = None) -> str:
    """A status word on its colour, as the tables show it."""
    return f"<span style='background-color:{STATUS_FILLS[status]}'>&nbsp;{text or status}&nbsp;</span>"


def status_html(result, form: str, p: int) -> str:
    """A provider's status as a coloured word; for All providers, how many are red, amber and green."""
    found = statuses(result, form)
    if p != ALL:
        return status_badge(str(found[p]))
    found = list(found[providers_in_form(result, form)])
    return " ".join(status_badge(s, f"{found.count(s)} {s}") for s in reversed(STATUSES) if found.count(s))


# the All providers table: (figure, column heading, kind)
PROVIDER_COLUMNS = (
    ("status", "Status", "status"),
    ("cumulative_surplus_gbp_k", "Cumulative surplus £000", "money0"),
    ("shift_impact_gbp_k", "Shift impact £000", "money0"),
    ("first_liquidity_risk_year", "Cash short from", "year"),
    ("break_even", "Break-even shift", "multiplier"),
    ("npv_stranded_gbp_k", "NPV stranded cost £000", "money0"),
    ("lowest_cash", "Lowest cash £000", "money0"),
    ("worst_rating", "Worst rating", "rating"),
)
# the All providers table's figures that add up across providers: money over the horizon (a lowest cash is
# of different years, and days, years, multipliers and ratings do not add up)
TOTALLED = ("cumulative_surplus_gbp_k", "shift_impact_gbp_k", "npv_stranded_gbp_k")


def _provider_figure(result, form: str, q: int, key: str, status: str) -> float:
    if key == "status":
        return float(STATUSES.index(status))
    if key in ("lowest_cash", "worst_rating"):
        series = yearly(result, form, q, "cash_gbp_k" if key == "lowest_cash" else "rating_finance")
        if np.all(np.isnan(series)):
            return float("nan")
        return float(np.nanmin(series) if key == "lowest_cash" else np.nanmax(series))
    return scalar(result, form, q, key)


# the Results page's charts: key -> tab title (in lower case, the "what" of a saved chart's name)
RESULT_CHARTS = {"stranded": "Stranded cost", "cash": "Surplus and cash", "rating": "Finance rating",
                 "difference": "Integrated minus acute-only"}


class ResultsPane(QWidget):
    def __init__(self, window):
        super().__init__()
        self.win = window
        self.ws = window.workspace
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Provider:"))
        self.picker = ProviderPicker()
        self.picker.currentIndexChanged.connect(lambda _i: self.refresh())
        bar.addWidget(self.picker)
        bar.addStretch(1)
        self.copy_button = QPushButton("Copy table")
        self.copy_button.setToolTip("Copy the table as tab-separated text that pastes into Excel")
        self.copy_button.clicked.connect(lambda: self._shown_table().copy_table())
        bar.addWidget(self.copy_button)
        lay.addLayout(bar)
        self.summary = QLabel("")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.tabs = QTabWidget()
        self.charts = {}
        for key, title in RESULT_CHARTS.items():
            self.charts[key] = ChartPanel()
            self.tabs.addTab(self.charts[key], title)
        self.bridge = BridgeView()
        self.tabs.addTab(self.bridge, "Bridge")
        self.table = ArrayTableView()
        self.tabs.addTab(self.table, "Table")
        self.providers_table = ArrayTableView()
        self.tabs.addTab(self.providers_table, "All providers")
        lay.addWidget(self.tabs, 1)

    def _shown_table(self) -> ArrayTableView:
        """The All providers or the Bridge table when shown, else the yearly table."""
        shown = self.tabs.currentWidget()
        if shown is self.bridge:
            return self.bridge.table
        return self.providers_table if shown is self.providers_table else self.table

    def refresh(self):
        result = self.ws.result
        self.picker.fill(result)
        if result is None:
            self.summary.setText("No results yet: open the sample or add your files on the Data page.")
            for c in self.charts.values():
                c.clear("No results yet")
            self.table.model_.set_data([], [], [], np.zeros((0, 0)), [])
            self.providers_table.model_.set_data([], [], [], np.zeros((0, 0)), [])
            self.bridge.show_result(None, ALL)
            return
        p = self.picker.provider()
        self.summary.setText(f"Scenario <b>{self.ws.current_scenario}</b> - {provider_label(result, p)} "
                             f"({result.years[0]} to {result.years[-1]}; £000, negatives in brackets)<br>"
                             + _summary_line(result, p))
        self._fill_table(result, p)
        self._fill_providers(result)
        self.bridge.show_result(result, p)
        self._draw(result, p)

    def _fill_providers(self, result):
        """One row per provider and form: the figures of the report's Summary table; then a totals row per
        form (of two or more providers) for the money that adds up."""
        labels, values, kinds = [], [], []
        status = {form: statuses(result, form) for form in result.forms}
        row_forms = []
        for q in range(result.system.n_providers):
            for form in result.provider_forms(q):
                row = [_provider_figure(result, form, q, key, status[form][q])
                       for key, _label, _kind in PROVIDER_COLUMNS]
                labels.append([str(result.system.provider_code[q]), str(result.system.provider_name[q]),
                               FORM_LABELS[form]])
                values.append(row)
                row_forms.append(form)
                modelled = form in result.break_even  # community-only: no break-even to show
                kinds.append(tuple(kind if (key != "break_even" or modelled) else "number"
                                   for key, _label, kind in PROVIDER_COLUMNS))
        figures = np.array(values, dtype=float).reshape(len(labels), len(PROVIDER_COLUMNS))
        totals = []
        for form in FORM_LABELS:
            rows = [i for i, f in enumerate(row_forms) if f == form]
            if len(rows) < 2:  # the total of one provider is its row
                continue
            totals.append(["Total", f"{len(rows)} providers", FORM_LABELS[form]])
            values.append([float(np.nansum(figures[rows, c])) if key in TOTALLED else np.nan
                           for c, (key, _label, _kind) in enumerate(PROVIDER_COLUMNS)])
            kinds.append(tuple(kind if key in TOTALLED else "blank" for key, _label, kind in PROVIDER_COLUMNS))
        self.providers_table.model_.set_data(["Code", "Provider", "Form"], [c[1] for c in PROVIDER_COLUMNS],
                                             labels + totals,
                                             np.array(values, dtype=float).reshape(len(labels) + len(totals), -1),
                                             kinds, totals=len(totals))
        self.providers_table.resizeColumnsToContents()

    def _fill_table(self, result, p):
        labels, values, kinds = [], [], []
        for form in forms_for(result, p):
            for key, label, kind in YEARLY_ROWS:
                labels.append([FORM_LABELS[form], label])
                values.append(yearly(result, form, p, key))
                kinds.append(kind)
        self.table.model_.set_data(["Form", "Measure"], result.years, labels, np.array(values), kinds)
        self.table.resizeColumnsToContents()

    def _draw(self, result, p):
        forms = forms_for(result, p)
        for key in self.charts:
            self.charts[key].set_result_context(result, p, RESULT_CHARTS[key].lower(), self.ws.current_scenario,
                                                forms if key != "difference" else ())
            self.charts[key].update_later(lambda k=key: getattr(self, f"_draw_{k}")(result, p))

    def _draw_stranded(self, result, p):
        years = result.years
        forms = forms_for(result, p)
        fig = self.charts["stranded"].figure
        ax = fig.add_subplot(111)
        stranded = {f: yearly(result, f, p, "stranded_cost_gbp_k") for f in forms}
        grouped_bars(ax, years, stranded)
        style_axis(ax, "Stranded cost by year: cost that stays after activity has gone", "£000")
        if all(np.nanmax(np.abs(v), initial=0.0) < 0.5 for v in stranded.values()):
            ax.text(0.5, 0.62, "No stranded cost in any year: activity does not fall far enough, or early enough,\n"
                    "for fixed and stepped costs to outlast it (see the Bridge tab for what moves the surplus).",
                    transform=ax.transAxes, ha="center", va="center", fontsize=9, color="#555555")
        ax.legend(fontsize=8, frameon=False)
        self.charts["stranded"].draw()

    def _draw_cash(self, result, p):
        years = result.years
        forms = forms_for(result, p)
        fig = self.charts["cash"].figure
        ax1, ax2 = fig.subplots(1, 2)
        grouped_bars(ax1, years, {f: yearly(result, f, p, "surplus_gbp_k") for f in forms})
        style_axis(ax1, "Surplus / deficit", "£000")
        ax1.legend(fontsize=8, frameon=False)
        min_days = float(getattr(self.ws.resolved_scenario(), "min_cash_days", 10))
        for f in forms:
            ax2.plot(years, yearly(result, f, p, "cash_gbp_k"), marker="o", color=FORM_COLOURS[f],
                     label=f"{FORM_LABELS[f]} cash")
            min_cash = yearly(result, f, p, "cost_gbp_k") / 365.0 * min_days
            ax2.plot(years, min_cash, linestyle="--", color=FORM_COLOURS[f], linewidth=1,
                     label=f"{FORM_LABELS[f]} minimum cash ({min_days:g} days)")
        ax2.axhline(0, color="#555555", linewidth=0.6)
        style_axis(ax2, "Cash balance and minimum cash", "£000")
        ax2.legend(fontsize=7, frameon=False)
        self.charts["cash"].draw()

    def _draw_rating(self, result, p):
        years = result.years
        forms = forms_for(result, p)
        fig = self.charts["rating"].figure
        ax = fig.add_subplot(111)
        if p == ALL:
            ax.axis("off")
            ax.text(0.5, 0.5, "Finance ratings belong to one provider: pick a provider above.",
                    ha="center", va="center", color="#555555")
        else:
            for i, f in enumerate(forms):
                ax.plot(years, yearly(result, f, p, "rating_finance") + (i - 0.5) * 0.04, marker="s",
                        drawstyle="steps-mid", color=FORM_COLOURS[f], label=FORM_LABELS[f])
            ax.set_ylim(4.4, 0.6)
            ax.set_yticks([1, 2, 3, 4], ["1 (best)", "2", "3", "4 (worst)"])
            style_axis(ax, "Finance rating by year (Single Oversight Framework style)", "rating", money=False)
            ax.legend(fontsize=8, frameon=False)
        self.charts["rating"].draw()

    def _draw_difference(self, result, p):
        years = result.years
        forms = forms_for(result, p)
        fig = self.charts["difference"].figure
        ax = fig.add_subplot(111)
        if "acute_only" in forms and "integrated" in forms:
            x = np.arange(len(years))
            width = 0.27
            # colours of measures, none of them a form's (red and blue here would read as the two forms)
            for i, (key, label, colour) in enumerate((("surplus_gbp_k", "Surplus", "#2e7d32"),
                                                      ("cash_gbp_k", "Cash", "#7b5ea7"),
                                                      ("stranded_cost_gbp_k", "Stranded cost", "#d08c2a"))):
                diff = yearly(result, "integrated", p, key) - yearly(result, "acute_only", p, key)
                ax.bar(x + (i - 1) * width, diff, width, label=label, color=colour)
            ax.set_xticks(x, years)
            ax.axhline(0, color="#555555", linewidth=0.6)
            style_axis(ax, "Integrated minus acute-only (above zero: integrated is higher)", "£000")
            ax.legend(fontsize=8, frameon=False)
        else:
            ax.axis("off")
            ax.text(0.5, 0.5, "A community-only provider has one form: nothing to compare.",
                    ha="center", va="center", color="#555555")
        self.charts["difference"].draw()


class ComparePane(QWidget):
    """Two named scenarios side by side for one provider: key figures and cash paths."""

    def __init__(self, window):
        super().__init__()
        self.win = window
        self.ws = window.workspace
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Compare"))
        self.left = QComboBox()
        self.right = QComboBox()
        for box in (self.left, self.right):  # grow with the names (a scenario added later is never cut)
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            box.setMinimumContentsLength(10)
            box.setMaximumWidth(340)  # a very long name is elided rather than widening the window
            box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)  # never squeezed by the bar
        bar.addWidget(self.left)
        bar.addWidget(QLabel("with"))
        bar.addWidget(self.right)
        bar.addWidget(QLabel("for"))
        self.picker = ProviderPicker()
        # the long provider names give way on a narrow screen (their full text is in the list), not the scenarios
        self.picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.picker.setMinimumContentsLength(24)
        bar.addWidget(self.picker, 1)
        copy_button = QPushButton("Copy table")
        copy_button.clicked.connect(lambda: self.table.copy_table())
        bar.addWidget(copy_button)
        lay.addLayout(bar)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        lay.addWidget(self.note)
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = ArrayTableView()
        self.chart = ChartPanel()
        split.addWidget(self.table)
        split.addWidget(self.chart)
        split.setSizes([400, 400])
        lay.addWidget(split, 1)
        for box in (self.left, self.right):
            box.currentIndexChanged.connect(lambda _i: self.refresh(fill=False))
        self.picker.currentIndexChanged.connect(lambda _i: self.refresh(fill=False))
        self.results: dict[str, object] = {}

    def refresh(self, fill=True):
        names = list(self.ws.scenarios)
        if fill:
            for box, default in ((self.left, 0), (self.right, min(1, len(names) - 1))):
                current = box.currentText()
                box.blockSignals(True)
                box.clear()
                box.addItems(names)
                box.setCurrentText(current if current in names else (names[default] if names else ""))
                box.blockSignals(False)
            if self.left.currentText() == self.right.currentText() and len(names) > 1:
                other = self.ws.current_scenario if self.ws.current_scenario != self.left.currentText() else \
                    next(n for n in names if n != self.left.currentText())
                self.right.blockSignals(True)
                self.right.setCurrentText(other)
                self.right.blockSignals(False)
            self.picker.fill(self.ws.result)
        if self.ws.inputs is None or not names:
            self.note.setText("Open the sample or add files first.")
            return
        a, b = self.left.currentText(), self.right.currentText()
        ra, rb = self.ws.result_for(a), self.ws.result_for(b)
        if ra is None or rb is None:
            self.note.setText("One of these scenarios cannot run: fix it on the Assumptions page.")
            return
        if a == b:
            self.note.setText("Both sides show the same scenario: add one with New or Duplicate on the "
                              "Assumptions page, change an assumption, then compare.")
        else:
            self.note.setText("Differences are the second scenario minus the first.")
        p = self.picker.provider()
        labels, values, kinds = [], [], []
        metrics = (("status", "Status", "status"),
                   ("npv_stranded_gbp_k", "NPV of stranded cost (£000)", "money0"),
                   ("cumulative_surplus_gbp_k", "Cumulative surplus (£000)", "money0"),
                   ("shift_impact_gbp_k", "Shift impact (£000)", "money0"),
                   ("final_cash", f"Cash at {ra.years[-1]} (£000)", "money0"),
                   ("first_liquidity_risk_year", "Cash below minimum from", ("year", "year", "years")),
                   ("break_even", "Break-even shift multiplier", "multiplier"))
        for form in forms_for(ra, p):
            for key, label, kind in metrics:
                if key == "break_even" and (p == ALL or form not in ra.break_even):
                    continue  # a break-even belongs to one provider in a modelled form
                if key == "status" and p == ALL:
                    continue  # a status belongs to one provider
                if key == "status":
                    va, vb = (float(STATUSES.index(statuses(r, form)[p])) for r in (ra, rb))
                elif key == "final_cash":
                    va, vb = yearly(ra, form, p, "cash_gbp_k")[-1], yearly(rb, form, p, "cash_gbp_k")[-1]
                else:
                    va, vb = scalar(ra, form, p, key), scalar(rb, form, p, key)
                labels.append([FORM_LABELS[form], label])
                values.append([va, vb, np.nan if key == "status" else vb - va])  # both statuses are shown
                kinds.append(kind)
        self.table.model_.set_data(["Form", "Measure"], [a, b, "Difference"], labels, np.array(values), kinds)
        self.table.resizeColumnsToContents()
        self.chart.set_result_context(ra, p, "cash compared", f"{a} vs {b}" if a != b else a, forms_for(ra, p))
        self.chart.update_later(lambda: self._draw_chart(ra, rb, a, b, p))

    def _draw_chart(self, ra, rb, a, b, p):
        fig = self.chart.figure
        ax = fig.add_subplot(111)
        for form in forms_for(ra, p):
            ax.plot(ra.years, yearly(ra, form, p, "cash_gbp_k"), marker="o", color=FORM_COLOURS[form],
                    label=f"{FORM_LABELS[form]} - {a}")
            ax.plot(rb.years, yearly(rb, form, p, "cash_gbp_k"), marker="o", linestyle="--",
                    color=FORM_COLOURS[form], label=f"{FORM_LABELS[form]} - {b}")
        ax.axhline(0, color="#555555", linewidth=0.6)
        style_axis(ax, f"Cash balance: {a} (solid) and {b} (dashed)", "£000")
        ax.legend(fontsize=8, frameon=False)
        self.chart.draw()

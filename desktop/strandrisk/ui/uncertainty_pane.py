"""Uncertainty: the Monte Carlo run (off the GUI thread) and its charts: fan, histogram, probabilities,
tornado and break-even."""

from __future__ import annotations

import html

import numpy as np
from matplotlib.ticker import MaxNLocator
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSpinBox, QTabWidget,
                               QVBoxLayout, QWidget)

from ..core.labels import DETERMINISTIC_COLOUR, TORNADO_LOW_COLOUR
from ..core.simulation import TORNADO_METRIC_LABELS, TORNADO_METRICS
from ..core.wording import in_sentence
from ..workspace.explain import metric_value
from ..workspace.workspace import SIM_CURRENT, SIM_OUT_OF_DATE, SIM_SAVED, SIM_SAVED_OUT_OF_DATE
from .charts import FORM_COLOURS, FORM_LABELS, GBP_K, ChartPanel, gbp_k, shift_curve_chart, style_axis
from .results_pane import ProviderPicker
from .series import forms_for, shift_curve_view

_LINE_LABEL = dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.85)


class UncertaintyPane(QWidget):
    def __init__(self, window):
        super().__init__()
        self.win = window
        self.ws = window.workspace
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Simulations:"))
        self.simulations = QSpinBox()
        self.simulations.setRange(100, 1_000_000)
        self.simulations.setSingleStep(1000)
        self.simulations.setValue(10_000)
        self.simulations.setGroupSeparatorShown(True)
        bar.addWidget(self.simulations)
        self.run_button = QPushButton("Run simulation (F5)")
        self.run_button.clicked.connect(lambda: self.win.run_simulation(self.simulations.value()))
        bar.addWidget(self.run_button)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.win.cancel_job)
        bar.addWidget(self.cancel_button)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.progress.setVisible(False)
        bar.addWidget(self.progress, 1)
        bar.addStretch(1)
        lay.addLayout(bar)
        bar2 = QHBoxLayout()
        bar2.addWidget(QLabel("Provider:"))
        self.picker = ProviderPicker(include_all=False)
        self.picker.currentIndexChanged.connect(lambda _i: self.refresh())
        bar2.addWidget(self.picker)
        bar2.addSpacing(16)
        bar2.addWidget(QLabel("Metric:"))
        self.metric_box = QComboBox()
        self.metric_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for metric in TORNADO_METRICS:
            self.metric_box.addItem(TORNADO_METRIC_LABELS[metric], metric)
        self.metric_box.setToolTip("The figure the distribution, the summary and the tornado (What matters most) "
                                   "are about")
        self.metric_box.currentIndexChanged.connect(lambda _i: self.refresh())
        bar2.addWidget(self.metric_box)
        bar2.addStretch(1)
        lay.addLayout(bar2)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.status)
        self.tabs = QTabWidget()
        self.charts = {}
        for key, title in (("fan", "Cash range"), ("histogram", "Distribution"),
                           ("probability", "Risk by year"), ("tornado", "What matters most"),
                           ("break_even", "Break-even")):
            self.charts[key] = ChartPanel()
            self.tabs.addTab(self.charts[key], title)
        lay.addWidget(self.tabs, 1)

    def set_running(self, running: bool):
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)
        if not running:
            self.progress.setValue(0)
            self.progress.setFormat("")

    def _follow_scenario_simulations(self, simulations: int) -> None:
        """The box shows the scenario's number of draws whenever that setting changes; the user may still
        type another number for one run."""
        if simulations != getattr(self, "_scenario_simulations", None):
            self._scenario_simulations = simulations
            if simulations >= self.simulations.minimum():
                self.simulations.setValue(simulations)

    def show_progress(self, fraction: float, message: str):
        self.progress.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        self.progress.setFormat(f"{message} {fraction * 100:.0f}%" if message else f"{fraction * 100:.0f}%")

    def refresh(self):
        result = self.ws.result
        self.picker.fill(result)
        if result is not None:
            self._follow_scenario_simulations(int(result.scenario.simulations))
        mc = getattr(result, "monte_carlo", None) if result is not None else None
        if result is not None:  # the break-even curve needs no simulation
            p = self.picker.provider()
            self.charts["break_even"].set_result_context(result, p, "break-even", self.ws.current_scenario)
            self.charts["break_even"].update_later(lambda: self._break_even(result, mc, p))
        else:
            self.charts["break_even"].clear("No results yet")
        if mc is None:
            self.status.setText(self._simulation_state_text(result))
            for key, c in self.charts.items():
                if key != "break_even":
                    c.clear("Run a simulation to see this chart")
            return
        p = self.picker.provider()
        metric = self.metric()
        forms = [f for f in forms_for(result, p) if f in mc.percentiles]
        n = int(getattr(mc, "simulations", 0) or 0)
        seed = getattr(mc, "seed", "")
        self.status.setText(self._simulation_state_text(result) + "<br>"
                            f"{n:,} simulations (seed {seed}) of scenario <b>{self.ws.current_scenario}</b>. "
                            "Shaded bands: the middle 80% (P10-P90) and 90% (P5-P95) of outcomes.<br>"
                            + "<br>".join(self._summary(result, mc, p, form, metric) for form in forms))
        years = result.years
        charts = self.charts
        metric_words = in_sentence(TORNADO_METRIC_LABELS[metric])
        for key, what in (("fan", "cash range"), ("histogram", f"distribution of {metric_words}"),
                          ("probability", "risk by year"), ("tornado", f"what matters most to {metric_words}")):
            charts[key].set_result_context(result, p, what, self.ws.current_scenario, forms)
        charts["fan"].update_later(lambda: self._fan(result, mc, p, forms, years))
        charts["histogram"].update_later(lambda: self._histogram(result, mc, p, forms, metric))
        charts["probability"].update_later(lambda: self._probabilities(mc, p, forms, years))
        charts["tornado"].update_later(lambda: self._tornado(result, p, forms, metric))

    def metric(self) -> str:
        return self.metric_box.currentData()

    def _simulation_state_text(self, result) -> str:
        """Whether the simulations shown are up to date, read from the saved project, or out of date; with any
        note about saved simulations left out when the project was opened."""
        status = self.ws.simulation_status() if result is not None else None
        text = {
            SIM_CURRENT: "<b>Up to date:</b> simulated in this session on the data and assumptions shown.",
            SIM_SAVED: "<b>Saved with the project</b> and up to date (the same data, assumptions and StrandRisk "
                       "version), so shown without simulating again. <b>Run simulation</b> runs them afresh.",
            SIM_OUT_OF_DATE: "<b>The simulations are out of date:</b> the data or assumptions changed since they "
                             "ran. Press <b>Run simulation</b> for the values shown now; Undo brings the earlier "
                             "ones back. The Break-even tab needs no simulation.",
            SIM_SAVED_OUT_OF_DATE: "<b>The simulations saved with the project are out of date:</b> they were run on "
                                   "other data, assumptions or another version of StrandRisk. Press <b>Run "
                                   "simulation</b> to simulate again. The Break-even tab needs no simulation.",
        }.get(status, "No simulation yet for this scenario. Press <b>Run simulation</b>: it draws the uncertain "
                      "assumptions (ranges on the Assumptions page) many times and shows how wide the outcomes "
                      "are. The Break-even tab needs no simulation.")
        notes = [html.escape(note) for note in self.ws.simulation_notes]
        return "<br>".join([text] + notes)

    @staticmethod
    def _summary(result, mc, p, form, metric) -> str:
        """One form's P5 / median / P95 of the chosen metric beside its deterministic value."""
        q = summary_percentiles(mc, form, p, metric)
        return (f"<b>{FORM_LABELS[form]}</b>, {in_sentence(TORNADO_METRIC_LABELS[metric])}: "
                f"P5 {gbp_k(q[0])}, <b>median {gbp_k(q[2])}</b>, P95 {gbp_k(q[4])}; "
                f"deterministic {gbp_k(metric_value(result, form, p, metric))}")

    def _fan(self, result, mc, p, forms, years):
        fig = self.charts["fan"].figure
        fig.clear()
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.1, top=0.92, wspace=0.12)
        axes = fig.subplots(1, max(1, len(forms)), sharey=True)
        axes = np.atleast_1d(axes)
        x = np.arange(len(years))
        for ax, form in zip(axes, forms):
            q = np.asarray(mc.percentiles[form]["cash_gbp_k"])[:, p, :]
            colour = FORM_COLOURS[form]
            ax.fill_between(x, q[0], q[4], color=colour, alpha=0.15, label="P5-P95")
            ax.fill_between(x, q[1], q[3], color=colour, alpha=0.3, label="P10-P90")
            ax.plot(x, q[2], color=colour, marker="o", label="median (P50)")
            deterministic = np.asarray(result.forms[form]["cash_gbp_k"][p], dtype=float)
            ax.plot(x, deterministic, color=DETERMINISTIC_COLOUR, linestyle="--", linewidth=1.4, label="deterministic")
            _end_labels(ax, x[-1], ((q[2][-1], f"median {gbp_k(q[2][-1])}", colour),
                                    (deterministic[-1], f"deterministic {gbp_k(deterministic[-1])}",
                                     DETERMINISTIC_COLOUR)))
            ax.axhline(0, color="#555555", linewidth=0.6)
            ax.set_xticks(x, years)
            ax.set_xlim(-0.3, len(x) - 1 + 0.3)
            style_axis(ax, f"Cash - {FORM_LABELS[form]}", "£000")
            ax.legend(fontsize=7, frameon=False)
        self.charts["fan"].draw()

    def _histogram(self, result, mc, p, forms, metric):
        """The simulated values of the chosen metric, each form with its median and deterministic value
        marked by labelled lines."""
        fig = self.charts["histogram"].figure
        fig.clear()
        fig.subplots_adjust(left=0.09, right=0.98, bottom=0.13, top=0.9)
        ax = fig.add_subplot(111)
        label = TORNADO_METRIC_LABELS[metric]
        marks = []
        counted = False
        for form in forms:
            colour = FORM_COLOURS[form]
            values = np.asarray(mc.distribution(form, p, metric), dtype=float)
            values = values[np.isfinite(values)]
            q = summary_percentiles(mc, form, p, metric)
            if values.size > len(q):
                ax.hist(values, bins=50, alpha=0.5, color=colour, label=FORM_LABELS[form])
                counted = True
            else:  # only percentiles were kept: show the P5-P95 and P10-P90 ranges as bands
                ax.axvspan(q[0], q[4], color=colour, alpha=0.12, label=f"{FORM_LABELS[form]} P5-P95")
                ax.axvspan(q[1], q[3], color=colour, alpha=0.22, label=f"{FORM_LABELS[form]} P10-P90")
            median = float(q[2])
            deterministic = metric_value(result, form, p, metric)
            ax.axvline(median, color=colour, linestyle="--", linewidth=1.4)
            ax.axvline(deterministic, color=colour, linestyle="-", linewidth=2.2)
            marks.append((median, f"{FORM_LABELS[form]} median {gbp_k(median)}", colour))
            marks.append((deterministic, f"{FORM_LABELS[form]} deterministic {gbp_k(deterministic)}", colour))
        for i, (x, text, colour) in enumerate(sorted(marks)):
            ax.annotate(text, (x, 1.0), xycoords=("data", "axes fraction"), textcoords="offset points",
                        xytext=(3, -12 - 13 * i), fontsize=8, color=colour, bbox=_LINE_LABEL)
        style_axis(ax, f"{label}: " + ("how often each value came up" if counted else "the range of the simulations")
                   + " (solid line: deterministic; dashed: median)", "simulations" if counted else "", money=False)
        if not counted:
            ax.set_yticks([])
        ax.set_xlabel(f"{label} (£000)", fontsize=9)
        ax.xaxis.set_major_formatter(GBP_K)
        ax.legend(fontsize=8, frameon=False, loc="upper right")
        self.charts["histogram"].draw()

    def _probabilities(self, mc, p, forms, years):
        fig = self.charts["probability"].figure
        fig.clear()
        ax = fig.add_subplot(111)
        for form in forms:
            ax.plot(years, np.asarray(mc.probability_deficit[form])[p] * 100, marker="o",
                    color=FORM_COLOURS[form], label=f"{FORM_LABELS[form]}: deficit")
            ax.plot(years, np.asarray(mc.probability_liquidity_risk[form])[p] * 100, marker="s", linestyle="--",
                    color=FORM_COLOURS[form], label=f"{FORM_LABELS[form]}: cash below minimum")
        ax.set_ylim(-2, 102)
        style_axis(ax, "Chance of a deficit and of cash below the minimum, by year", "% of simulations",
                   money=False)
        ax.legend(fontsize=8, frameon=False)
        self.charts["probability"].draw()

    def _tornado(self, result, p, forms, metric):
        fig = self.charts["tornado"].figure
        fig.clear()
        tor = getattr(result, "tornado", None)
        if tor is None:
            self.charts["tornado"]._show_message("The sensitivity (tornado) is computed with the simulation.")
            return
        fig.subplots_adjust(left=0.15, right=0.98, bottom=0.1, top=0.92, wspace=0.6)
        axes = np.atleast_1d(fig.subplots(1, max(1, len(forms))))
        label = TORNADO_METRIC_LABELS[metric]
        for ax, form in zip(axes, forms):
            rows = tor.ranked(form, p, by=metric)[:10][::-1]
            base = float(tor.base(metric)[form][p])
            y = np.arange(len(rows))
            lows = np.array([r[f"{metric}_low"] for r in rows], dtype=float) - base
            highs = np.array([r[f"{metric}_high"] for r in rows], dtype=float) - base
            ax.barh(y, lows, color=TORNADO_LOW_COLOUR, label="assumption at the low end")
            ax.barh(y, highs, color=FORM_COLOURS[form], label="assumption at the high end")
            ax.set_yticks(y, [r["label"] for r in rows], fontsize=8)
            ax.axvline(0, color="#333333", linewidth=0.8)
            style_axis(ax, f"{FORM_LABELS[form]}: change in {in_sentence(label)} from {gbp_k(base)}", money=False)
            ax.set_xlabel("£000", fontsize=8)
            ax.xaxis.set_major_formatter(GBP_K)
            ax.xaxis.set_major_locator(MaxNLocator(5))
            ax.legend(fontsize=7, frameon=False, loc="lower right")
        self.charts["tornado"].draw()

    def _break_even(self, result, mc, p):
        """Cumulative surplus against the shift multiplier on the engine's break-even grid, both forms."""
        panel = self.charts["break_even"]
        view = shift_curve_view(result, p)
        if view is None:
            panel._show_message("No break-even grid was run for these results." if result.shift_curve is None else
                                "This provider is community-only: the shift of acute activity has no "
                                "break-even here. Pick an acute or integrated provider.")
            return
        multipliers, curves = view
        fig = panel.figure
        fig.subplots_adjust(left=0.1, right=0.97, top=0.9, bottom=0.33)
        ax = fig.add_subplot(111)
        be = {f: result.break_even[f][p] for f in curves}
        impact = {f: float(result.forms[f]["shift_impact_gbp_k"][p]) for f in curves}
        sy = result.system
        shift_curve_chart(ax, multipliers, curves, be, impact,
                          f"{sy.provider_code[p]} {sy.provider_name[p]}: cumulative surplus "
                          f"{result.years[0]} to {result.years[-1]} at each pace of the shift")
        prob = getattr(mc, "probability_shift_exceeds_break_even", None) or {}
        chances = [f"{FORM_LABELS[f]} {float(np.asarray(prob[f])[p]) * 100:.0f}%" for f in curves
                   if f in prob and not np.isnan(np.asarray(prob[f])[p]) and be[f] > 0]
        if chances:
            ax.text(0.01, -0.2 - 0.075 * len(curves), "Simulations where the shift goes beyond the break-even: "
                    + ", ".join(chances), transform=ax.transAxes, fontsize=9, color="#333333", va="top")
        panel.draw()


def summary_percentiles(mc, form: str, p: int, metric: str) -> np.ndarray:
    """P5, P10, P50, P90, P95 of a metric from the simulation's summaries."""
    return np.asarray(mc.summary(metric)[form], dtype=float)[:, p]


def _end_labels(ax, x: float, marks) -> None:
    """Labels at the right end of lines: the higher value's above its line, the lower's below, so two
    close ends never print over each other."""
    ordered = sorted(marks, key=lambda m: -m[0])
    for i, (value, text, colour) in enumerate(ordered):
        above = i == 0
        ax.annotate(text, (x, value), textcoords="offset points", xytext=(-4, 7 if above else -7), ha="right",
                    va="bottom" if above else "top", fontsize=8, color=colour, bbox=_LINE_LABEL)


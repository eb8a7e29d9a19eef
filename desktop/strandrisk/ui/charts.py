"""Matplotlib charts in Qt: a canvas with the standard toolbar (zoom, pan, save PNG)."""

from __future__ import annotations

import matplotlib

matplotlib.use("QtAgg")

import numpy as np  # noqa: E402
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg, NavigationToolbar2QT  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget  # noqa: E402

from ..core.labels import FORM_COLOURS, FORM_LABELS  # noqa: E402,F401  (the one place forms get words and colours)

GBP_K = FuncFormatter(lambda v, _pos: f"({abs(v):,.0f})" if v < -0.5 else f"{abs(v):,.0f}")  # £000, as the report


def gbp_k(value: float) -> str:
    """-34458.2 -> '(£34,458k)': money in £000, negatives in brackets as in the report; zero is £0k."""
    from .tables import format_value

    if abs(value) < 0.5:
        return "£0k"
    text = "£" + format_value(abs(value), "money0") + "k"
    return f"({text})" if value < 0 else text


class ChartPanel(QWidget):
    """One matplotlib figure with its navigation toolbar."""

    def __init__(self, parent=None):
        super().__init__(parent)
        # Fixed margins, not constrained layout: that costs ~100 ms a figure on the GUI thread.
        self.figure = Figure(figsize=(6, 4))
        self._painter = None
        self._dirty = False
        self._scheduled = False
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.setMinimumHeight(220)
        self.toolbar = NavigationToolbar2QT(self.canvas, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.canvas, 1)

    def update_later(self, painter):
        """Draw with ``painter()`` now if the chart is on screen, else the next time it is shown: hidden
        tabs cost nothing, so new results never freeze the window for charts nobody is looking at."""
        self._painter = painter
        self._dirty = True
        if self.isVisible() and not self._scheduled:
            # built in its own event-loop turn (and drawn in the next), so no single turn is long
            self._scheduled = True
            QTimer.singleShot(0, self._render_scheduled)

    def _render_scheduled(self):
        self._scheduled = False
        if self._dirty and self.isVisible():
            self.render_now()

    def render_now(self):
        self._dirty = False
        if self._painter is not None:
            self.figure.clear()
            self.figure.subplots_adjust(left=0.09, right=0.98, bottom=0.11, top=0.91, wspace=0.22)
            self._painter()

    def showEvent(self, event):
        super().showEvent(event)
        if self._dirty:
            self.render_now()

    def clear(self, message: str | None = None):
        self.update_later(lambda: self._show_message(message))

    def _show_message(self, message: str | None):
        self.figure.clear()
        if message:
            ax = self.figure.add_subplot(111)
            ax.axis("off")
            ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True, color="#555555", fontsize=11)
        self.canvas.draw_idle()

    def draw(self):
        self.canvas.draw_idle()


def style_axis(ax, title: str, ylabel: str = "", money: bool = True):
    ax.set_title(title, fontsize=10, loc="left")
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=9)
    if money:
        ax.yaxis.set_major_formatter(GBP_K)
    ax.tick_params(labelsize=8)
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def grouped_bars(ax, years, series: dict[str, np.ndarray]):
    """Bars per year, one colour per form."""
    x = np.arange(len(years))
    n = max(1, len(series))
    width = 0.8 / n
    for i, (form, values) in enumerate(series.items()):
        ax.bar(x + (i - (n - 1) / 2) * width, values, width, label=FORM_LABELS.get(form, form),
               color=FORM_COLOURS.get(form, "#777777"))
    ax.set_xticks(x, years)
    ax.axhline(0, color="#555555", linewidth=0.6)


_LABEL_BOX = dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.85)


def shift_curve_chart(ax, multipliers, curves: dict, break_even: dict, impact: dict, title: str):
    """Cumulative surplus against the shift multiplier, one line per form, with today's assumptions (1x)
    and each form's break-even marked and said in words on the chart."""
    ax.axhline(0, color="#333333", linewidth=0.9)
    ax.axvline(1.0, color="#777777", linewidth=1, linestyle="--")
    top = float(multipliers[-1])
    notes = []
    for form, values in curves.items():
        colour = FORM_COLOURS[form]
        ax.plot(multipliers, values, color=colour, linewidth=2, label=FORM_LABELS[form], gid=f"curve:{form}")
        today = float(np.interp(1.0, multipliers, values))
        ax.plot([1.0], [today], marker="o", color=colour, markersize=7)
        ax.annotate(f"{gbp_k(today)} today", (1.0, today), textcoords="offset points", xytext=(-8, 8),
                    ha="right", fontsize=9, color=colour, bbox=_LABEL_BOX)
        be = float(break_even.get(form, np.nan))
        if np.isnan(be):
            words = f"in surplus at every shift up to 10x; the shift itself {_adds(impact[form])}"
        elif be == 0:
            ax.plot([0.0], [values[0]], marker="X", color=colour, markersize=10, markeredgecolor="white",
                    clip_on=False)
            ax.annotate(f"{gbp_k(values[0])} with no shift", (0.0, values[0]), textcoords="offset points",
                        xytext=(10, 6), fontsize=9, color=colour, bbox=_LABEL_BOX)
            words = f"already in deficit with no shift; the shift itself {_adds(impact[form])}"
        else:
            at = float(np.interp(be, multipliers, values))
            ax.plot([be], [at], marker="D", color=colour, markersize=8, markeredgecolor="white")
            ax.annotate(f"break-even {be:.2f}x", (be, at), textcoords="offset points", xytext=(6, 8),
                        fontsize=9, color=colour, fontweight="bold")
            words = f"in deficit once shift rates reach {be:.2f}x today's; the shift itself {_adds(impact[form])}"
        notes.append((f"{FORM_LABELS[form]}: {words}", colour))
    ax.annotate("today's assumptions (1x)", (1.0, 1.0), xycoords=("data", "axes fraction"),
                textcoords="offset points", xytext=(4, -12), fontsize=8, color="#555555")
    ax.set_xlim(0, top)
    ax.margins(y=0.12)
    ax.set_xticks(np.arange(0, top + 1e-9, 0.5 if top <= 5 else 1.0))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}x"))
    ax.set_xlabel("Shift rates as a multiple of today's (0x = no shift, 1x = the scenario's assumptions)",
                  fontsize=9)
    style_axis(ax, title, "Cumulative surplus £000")
    ax.grid(axis="x", color="#eeeeee", linewidth=0.6)
    for i, (text, colour) in enumerate(notes):
        ax.text(0.01, -0.2 - 0.075 * i, text, transform=ax.transAxes, fontsize=9, color=colour, va="top")
    ax.legend(fontsize=9, frameon=False, loc="best")


def _adds(impact: float) -> str:
    text = gbp_k(abs(impact))
    return f"adds {text} to the cumulative surplus" if impact >= 0 else f"takes {text} off the cumulative surplus"


BRIDGE_COLOURS = {"increase": "#3a8a4f", "decrease": "#c8553d", "total": "#34495e"}


def _signed_k(value: float) -> str:
    """+£32,327k / -£71,470k: an effect on surplus, signed so a bridge reads as a sum."""
    return "£0k" if abs(value) < 0.5 else ("-" if value < 0 else "+") + gbp_k(abs(value))


def fit_values(ax, texts) -> None:
    """Widen the x range until every value written beside a bar lies inside the axes (a narrow chart at a
    laptop's width would otherwise cut '+GBP130,896k' at its edge). Text keeps its size in pixels while the
    range grows, so a few passes converge."""
    try:
        renderer = ax.figure.canvas.get_renderer()
    except AttributeError:
        return
    for _ in range(4):
        low, high = ax.get_xlim()
        inverse = ax.transData.inverted()
        need_low, need_high = low, high
        for t in texts:
            box = t.get_window_extent(renderer)
            need_low = min(need_low, inverse.transform((box.x0, box.y0))[0])
            need_high = max(need_high, inverse.transform((box.x1, box.y1))[0])
        if need_low >= low and need_high <= high:
            return
        margin = 0.02 * (need_high - need_low)
        ax.set_xlim(need_low - (margin if need_low < low else 0.0), need_high + (margin if need_high > high else 0.0))


def waterfall(ax, labels: list[str], effects: list[float], total_label: str, title: str):
    """A horizontal waterfall: each effect a bar from the running total (top to bottom), increases and
    decreases in their own colours, then the total as a bar from zero in a third colour; every bar carries
    its value. The bars carry their kind in gid ("increase", "decrease", "total"). Returns the values written
    beside the bars: once the figure's layout is final, ``fit_values`` keeps them inside the axes."""
    effects = [float(v) for v in effects]
    n = len(effects)
    y = np.arange(n + 1)
    running = np.concatenate([[0.0], np.cumsum(effects)])
    total = float(running[-1])
    starts = list(running[:-1]) + [0.0]
    widths = effects + [total]
    kinds = ["increase" if v >= 0 else "decrease" for v in effects] + ["total"]
    for i in range(n + 1):
        ax.barh(y[i], widths[i], left=starts[i], height=0.62, color=BRIDGE_COLOURS[kinds[i]], gid=kinds[i])
    for i in range(n):  # connectors from the end of one bar to the start of the next
        ax.plot([running[i + 1], running[i + 1]], [y[i] + 0.31, y[i + 1] - 0.31], color="#888888",
                linewidth=0.7, linestyle=":")
    span = max(float(np.max(running)) - min(0.0, float(np.min(running))), abs(total), 1.0)
    texts = []
    for i in range(n + 1):
        end = starts[i] + widths[i]
        right = widths[i] >= 0
        text = _signed_k(widths[i]) if kinds[i] != "total" else gbp_k(widths[i])
        weight = "bold" if kinds[i] == "total" else "normal"
        if abs(widths[i]) > 0.4 * span:  # a long bar carries its value inside, clear of the axis labels
            ax.text(end - (0.01 if right else -0.01) * span, y[i], text, va="center", ha="right" if right else "left",
                    fontsize=8, color="white", fontweight=weight)
        else:
            texts.append(ax.text(end + (0.01 if right else -0.01) * span, y[i], text, va="center",
                                 ha="left" if right else "right", fontsize=8, color="#222222", fontweight=weight))
    ax.axvline(0, color="#555555", linewidth=0.7)
    ax.set_yticks(y, list(labels) + [total_label], fontsize=8)
    ax.get_yticklabels()[-1].set_fontweight("bold")
    ax.set_ylim(n + 0.6, -0.6)
    low = min(0.0, float(np.min(running)))
    high = max(0.0, float(np.max(running)))
    pad = 0.28 * span
    ax.set_xlim(low - (pad if low < 0 else 0.02 * span), high + pad)
    ax.set_title(title, fontsize=10, loc="left")
    ax.xaxis.set_major_formatter(GBP_K)
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return texts

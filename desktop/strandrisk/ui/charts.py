"""Matplotlib charts in Qt: a canvas with the standard toolbar (zoom, pan, save PNG)."""

from __future__ import annotations

import matplotlib

matplotlib.use("QtAgg")

import numpy as np  # noqa: E402
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg, NavigationToolbar2QT  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget  # noqa: E402

FORM_COLOURS = {"acute_only": "#c0504d", "integrated": "#1f6fb2", "community_only": "#6a8f3a"}
FORM_LABELS = {"acute_only": "Acute-only", "integrated": "Integrated", "community_only": "Community only"}
GBP_K = FuncFormatter(lambda v, _pos: f"{v:,.0f}")


def gbp_k(value: float) -> str:
    """-34458.2 -> '-£34,458k' (money in £000)."""
    return ("-" if value < 0 else "") + f"£{abs(value):,.0f}k"


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

"""Matplotlib charts in Qt: a canvas with the standard toolbar (zoom, pan) and our own Copy chart / Save
chart, which name and title the image after what it shows (provider, form, scenario, date)."""

from __future__ import annotations

import datetime
import io
import re
import weakref
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("QtAgg")

import numpy as np  # noqa: E402
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg, NavigationToolbar2QT  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402
from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage  # noqa: E402
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QSizePolicy, QVBoxLayout, QWidget  # noqa: E402

from ..core.labels import BRIDGE_COLOURS, FORM_COLOURS, FORM_LABELS  # noqa: E402,F401  (the one place of words and colours)

GBP_K = FuncFormatter(lambda v, _pos: f"({abs(v):,.0f})" if v < -0.5 else f"{abs(v):,.0f}")  # £000, as the report


def gbp_k(value: float) -> str:
    """-34458.2 -> '(£34,458k)': money in £000, negatives in brackets as in the report; zero is £0k."""
    from .tables import format_value

    if abs(value) < 0.5:
        return "£0k"
    text = "£" + format_value(abs(value), "money0") + "k"
    return f"({text})" if value < 0 else text


@dataclass
class ChartContext:
    """What a chart shows, for the name and title of its saved or copied image. ``provider``: a code or
    "All providers" (the file name); ``provider_title``: the code and name (the image title); ``form``: a
    form code, or "" when the chart shows every form; ``what``: the chart ("cash", "bridge")."""

    what: str
    provider: str = ""
    provider_title: str = ""
    form: str = ""
    scenario: str = ""

    def form_words(self) -> str:
        return FORM_LABELS[self.form].lower() if self.form in FORM_LABELS else "both forms"

    def file_stem(self, day: datetime.date | None = None) -> str:
        """'ZA1 acute-only - Base case - cash - 2026-12-02': safe as a file name on Windows and Linux."""
        day = day or datetime.date.today()
        parts = [" ".join(x for x in (self.provider, self.form_words()) if x), self.scenario, self.what,
                 day.isoformat()]
        stem = " - ".join(x for x in parts if x)
        return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", stem).strip(" .")

    def title(self, day: datetime.date | None = None, two_lines: bool = False) -> str:
        """The line written above the exported image (``two_lines``: provider and form, then scenario and
        date, for a narrow chart)."""
        day = day or datetime.date.today()
        who = self.provider_title or self.provider
        scenario = f"scenario '{self.scenario}'" if self.scenario else ""
        first = f"{who}, {self.form_words()}" if who else self.form_words()
        second = " - ".join(x for x in (scenario, f"{day.day} {day:%B %Y}") if x)
        return f"{first}\n{second}" if two_lines else f"{first} - {second}"


IMAGE_FORMATS = {"png": "PNG image (*.png)", "svg": "SVG image (*.svg)"}
EXPORT_DPI = 150  # a saved or copied PNG: sharper than the screen, sized for a slide or a paper


class _Toolbar(NavigationToolbar2QT):
    """Matplotlib's toolbar without its own Save (which saved 'image.png' with nothing on it to say what
    it is); the panel's Copy chart and Save chart take its place."""

    toolitems = [t for t in NavigationToolbar2QT.toolitems if t[0] not in ("Save", "Subplots")]

    def save_figure(self, *args):  # matplotlib's "s" shortcut
        self.parent().save_chart()


class ChartPanel(QWidget):
    """One matplotlib figure with its navigation toolbar, Copy chart and Save chart (toolbar buttons and the
    right-click menu). The pane drawing it says what it shows with ``set_context``."""

    def __init__(self, parent=None):
        super().__init__(parent)
        # Fixed margins, not constrained layout: that costs ~100 ms a figure on the GUI thread.
        self.figure = Figure(figsize=(6, 4))
        self._painter = None
        self._dirty = False
        self._scheduled = False
        self.context = ChartContext("chart")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.setMinimumHeight(220)
        self.canvas.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.canvas.customContextMenuRequested.connect(self._menu_at)
        self.toolbar = _Toolbar(self.canvas, self)
        self.toolbar.addSeparator()
        self.copy_action = self.toolbar.addAction("Copy chart", self.copy_chart)
        self.copy_action.setToolTip("Copy the chart to the clipboard as a picture (paste into Word, PowerPoint, "
                                    "an email)")
        self.save_action = self.toolbar.addAction("Save chart...", self.save_chart)
        self.save_action.setToolTip("Save the chart as a PNG picture or an SVG drawing, named after what it shows")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.canvas, 1)

    def set_context(self, what: str, provider: str = "", provider_title: str = "", form: str = "",
                    scenario: str = "") -> None:
        """Say what the chart shows: its saved file is named and its image titled after it."""
        self.context = ChartContext(what, provider, provider_title, form, scenario)

    def set_result_context(self, result, p: int, what: str, scenario: str, forms=()) -> None:
        """``set_context`` for a chart of provider p (or all providers) of a run, showing ``forms``."""
        from .series import ALL, provider_label

        code = "All providers" if p == ALL else str(result.system.provider_code[p])
        forms = tuple(forms)
        self.set_context(what, code, provider_label(result, p), forms[0] if len(forms) == 1 else "", scenario)

    # ------------------------------------------------------------------------------ copy and save
    def context_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.addAction(self.copy_action)
        menu.addAction(self.save_action)
        return menu

    def _menu_at(self, pos) -> None:
        if self.toolbar.mode:  # zooming or panning: the right button belongs to matplotlib
            return
        menu = self.context_menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.canvas.mapToGlobal(pos))

    def image_bytes(self, fmt: str = "png", day: datetime.date | None = None) -> bytes:
        """The chart as shown, with its context as a title line above it, as PNG or SVG bytes."""
        if self._dirty:
            self.render_now()
        title = self.context.title(day)
        heading = self.figure.text(0.01, 1.0, title, transform=self.figure.transFigure, ha="left", va="bottom",
                                   fontsize=10, fontweight="bold", color="#222222")
        if heading.get_window_extent(self.figure.canvas.get_renderer()).width > 0.97 * self.figure.bbox.width:
            heading.set_text(self.context.title(day, two_lines=True))  # a narrow chart: never wider than it
        buffer = io.BytesIO()
        try:
            # text stays text in an SVG (searchable, editable in PowerPoint); the tight box takes in the title
            with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "strandrisk"}):
                self.figure.savefig(buffer, format=fmt, dpi=EXPORT_DPI, bbox_inches="tight", pad_inches=0.15,
                                    facecolor="white", metadata={"Title": title})
        finally:
            heading.remove()
        return buffer.getvalue()

    def copy_chart(self) -> QImage:
        """Put the chart (with its title line) on the clipboard as a picture."""
        image = QImage.fromData(self.image_bytes("png"), "PNG")
        QGuiApplication.clipboard().setImage(image)
        return image

    def suggested_name(self, fmt: str = "png") -> str:
        return f"{self.context.file_stem()}.{fmt}"

    def ask_save_path(self) -> Path | None:
        """The save dialog: PNG or SVG, starting in the last folder used with the suggested name. The dialog
        asks before replacing a file (it adds the extension itself, so the question is about the real file)."""
        settings = getattr(self.window(), "settings", None)
        folder = Path(settings.value("last_dir", str(Path.home()))) if settings is not None else Path.home()
        dialog = QFileDialog(self, "Save chart", str(folder / self.suggested_name()))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters(list(IMAGE_FORMATS.values()))
        dialog.setDefaultSuffix("png")

        def format_chosen(name_filter: str) -> None:  # SVG chosen: the suggested name follows
            fmt = next(k for k, v in IMAGE_FORMATS.items() if v == name_filter)
            dialog.setDefaultSuffix(fmt)
            dialog.selectFile(self.suggested_name(fmt))

        dialog.filterSelected.connect(format_chosen)
        chosen = dialog.selectedFiles() if dialog.exec() else []
        dialog.deleteLater()
        if not chosen:
            return None
        path = Path(chosen[0])
        if path.suffix.lower() not in (".png", ".svg"):  # typed another extension: a PNG, asked about anew
            path = path.with_name(path.name + ".png")
            if path.exists() and QMessageBox.question(self, "Save chart", f"{path.name} already exists. Replace it?") \
                    != QMessageBox.StandardButton.Yes:
                return None
        if settings is not None:
            settings.setValue("last_dir", str(path.parent))
        return path

    def save_chart(self, path: Path | None = None) -> Path | None:
        """Save the chart where the user chooses (PNG unless the name ends .svg), written atomically: a
        failed save leaves any file of that name as it was. Returns the path saved, or None."""
        from ..io.atomic import write_bytes_atomic
        from ..io.failures import describe_failure

        path = self.ask_save_path() if path is None else Path(path)
        if path is None:
            return None
        fmt = "svg" if path.suffix.lower() == ".svg" else "png"
        try:
            write_bytes_atomic(path, self.image_bytes(fmt))
        except Exception as exc:  # noqa: BLE001 - every failure is one sentence in a dialog
            QMessageBox.warning(self, "Save chart", describe_failure(exc, f"saving {path.name}"))
            return None
        return path

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
        low, high = ax.get_ylim()
        if high - low < 2:  # every value under £1k (often all zero): whole £k ticks, not 0, 0, 0, 0
            ax.set_ylim(min(low, -1.0), max(high, 1.0))
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
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
    and each form's break-even marked and said in words on the chart. The points' labels are placed off
    the curves (``place_labels``)."""
    ax.axhline(0, color="#333333", linewidth=0.9)
    ax.axvline(1.0, color="#777777", linewidth=1, linestyle="--")
    top = float(multipliers[-1])
    notes, labels = [], []
    for form, values in curves.items():
        colour = FORM_COLOURS[form]
        ax.plot(multipliers, values, color=colour, linewidth=2, label=FORM_LABELS[form], gid=f"curve:{form}")
        today = float(np.interp(1.0, multipliers, values))
        ax.plot([1.0], [today], marker="o", color=colour, markersize=7)
        labels.append(_point_label(ax, f"{gbp_k(today)} today", (1.0, today), colour))
        be = float(break_even.get(form, np.nan))
        if np.isnan(be):
            words = f"in surplus at every shift up to 10x; the shift itself {_adds(impact[form])}"
        elif be == 0:
            ax.plot([0.0], [values[0]], marker="X", color=colour, markersize=10, markeredgecolor="white",
                    clip_on=False)
            labels.append(_point_label(ax, f"{gbp_k(values[0])} with no shift", (0.0, values[0]), colour))
            words = f"already in deficit with no shift; the shift itself {_adds(impact[form])}"
        else:
            at = float(np.interp(be, multipliers, values))
            ax.plot([be], [at], marker="D", color=colour, markersize=8, markeredgecolor="white")
            labels.append(_point_label(ax, f"break-even {be:.2f}x", (be, at), colour, bold=True))
            words = f"in deficit once shift rates reach {be:.2f}x today's; the shift itself {_adds(impact[form])}"
        notes.append((f"{FORM_LABELS[form]}: {words}", colour))
    fixed = ax.annotate("today's assumptions (1x)", (1.0, 1.0), xycoords=("data", "axes fraction"),
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
    legend = ax.legend(fontsize=9, frameon=False, loc="best")
    curves_drawn = [line for line in ax.lines if str(line.get_gid()).startswith("curve:")]
    place_labels(ax, labels, curves_drawn, [fixed, legend])
    _place_again_on_resize(ax, lambda: place_labels(ax, labels, curves_drawn, [fixed, legend]))


def _point_label(ax, text: str, point, colour: str, bold: bool = False):
    """A label of a marked point, placed later by ``place_labels`` (gid "point-label")."""
    return ax.annotate(text, point, textcoords="offset points", xytext=(8, 8), fontsize=9, color=colour,
                       fontweight="bold" if bold else "normal", bbox=_LABEL_BOX, gid="point-label",
                       annotation_clip=False,
                       arrowprops=dict(arrowstyle="-", color=colour, linewidth=0.7, shrinkA=0, shrinkB=5))


# where a point's label may go, nearest first: offsets in points (x, y); the text is aligned away from the point
_LABEL_SPOTS = [(dx * r, dy * r) for r in (8, 18, 30, 46) for dx, dy in ((1, 1), (-1, 1), (1, -1), (-1, -1),
                                                                        (0, 1.2), (0, -1.2))]


def place_labels(ax, labels, curves, obstacles=()) -> None:
    """Put each label at the nearest spot around its point where it covers no curve, no other label and no
    obstacle (a legend, a fixed note) and stays inside the axes; a label away from its point gets a thin
    leader line. Runs once the axes' limits are final (the labels keep their offsets in points)."""
    try:
        renderer = ax.figure.canvas.get_renderer()
    except AttributeError:
        return
    ax.get_xlim(), ax.get_ylim()  # settle the autoscaled limits first
    points = []
    for line in curves:
        x, y = np.asarray(line.get_xdata(), dtype=float), np.asarray(line.get_ydata(), dtype=float)
        xs = np.linspace(x[0], x[-1], 1500)
        points.append(ax.transData.transform(np.column_stack([xs, np.interp(xs, x, y)])))
    points = np.vstack(points) if points else np.zeros((0, 2))
    frame = ax.get_window_extent(renderer)
    taken = [o.get_window_extent(renderer) for o in obstacles if o is not None]
    for label in labels:
        best = None
        for dx, dy in _LABEL_SPOTS:
            box = _label_box(label, dx, dy, renderer)
            inside = (points[:, 0] >= box.x0) & (points[:, 0] <= box.x1) & (points[:, 1] >= box.y0) \
                & (points[:, 1] <= box.y1)
            cost = int(inside.sum()) + 1000 * sum(box.overlaps(t) for t in taken) \
                + (1000 if box.x0 < frame.x0 or box.x1 > frame.x1 or box.y0 < frame.y0 or box.y1 > frame.y1 else 0)
            if best is None or cost < best[0]:
                best = (cost, dx, dy)
            if cost == 0:
                break
        _cost, dx, dy = best
        box = _label_box(label, dx, dy, renderer)
        label.arrow_patch.set_visible(abs(dx) > 8 or abs(dy) > 10)  # a leader line once away from the point
        taken.append(box)


_PLACERS = weakref.WeakKeyDictionary()  # canvas -> its resize connection that places the labels again


def _place_again_on_resize(ax, place) -> None:
    """A resized chart changes the curves' slopes on screen while labels keep their offsets: place them
    again at every resize, until the figure is drawn anew (the next chart replaces this connection)."""
    canvas = ax.figure.canvas
    if not hasattr(canvas, "mpl_connect"):
        return
    old = _PLACERS.pop(canvas, None)
    if old is not None:
        canvas.mpl_disconnect(old)

    def again(_event):
        if ax.figure is not None and ax in ax.figure.axes:  # not cleared since
            place()

    _PLACERS[canvas] = canvas.mpl_connect("resize_event", again)


def _label_box(label, dx: float, dy: float, renderer):
    """Move a point label to the offset (dx, dy) points, aligned away from its point; its text's box, padded
    (without the leader line, which always reaches the point)."""
    from matplotlib.text import Text

    label.xyann = (dx, dy)
    label.set_horizontalalignment("left" if dx > 0 else "right" if dx < 0 else "center")
    label.set_verticalalignment("bottom" if dy > 0 else "top")
    label.update_positions(renderer)
    return Text.get_window_extent(label, renderer).padded(3)


def _adds(impact: float) -> str:
    text = gbp_k(abs(impact))
    return f"adds {text} to the cumulative surplus" if impact >= 0 else f"takes {text} off the cumulative surplus"




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

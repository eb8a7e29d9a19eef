"""A table model over numpy arrays: sortable with argsort, copied as tab-separated text that Excel reads as the
table shows it (labels, headers, numbers rounded as displayed) or at full precision."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QAction, QActionGroup, QBrush, QColor, QFont, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QMenu, QTableView

from ..core.status import AMBER, GREEN, RED, STATUS_RULE_TEXT, STATUSES


# a status in a table is its index in STATUSES (green, amber, red), so sorting puts the worst last
STATUS_FILLS = {GREEN: "#c6efce", AMBER: "#ffeb9c", RED: "#ffc7ce"}  # the report's fills


def format_value(value, kind: str) -> str:
    """Finance formatting as in the Excel report: £000 with thousands separators and negatives in
    brackets (``money`` to one decimal like the report's yearly tables, ``money0`` whole like its
    summary), exactly zero money as "-", days to one decimal, shares as %, ratings whole, ``year`` a financial
    year (its start year; none: "never"), ``years`` a difference in years, ``multiplier`` a break-even
    (none on the grid: "none"), ``status`` an index of STATUSES, ``blank`` nothing (a total that would mean
    nothing). Rounding is half away from zero, as Excel's number formats round."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    v = float(value)
    if math.isnan(v):
        return {"year": "never", "years": "-", "multiplier": "none", "status": "", "blank": ""}.get(kind, "n/a")
    if kind == "status":
        return STATUSES[int(v)]
    if kind in ("money", "money0"):
        if v == 0:
            return "-"
        text = _rounded(abs(v), 1 if kind == "money" else 0)
        return f"({text})" if v < 0 else text
    if kind == "share":
        text = _rounded(abs(v) * 100, 1) + "%"
        return f"({text})" if v < 0 else text
    if kind == "days":
        text = _rounded(abs(v), 1)
        return f"({text})" if v < 0 else text
    if kind == "rating":
        return _rounded(v, 0)
    if kind == "multiplier":
        return f"{_rounded(v, 2)}x"
    if kind == "year":
        start = int(v)
        return f"{start}/{(start + 1) % 100:02d}"
    if kind == "years":
        n = int(round(v))
        if n == 0:
            return "same year"
        return f"{abs(n)} year{'s' if abs(n) != 1 else ''} {'later' if n > 0 else 'earlier'}"
    text = _rounded(abs(v), 2)
    return f"({text})" if v < 0 else text


# decimals each kind shows: what "as shown" rounds to when copied
SHOWN_PLACES = {"money": 1, "money0": 0, "days": 1, "rating": 0, "multiplier": 2}
LABELLED_KINDS = ("year", "years", "status", "blank")  # copied as the words shown, never as a number


def copy_text(value, kind: str, full_precision: bool = False) -> str:
    """One cell as Excel should read it when pasted: a number unformatted (no thousands separators, a minus
    sign for brackets, 0 for the "-" of zero money), rounded as the table shows it unless ``full_precision``;
    a share as a percentage ("3.2%", which Excel and LibreOffice read as 0.032 shown as a percentage); a
    financial year, a status or a missing value ("never", "none", "n/a") in the words shown."""
    if value is None or isinstance(value, (str, bool, np.bool_)):
        return format_value(value, kind)
    v = float(value)
    if math.isnan(v) or kind in LABELLED_KINDS:
        return format_value(v, kind)
    if kind == "share":
        return _plain(v * 100, None if full_precision else 1) + "%"
    return _plain(v, None if full_precision else SHOWN_PLACES.get(kind, 2))


def _plain(v: float, places: int | None) -> str:
    """A number Excel parses: rounded half away from zero to ``places`` (None: to 9 significant decimals,
    the float's noise dropped), no separators, no trailing zeros ("3", not "3.0"), never "-0"."""
    if places is None:
        q = Decimal(repr(v)).quantize(Decimal(1).scaleb(-9), rounding=ROUND_HALF_UP) if abs(v) < 1e15 \
            else Decimal(repr(v))
    else:
        q = Decimal(repr(v)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{q:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _rounded(v: float, places: int) -> str:
    """v to ``places`` decimals, half away from zero (as Excel rounds), with thousands separators."""
    q = Decimal(repr(float(v))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{q:,.{places}f}"


class ArrayTableModel(QAbstractTableModel):
    """Rows of labelled values. ``columns``: headers; ``rows``: list of (label cells, numeric array, kind).

    The first ``len(label_headers)`` columns are text labels, the rest numbers from a (R, C) float array.
    A row's kind is one kind for all its values or a tuple of one kind per value column.
    The last ``totals`` rows are totals: shown bold on grey, always at the bottom, never sorted.
    Sorting reorders a permutation (numpy argsort), never the data.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self._note_header: str | None = None
        self._notes: list[str] = []
        self._label_headers: list[str] = []
        self._value_headers: list[str] = []
        self._labels: list[list[str]] = []
        self._values = np.zeros((0, 0))
        self._kinds: list[str] = []
        self._order = np.arange(0)
        self._totals = 0

    def set_data(self, label_headers, value_headers, labels, values, kinds, totals: int = 0, notes=None,
                 note_header: str | None = None):
        """``totals``: how many of the last rows are totals; ``notes``: one text per row shown in a last
        column headed ``note_header`` (after the values)."""
        self.beginResetModel()
        self._note_header = note_header if notes is not None else None
        self._notes = [str(n) for n in notes] if notes is not None else []
        self._label_headers = list(label_headers)
        self._value_headers = list(value_headers)
        self._labels = [list(x) for x in labels]
        self._values = np.asarray(values, dtype=float).reshape(len(labels), len(value_headers))
        self._kinds = [k if isinstance(k, str) else tuple(k) for k in kinds]
        self._totals = int(totals)
        self._order = np.arange(len(labels))
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self._labels)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self._headers())

    def _headers(self) -> list[str]:
        return self._label_headers + self._value_headers + ([self._note_header] if self._note_header else [])

    def headers(self) -> list[str]:
        """The column headings as shown."""
        return self._headers()

    def label_columns(self) -> int:
        """How many columns (from the left) label the rows."""
        return len(self._label_headers)

    def _is_note(self, col: int) -> bool:
        return self._note_header is not None and col == len(self._label_headers) + len(self._value_headers)

    def is_total(self, row: int) -> bool:
        """Whether shown row ``row`` is a totals row."""
        return row >= len(self._labels) - self._totals

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            heads = self._headers()
            return heads[section] if section < len(heads) else None
        return None

    def kind(self, r: int, value_col: int) -> str:
        """The kind of data row r (unsorted) in value column value_col."""
        k = self._kinds[r]
        return k if isinstance(k, str) else k[value_col]

    def cell_text(self, row: int, col: int) -> str:
        r = int(self._order[row])
        nl = len(self._label_headers)
        if col < nl:
            return self._labels[r][col]
        if self._is_note(col):
            return self._notes[r]
        return format_value(self._values[r, col - nl], self.kind(r, col - nl))

    def copy_cell(self, row: int, col: int, full_precision: bool = False) -> str:
        """Shown cell (row, col) as it is copied for Excel (see ``copy_text``)."""
        r = int(self._order[row])
        nl = len(self._label_headers)
        if col < nl or self._is_note(col):
            return _safe(self.cell_text(row, col))
        # a number or a word of ours, never text from a file: a leading minus is a negative number, not a formula
        return copy_text(self._values[r, col - nl], self.kind(r, col - nl), full_precision)

    def raw_value(self, row: int, col: int):
        r = int(self._order[row])
        nl = len(self._label_headers)
        if self._is_note(col):
            return self._notes[r]
        return self._labels[r][col] if col < nl else float(self._values[r, col - nl])

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        nl = len(self._label_headers)
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell_text(row, col)
        total = self.is_total(row)
        if role == Qt.ItemDataRole.FontRole and total:
            font = QFont()
            font.setBold(True)
            return font
        value_col = nl <= col and not self._is_note(col)
        if role == Qt.ItemDataRole.TextAlignmentRole and value_col:
            if self.kind(int(self._order[row]), col - nl) == "status":
                return int(Qt.AlignmentFlag.AlignCenter)
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and value_col:
            v = self._values[int(self._order[row]), col - nl]
            if self.kind(int(self._order[row]), col - nl) in ("money", "money0", "share") and v < 0:
                return QBrush(QColor("#b00020"))
        if role == Qt.ItemDataRole.BackgroundRole and value_col \
                and self.kind(int(self._order[row]), col - nl) == "status":
            v = self._values[int(self._order[row]), col - nl]
            if not math.isnan(v):
                return QBrush(QColor(STATUS_FILLS[STATUSES[int(v)]]))
        if role == Qt.ItemDataRole.ToolTipRole and value_col \
                and self.kind(int(self._order[row]), col - nl) == "status":
            return STATUS_RULE_TEXT
        if role == Qt.ItemDataRole.ToolTipRole and self._is_note(col):
            return self._notes[int(self._order[row])]
        if role == Qt.ItemDataRole.BackgroundRole and total:
            return QBrush(QColor(TOTAL_FILL))
        return None

    def sort(self, column, order=Qt.SortOrder.AscendingOrder):
        """Sort the rows by a column; totals rows stay at the bottom."""
        nl = len(self._label_headers)
        n = len(self._labels) - self._totals
        if column < 0 or column >= self.columnCount() or n <= 0:
            return
        self.layoutAboutToBeChanged.emit()
        if column < nl or self._is_note(column):
            keys = [self._notes[i] if self._is_note(column) else self._labels[i][column] for i in range(n)]
            order_idx = np.array(sorted(range(n), key=lambda i: str(keys[i])), dtype=int)
        else:
            col = self._values[:n, column - nl]
            filled = np.where(np.isnan(col), np.inf, col)  # missing values last
            order_idx = np.argsort(filled, kind="stable")
        if order == Qt.SortOrder.DescendingOrder:
            order_idx = order_idx[::-1]
        self._order = np.concatenate([np.asarray(order_idx, dtype=int), np.arange(n, len(self._labels))])
        self.layoutChanged.emit()

    def to_tsv(self, rows=None, cols=None, full_precision: bool = False) -> str:
        """Shown rows and columns as tab-separated text for Excel: the heading line, then each row with its
        label columns (always, even when only value columns are asked for) and the cells as ``copy_text``
        makes them; text neutralised against formulas."""
        rows = range(self.rowCount()) if rows is None else rows
        asked = range(self.columnCount()) if cols is None else cols
        cols = sorted(set(range(len(self._label_headers))) | set(asked))
        heads = self._headers()
        lines = ["\t".join(_safe(heads[c]) for c in cols)]
        for r in rows:
            lines.append("\t".join(self.copy_cell(r, c, full_precision) for c in cols))
        return "\n".join(lines) + "\n"


TOTAL_FILL = "#e4e8ee"  # a totals row: bold on this grey


def _safe(text: str) -> str:
    from ..io.safe_text import tsv_cell

    return tsv_cell(text)


class ArrayTableView(QTableView):
    """A sortable table view. Ctrl+C copies the selection (or the whole table when nothing is selected) as
    tab-separated text with its row labels and headings; the context menu copies the selection or the
    table, as shown or at full precision."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model_ = ArrayTableModel(self)
        self.setModel(self.model_)
        self.setSortingEnabled(True)
        self.horizontalHeader().setSortIndicatorShown(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.full_precision = False
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu_at)

    def _selected(self) -> tuple[list[int], list[int]]:
        sel = self.selectionModel().selectedIndexes() if self.selectionModel() else []
        return sorted({i.row() for i in sel}), sorted({i.column() for i in sel})

    def copy_selection(self) -> str:
        """The selected cells with their row labels and headings (the whole table when nothing is selected)."""
        rows, cols = self._selected()
        text = self.model_.to_tsv(rows, cols, self.full_precision) if rows else \
            self.model_.to_tsv(full_precision=self.full_precision)
        QGuiApplication.clipboard().setText(text)
        return text

    def copy_table(self) -> str:
        """Every row and column, whatever is selected."""
        text = self.model_.to_tsv(full_precision=self.full_precision)
        QGuiApplication.clipboard().setText(text)
        return text


    def context_menu(self) -> QMenu:
        menu = QMenu(self)
        has_selection = bool(self._selected()[0])
        selection = menu.addAction("Copy selection", self.copy_selection)
        selection.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        selection.setEnabled(has_selection)
        menu.addAction("Copy table", self.copy_table)
        menu.addSeparator()
        group = QActionGroup(menu)
        for text, full, tip in (("Copy as shown", False, "Numbers rounded as the table shows them"),
                                ("Copy full precision", True, "Numbers as the model computed them")):
            action = QAction(text, menu, checkable=True, checked=self.full_precision == full)
            action.setToolTip(tip)
            action.triggered.connect(lambda _checked=False, f=full: setattr(self, "full_precision", f))
            group.addAction(action)
            menu.addAction(action)
        return menu

    def _menu_at(self, pos) -> None:
        menu = self.context_menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.viewport().mapToGlobal(pos))

    def keyPressEvent(self, event):
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            return
        super().keyPressEvent(event)

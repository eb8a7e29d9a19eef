"""A table model over numpy arrays: sortable with argsort, copied as tab-separated text for Excel."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QTableView

from ..core.status import AMBER, GREEN, RED, STATUS_RULE_TEXT, STATUSES


# a status in a table is its index in STATUSES (green, amber, red), so sorting puts the worst last
STATUS_FILLS = {GREEN: "#c6efce", AMBER: "#ffeb9c", RED: "#ffc7ce"}  # the report's fills


def format_value(value, kind: str) -> str:
    """Finance formatting as in the Excel report: £000 with thousands separators and negatives in
    brackets (``money`` to one decimal like the report's yearly tables, ``money0`` whole like its
    summary), exactly zero money as "-", days to one decimal, shares as %, ratings whole, ``year`` a financial
    year (its start year; none: "never"), ``years`` a difference in years, ``multiplier`` a break-even
    (none on the grid: "none"), ``status`` an index of STATUSES. Rounding is half away from
    zero, as Excel's number formats round."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    v = float(value)
    if math.isnan(v):
        return {"year": "never", "years": "-", "multiplier": "none", "status": ""}.get(kind, "n/a")
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


def _rounded(v: float, places: int) -> str:
    """v to ``places`` decimals, half away from zero (as Excel rounds), with thousands separators."""
    q = Decimal(repr(float(v))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{q:,.{places}f}"


class ArrayTableModel(QAbstractTableModel):
    """Rows of labelled values. ``columns``: headers; ``rows``: list of (label cells, numeric array, kind).

    The first ``len(label_headers)`` columns are text labels, the rest numbers from a (R, C) float array.
    A row's kind is one kind for all its values or a tuple of one kind per value column.
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
        self._highlight: np.ndarray | None = None

    def set_data(self, label_headers, value_headers, labels, values, kinds, highlight=None, notes=None,
                 note_header: str | None = None):
        """``notes``: one text per row shown in a last column headed ``note_header`` (after the values)."""
        self.beginResetModel()
        self._note_header = note_header if notes is not None else None
        self._notes = [str(n) for n in notes] if notes is not None else []
        self._label_headers = list(label_headers)
        self._value_headers = list(value_headers)
        self._labels = [list(x) for x in labels]
        self._values = np.asarray(values, dtype=float).reshape(len(labels), len(value_headers))
        self._kinds = [k if isinstance(k, str) else tuple(k) for k in kinds]
        self._highlight = None if highlight is None else np.asarray(highlight, dtype=bool)
        self._order = np.arange(len(labels))
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self._labels)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self._headers())

    def _headers(self) -> list[str]:
        return self._label_headers + self._value_headers + ([self._note_header] if self._note_header else [])

    def _is_note(self, col: int) -> bool:
        return self._note_header is not None and col == len(self._label_headers) + len(self._value_headers)

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
        if role == Qt.ItemDataRole.BackgroundRole and self._highlight is not None:
            if self._highlight[int(self._order[row])]:
                return QBrush(QColor("#fff4d6"))
        return None

    def sort(self, column, order=Qt.SortOrder.AscendingOrder):
        nl = len(self._label_headers)
        if column < 0 or column >= self.columnCount() or not self._labels:
            return
        self.layoutAboutToBeChanged.emit()
        if column < nl or self._is_note(column):
            keys = np.array([self._notes[i] if self._is_note(column) else lab[column]
                             for i, lab in enumerate(self._labels)], dtype=object)
            order_idx = np.array(sorted(range(len(keys)), key=lambda i: str(keys[i])), dtype=int)
        else:
            col = self._values[:, column - nl]
            filled = np.where(np.isnan(col), np.inf, col)  # missing values last
            order_idx = np.argsort(filled, kind="stable")
        if order == Qt.SortOrder.DescendingOrder:
            order_idx = order_idx[::-1]
        self._order = np.asarray(order_idx, dtype=int)
        self.layoutChanged.emit()

    def to_tsv(self, rows=None, cols=None) -> str:
        """Tab-separated text: numbers unformatted (Excel parses them), text neutralised against formulas."""
        rows = range(self.rowCount()) if rows is None else rows
        cols = list(range(self.columnCount())) if cols is None else list(cols)
        heads = self._headers()
        lines = ["\t".join(_safe(heads[c]) for c in cols)]
        for r in rows:
            cells = []
            for c in cols:
                v = self.raw_value(r, c)
                labelled = isinstance(v, float) and self.kind(int(self._order[r]), c - len(self._label_headers)) \
                    in ("year", "years", "status")  # a financial year pastes as its label, not its start year
                if labelled:
                    cells.append("" if math.isnan(v) else _safe(self.cell_text(r, c)))
                elif isinstance(v, float):
                    cells.append("" if math.isnan(v) else repr(round(v, 6)))
                else:
                    cells.append(_safe(str(v)))
            lines.append("\t".join(cells))
        return "\n".join(lines) + "\n"


def _safe(text: str) -> str:
    from ..io.safe_text import tsv_cell

    return tsv_cell(text)


class ArrayTableView(QTableView):
    """A sortable table view whose Ctrl+C copies the selection (or everything) as TSV."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model_ = ArrayTableModel(self)
        self.setModel(self.model_)
        self.setSortingEnabled(True)
        self.horizontalHeader().setSortIndicatorShown(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)

    def copy_tsv(self) -> str:
        sel = self.selectionModel().selectedIndexes() if self.selectionModel() else []
        if len(sel) > 1:
            rows = sorted({i.row() for i in sel})
            cols = sorted({i.column() for i in sel})
            text = self.model_.to_tsv(rows, cols)
        else:
            text = self.model_.to_tsv()
        QGuiApplication.clipboard().setText(text)
        return text

    def keyPressEvent(self, event):
        from PySide6.QtGui import QKeySequence

        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_tsv()
            return
        super().keyPressEvent(event)

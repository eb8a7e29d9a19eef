"""Data: the files in the project, per sheet its detected kind, column mapping and preview, and the
problems found (errors first), filterable; a click on a problem shows the offending row, a double-click
goes to its sheet and selects the column or row that needs attention.

Each fix (a column's reading, a Confirm, a value's meaning, a sheet's kind) re-reads the files as one edit
on the undo stack; the page stays on the sheet being fixed."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from ..core import schema
from ..core.labels import value_label
from ..core.problems import SEVERITIES, by_severity, column_letter, severity_counts
from ..core.wording import counted
from ..io.spreadsheets.matching import CONFIDENT
from ..io.spreadsheets.sheets import WIDE_CASH_TARGET

IGNORE = "(not used)"
MAX_SHOWN = 2000
CONFIRM = "Confirm"
ADJUST = QComboBox.SizeAdjustPolicy.AdjustToContents


class DataPane(QWidget):
    def __init__(self, window):
        super().__init__()
        self.win = window
        self.ws = window.workspace
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        for text, slot, tip in (
                ("Add files...", window.add_files_dialog, "Add spreadsheets (xlsx, xls, ods, csv)"),
                ("Open sample", lambda: window.open_sample(wait=False),
                 "Replace the data with the built-in fictional sample"),
                ("Save template...", window.save_template_dialog, "Save an empty input workbook to fill in"),
                ("Save mapping...", window.save_mapping_dialog, "Save the column mapping to reuse it"),
                ("Load mapping...", window.load_mapping_dialog, "Apply a saved column mapping")):
            b = QPushButton(text)
            b.setToolTip(tip)
            b.clicked.connect(lambda _c=False, s=slot: s())
            bar.addWidget(b)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)

        split = QSplitter(Qt.Orientation.Vertical)
        top = QSplitter(Qt.Orientation.Horizontal)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["File / sheet", "Holds", "Rows"])
        self.tree.setColumnWidth(0, 200)
        self.tree.currentItemChanged.connect(lambda cur, _prev: self._show_sheet(cur))
        top.addWidget(self.tree)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.sheet_title = QLabel("Pick a sheet to see how its columns were read.")
        self.sheet_title.setWordWrap(True)  # a long sheet note wraps instead of widening the pane
        rl.addWidget(self.sheet_title)
        kind_row = QHBoxLayout()
        kind_row.addWidget(QLabel("This sheet holds:"))
        self.kind_box = QComboBox()
        self.kind_box.setSizeAdjustPolicy(ADJUST)
        self.kind_box.addItem(IGNORE, None)
        for k in schema.INPUT_KINDS:
            self.kind_box.addItem(k.sheet, k.key)
        self.kind_box.activated.connect(lambda _i: self._kind_changed())
        kind_row.addWidget(self.kind_box)
        kind_row.addStretch(1)
        rl.addLayout(kind_row)
        self.mapping = QTableWidget(0, 4)
        self.mapping.setHorizontalHeaderLabels(["Column in your file", "Read as", "Confidence", ""])
        self.mapping.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.mapping.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.mapping.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.mapping.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.mapping.verticalHeader().setVisible(False)
        self.mapping.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.mapping.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.mapping.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        rl.addWidget(self.mapping, 3)
        self.values_title = QLabel("")
        self.values_title.setWordWrap(True)
        rl.addWidget(self.values_title)
        self.values = QTableWidget(0, 3)
        self.values.setHorizontalHeaderLabels(["Column", "Value in your file", "Means"])
        self.values.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.values.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.values.verticalHeader().setVisible(False)
        self.values.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        rl.addWidget(self.values, 0)
        self.preview = QTableWidget(0, 0)
        self.preview.setMinimumHeight(90)
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        rl.addWidget(self.preview, 1)
        top.addWidget(right)
        top.setSizes([380, 700])
        split.addWidget(top)

        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        frow = QHBoxLayout()
        frow.addWidget(QLabel("Problems:"))
        self.severity = QComboBox()
        self.severity.setSizeAdjustPolicy(ADJUST)
        self.severity.addItem("All severities", None)
        for s in SEVERITIES:
            self.severity.addItem(s.capitalize() + "s", s)
        self.severity.currentIndexChanged.connect(lambda _i: self._fill_problems())
        frow.addWidget(self.severity)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by text, sheet or cell")
        self.filter.textChanged.connect(lambda _t: self._fill_problems())
        frow.addWidget(self.filter, 1)
        self.count_label = QLabel("")
        frow.addWidget(self.count_label)
        bl.addLayout(frow)
        self.problems = QTableWidget(0, 4)
        self.problems.setHorizontalHeaderLabels(["Severity", "Where", "Problem", ""])
        self.problems.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.problems.setColumnHidden(3, True)
        self.problems.verticalHeader().setVisible(False)
        self.problems.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.problems.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.problems.setToolTip("Double-click a problem to go to its sheet and the column or row it is about.")
        self.problems.itemSelectionChanged.connect(self._problem_clicked)
        self.problems.cellDoubleClicked.connect(lambda row, _col: self.go_to_problem(row))
        bl.addWidget(self.problems, 1)
        self.row_detail = QLabel("")
        self.row_detail.setWordWrap(True)
        self.row_detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bl.addWidget(self.row_detail)
        split.addWidget(bottom)
        split.setSizes([420, 220])
        lay.addWidget(split, 1)
        self._sheets = []
        self._current = None
        self._fixed = None  # (file, sheet, header) of the last column fixed: shown again after the re-read

    # ----------------------------------------------------------------------------------------------
    def refresh(self):
        """Show the workspace's data again (after an import, a fix, undo or redo), staying on the sheet shown."""
        imported = self.ws.imported
        shown = (self._current.file, self._current.sheet) if self._current is not None else None
        self._current = None
        self.tree.blockSignals(True)
        self.tree.clear()
        self.tree.blockSignals(False)
        self._clear_sheet()
        self._sheets = list(getattr(imported, "sheets", []) or []) if imported is not None else []
        if self.ws.inputs is None:
            self.summary.setText("No data yet. Add your spreadsheets (or drop them on this window), open the "
                                 "sample, or save a template to fill in.")
        else:
            counts = {k.key: self.ws.inputs.table(k.key).n_rows for k in schema.INPUT_KINDS}
            files = ", ".join(s.file for s in self.ws.inputs.sources) or "project file"
            self.summary.setText("Read from " + files + ": " + "; ".join(
                f"{schema.KINDS_BY_KEY[k].sheet} {counted(n, 'row')}" for k, n in counts.items()) + ".")
        by_file: dict[str, QTreeWidgetItem] = {}
        if self.ws.inputs is not None:
            for src in self.ws.inputs.sources:
                item = QTreeWidgetItem([src.file, "", f"{src.rows_used:,}"])
                item.setToolTip(0, f"SHA-256 {src.sha256}")
                by_file[src.file] = item
                self.tree.addTopLevelItem(item)
        for i, rep in enumerate(self._sheets):
            parent = by_file.get(rep.file)
            if parent is None:
                parent = by_file[rep.file] = QTreeWidgetItem([rep.file, "", ""])
                self.tree.addTopLevelItem(parent)
            child = QTreeWidgetItem([rep.sheet, _kind_label(rep.kind), f"{rep.rows:,}"])
            child.setData(0, Qt.ItemDataRole.UserRole, i)
            parent.addChild(child)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        self.tree.resizeColumnToContents(1)
        item = self._sheet_item(*shown) if shown is not None else None
        if item is None:  # show a sheet's columns and preview, not an empty panel
            item = next((c for c in self._sheet_items() if self._sheets[c.data(0, Qt.ItemDataRole.UserRole)].kind),
                        None)
        if item is not None:
            self.tree.setCurrentItem(item)
        self.row_detail.setText("")
        self._fill_problems()

    def _sheet_items(self):
        for top in range(self.tree.topLevelItemCount()):
            parent = self.tree.topLevelItem(top)
            for k in range(parent.childCount()):
                yield parent.child(k)

    def _sheet_item(self, file: str, sheet: str):
        for item in self._sheet_items():
            rep = self._sheets[int(item.data(0, Qt.ItemDataRole.UserRole))]
            if (rep.file, rep.sheet) == (file, sheet):
                return item
        return None

    def show_sheet(self, file: str, sheet: str) -> bool:
        """Choose a sheet as if clicked in the list (False when the import has no such sheet)."""
        item = self._sheet_item(file, sheet)
        if item is None:
            return False
        if self.tree.currentItem() is item:
            self._show_sheet(item)
        else:
            self.tree.setCurrentItem(item)
        return True

    @property
    def current_sheet(self) -> tuple[str, str] | None:
        """(file, sheet) shown in the mapping table, or None."""
        return (self._current.file, self._current.sheet) if self._current is not None else None

    def _clear_sheet(self):
        self.mapping.setRowCount(0)
        self.preview.setRowCount(0)
        self.preview.setColumnCount(0)
        self.values.setRowCount(0)
        self.values.setVisible(False)
        self.values_title.setVisible(False)

    def _show_sheet(self, item):
        self._clear_sheet()
        if item is None or item.data(0, Qt.ItemDataRole.UserRole) is None:
            self._current = None
            return
        rep = self._sheets[int(item.data(0, Qt.ItemDataRole.UserRole))]
        self._current = rep
        self.sheet_title.setText(f"<b>{escape(rep.file)} / {escape(rep.sheet)}</b>: header in row {rep.header_row}, "
                                 f"{counted(rep.rows, 'data row')}."
                                 + ("<br>" + escape("; ".join(rep.notes)) if getattr(rep, "notes", None) else ""))
        idx = self.kind_box.findData(rep.kind)
        self.kind_box.setCurrentIndex(idx if idx >= 0 else 0)
        headers = list(rep.mapping.items()) + [(h, None) for h in rep.unmapped]
        self.mapping.setRowCount(len(headers))
        kind = _kind(rep.kind)
        confidence = getattr(rep, "confidence", {}) or {}
        for r, (source, target) in enumerate(headers):
            self.mapping.setItem(r, 0, QTableWidgetItem(str(source)))
            if isinstance(target, str) and target.startswith(WIDE_CASH_TARGET):
                self._show_month_column(r, target)
                continue
            mine = self.ws.decided_by_user(rep.file, rep.sheet, str(source))
            self.mapping.setItem(r, 2, _confidence_item(confidence.get(source), target, mine))
            combo = QComboBox()  # as wide as its longest choice: the column sizes to it
            combo.addItem(IGNORE, None)
            if kind is not None:
                for col in kind.columns:
                    combo.addItem(col.header + (" *" if col.required else ""), col.name)
            i = combo.findData(target)
            combo.setCurrentIndex(i if i >= 0 else 0)
            combo.activated.connect(lambda _i, src=str(source), c=combo: self._column_changed(src, c.currentData()))
            self.mapping.setCellWidget(r, 1, combo)
            if not mine and (target is None or confidence.get(source, 1.0) < CONFIDENT):
                self.mapping.setCellWidget(r, 3, self._confirm_button(str(source), target, kind))
        self._fill_values(rep, kind)
        rows = list(getattr(rep, "preview", []) or [])
        if rows:
            width = max(len(r) for r in rows)
            self.preview.setColumnCount(width)
            self.preview.setHorizontalHeaderLabels([column_letter(c) for c in range(width)])
            self.preview.setRowCount(len(rows))
            for r, row in enumerate(rows):
                for c, v in enumerate(row):
                    cell = QTableWidgetItem("" if v is None else str(v))
                    if v is not None and len(str(v)) > 12:
                        cell.setToolTip(str(v))
                    if r == rep.header_row - 1 and rep.kind is not None:  # the header row, as read
                        font = cell.font()
                        font.setBold(True)
                        cell.setFont(font)
                    self.preview.setItem(r, c, cell)
            QTimer.singleShot(0, lambda: self._preview_from_header(rep))
        row = self.attention_row()
        if row is None and self._fixed is not None and self._fixed[:2] == (rep.file, rep.sheet):
            row = self._mapping_row(self._fixed[2])  # nothing else to confirm: stay at the column last fixed
        self.select_mapping_row(row)

    def _preview_from_header(self, rep):
        """Scroll title rows above the header out of the preview, or to the cell a problem points at (once the
        table is laid out)."""
        if self._current is not rep:
            return
        if self.preview.currentIndex().isValid():
            self.preview.scrollTo(self.preview.currentIndex(), QAbstractItemView.ScrollHint.PositionAtCenter)
        elif rep.header_row - 1 < self.preview.rowCount():
            self.preview.scrollTo(self.preview.model().index(rep.header_row - 1, 0),
                                  QAbstractItemView.ScrollHint.PositionAtTop)

    def _confirm_button(self, source: str, target, kind) -> QPushButton:
        """Confirm what the app made of a column: a weak match is right, or an unused column is not an input."""
        button = QPushButton(CONFIRM)
        button.setToolTip(f"Yes, this column holds {kind.column(target).label}: read it so from now on "
                          "(recorded as your choice)" if target is not None and kind is not None else
                          "Yes, this column is not an input: leave it out (recorded as your choice, and its "
                          "warning goes)")
        button.clicked.connect(lambda _c=False, src=source: self._confirm(src))
        return button

    def confirm_button(self, source_header: str) -> QPushButton | None:
        r = self._mapping_row(source_header)
        return self.mapping.cellWidget(r, 3) if r is not None else None

    def attention_row(self) -> int | None:
        """The mapping row to look at first: the first weak match not yet confirmed."""
        for r in range(self.mapping.rowCount()):
            item = self.mapping.item(r, 2)
            if item is not None and item.text().endswith("confirm"):
                return r
        return None

    def select_mapping_row(self, row: int | None):
        """Scroll to and select a row of the mapping table (None: back to the top, nothing selected)."""
        self.mapping.clearSelection()
        if row is None or not 0 <= row < self.mapping.rowCount():
            self.mapping.scrollToTop()
            return
        self.mapping.setCurrentCell(row, 0)
        self.mapping.selectRow(row)
        self.mapping.scrollToItem(self.mapping.item(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)

    def _show_month_column(self, r: int, target: str):
        """A month column of cash laid out as months across: read as that month-end's balance."""
        import datetime as dt

        end = dt.date.fromisoformat(target[len(WIDE_CASH_TARGET):])
        item = QTableWidgetItem(f"Cash balance at {end.day} {end:%b %Y} (month column)")
        item.setToolTip("Cash laid out with months across: each month column is read as the balance at that "
                        "month end, one row per provider and month.")
        self.mapping.setItem(r, 1, item)
        self.mapping.setItem(r, 2, QTableWidgetItem("month"))

    def _fill_values(self, rep, kind):
        """Per distinct value with no meaning (and each the user already chose), a drop-down of the
        allowed values; a choice is saved in the mapping and applies to every file."""
        self.values.setRowCount(0)
        chosen_all = (self.ws.mapping or {}).get("values", {}) if isinstance(self.ws.mapping, dict) else {}
        rows = []
        if kind is not None:
            unknown = getattr(rep, "unknown_values", {}) or {}
            for col in kind.columns:
                if col.type != schema.ENUM:
                    continue
                for value in unknown.get(col.name, []):
                    rows.append((col, value, None))
                for value, target in (chosen_all.get(col.name, {}) or {}).items():
                    if value not in unknown.get(col.name, []):
                        rows.append((col, value, target))
        self.values.setRowCount(len(rows))
        for r, (col, value, target) in enumerate(rows):
            self.values.setItem(r, 0, QTableWidgetItem(col.label))
            self.values.setItem(r, 1, QTableWidgetItem(value))
            combo = QComboBox()
            combo.addItem("(choose what it means)" if target is None else "(forget this choice)", None)
            for allowed in col.allowed:
                combo.addItem(_value_text(allowed), allowed)
            i = combo.findData(target)
            combo.setCurrentIndex(i if i >= 0 else 0)
            combo.activated.connect(lambda _i, c=combo, name=col.name, v=value:
                                    self.win.change_value_mapping(name, v, c.currentData()))
            self.values.setCellWidget(r, 2, combo)
        n_unknown = sum(t is None for _, _, t in rows)
        self.values_title.setText(
            f"<b>{counted(n_unknown, 'value')} with no meaning yet</b>: choose what each means "
            "(saved in the mapping, used for every file)." if n_unknown else
            ("Values you gave a meaning (saved in the mapping):" if rows else ""))
        self.values.setVisible(bool(rows))
        self.values_title.setVisible(bool(rows))
        self.values.resizeColumnToContents(2)
        shown = min(len(rows), 4)
        self.values.setFixedHeight(self.values.horizontalHeader().height() + 4
                                   + sum(self.values.rowHeight(r) for r in range(shown)))

    def value_combo(self, column: str, value: str) -> QComboBox | None:
        kind = _kind(getattr(self._current, "kind", None))
        label = kind.column(column).label if kind is not None and column in kind.names else column
        for r in range(self.values.rowCount()):
            if self.values.item(r, 0).text() == label and self.values.item(r, 1).text() == value:
                return self.values.cellWidget(r, 2)
        return None

    def _mapping_row(self, source_header: str) -> int | None:
        for r in range(self.mapping.rowCount()):
            if self.mapping.item(r, 0).text() == source_header:
                return r
        return None

    def mapping_combo(self, source_header: str) -> QComboBox | None:
        r = self._mapping_row(source_header)
        return self.mapping.cellWidget(r, 1) if r is not None else None

    def _column_changed(self, source: str, target):
        rep = self._current
        if rep is not None:
            self._fixed = (rep.file, rep.sheet, source)
            self.win.change_mapping(rep.file, rep.sheet, rep.kind, source, target)

    def _confirm(self, source: str):
        rep = self._current
        if rep is not None:
            self._fixed = (rep.file, rep.sheet, source)
            self.win.confirm_mapping(rep.file, rep.sheet, source)

    def _kind_changed(self):
        rep = self._current
        if rep is not None:
            self.win.change_mapping(rep.file, rep.sheet, self.kind_box.currentData(), None, None)

    def _fill_problems(self):
        imported = self.ws.imported
        problems = by_severity(getattr(imported, "problems", []) or []) if imported is not None else []
        sev = self.severity.currentData()
        text = self.filter.text().strip().lower()
        shown = [p for p in problems if (sev is None or p.severity == sev)
                 and (not text or text in str(p).lower())]
        total = len(shown)
        shown = shown[:MAX_SHOWN]  # a table of 100,000 rows would freeze the window; the filter narrows it
        self.problems.setRowCount(len(shown))
        for r, p in enumerate(shown):
            self.problems.setItem(r, 0, QTableWidgetItem(p.severity.capitalize()))
            self.problems.setItem(r, 1, QTableWidgetItem(p.where))
            self.problems.setItem(r, 2, QTableWidgetItem(p.message))
            it = QTableWidgetItem("")
            it.setData(Qt.ItemDataRole.UserRole, (p.file, p.sheet, p.cell))
            self.problems.setItem(r, 3, it)
        self.problems.clearSelection()  # a row left selected would now be another problem
        self.problems.setCurrentCell(-1, -1)
        self.problems.resizeColumnToContents(0)
        self.problems.resizeColumnToContents(1)
        counts = severity_counts(problems)
        self.severity.setToolTip(counts)
        self.count_label.setText(counts + (f" - showing the first {MAX_SHOWN:,} of {total:,}: filter to see others"
                                           if total > MAX_SHOWN else ""))

    def _problem_at(self, row: int):
        item = self.problems.item(row, 3) if 0 <= row < self.problems.rowCount() else None
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _problem_clicked(self):
        rows = {i.row() for i in self.problems.selectedIndexes()}
        if not rows:
            return
        file, sheet, cell = self._problem_at(min(rows))
        self.row_detail.setText(self.win.describe_row(file, sheet, cell))

    def go_to_problem(self, row: int):
        """Show the problem's sheet and select what it is about: the column's row in the mapping table for a
        header cell, else the cell in the preview (when the preview holds it)."""
        found = self._problem_at(row)
        if found is None:
            return
        file, sheet, cell = found
        self.row_detail.setText(self.win.describe_row(file, sheet, cell))
        if not sheet or not self.show_sheet(file, sheet):
            return
        header = self.ws.header_at(file, sheet, cell) if cell else None
        if header is not None and self._mapping_row(header) is not None:
            self.select_mapping_row(self._mapping_row(header))
            return
        letters = "".join(ch for ch in cell if ch.isalpha()).upper()
        digits = "".join(ch for ch in cell if ch.isdigit())
        if letters and digits and int(digits) - 1 < self.preview.rowCount():
            c = 0
            for ch in letters:
                c = c * 26 + ord(ch) - 64
            if c - 1 < self.preview.columnCount():
                self.preview.setCurrentCell(int(digits) - 1, c - 1)
                QTimer.singleShot(0, lambda rep=self._current: self._preview_from_header(rep))


def _confidence_item(value, target, mine: bool = False) -> QTableWidgetItem:
    """'100%', or the score with 'confirm' for a weak match (shaded), 'your choice' for a column the user
    mapped or confirmed, or 'not used'."""
    if mine:
        item = QTableWidgetItem("not used (your choice)" if target is None else "your choice")
        item.setToolTip("You chose how this column is read (kept in the mapping, and shown as your decision "
                        "in the report).")
        return item
    if target is None or value is None:
        item = QTableWidgetItem("not used" if target is None else "")
        item.setToolTip("This column is not read; choose what it holds in 'Read as' if it is an input, or "
                        "press Confirm to leave it out.")
        return item
    weak = value < CONFIDENT
    item = QTableWidgetItem(f"{value:.0%}" + (" - confirm" if weak else ""))
    item.setToolTip("How clearly the header names the column it was read as."
                    + (" A weak match: press Confirm if the column holds this, or choose another." if weak else ""))
    if weak:
        item.setBackground(QColor(255, 236, 179))
    return item


def _value_text(code: str) -> str:
    """An allowed value as offered in a drop-down: its words, with the code in brackets when the words do
    not already say it ('Non-elective (non_elective)', 'A&E (a_and_e)', but 'Block')."""
    return value_label(code, with_key=True)


def _kind(key):
    return schema.KINDS_BY_KEY.get(key)


def _kind_label(key) -> str:
    k = _kind(key)
    return k.sheet if k is not None else "not used"

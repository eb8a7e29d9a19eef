"""Picking the trusts to read from a TAC (trust accounts consolidation) file: it holds every trust in
England, and a finance team models a handful."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QVBoxLayout)


class TacTrustDialog(QDialog):
    def __init__(self, parent, file_name: str, trusts):
        super().__init__(parent)
        self.setWindowTitle("Choose trusts from the accounts file")
        self.resize(640, 520)
        lay = QVBoxLayout(self)
        from ..core.wording import counted

        intro = QLabel(f"<b>{file_name}</b> holds the accounts of {counted(len(trusts), 'trust')}. Tick the ones "
                       "to model (the providers of your system); the rest are not read.")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Search by code, name or region")
        self.filter.textChanged.connect(self._filter)
        lay.addWidget(self.filter)
        self.list = QListWidget()
        for t in trusts:
            extra = ", ".join(x for x in (t.region, (t.sector or "").replace("_", " ")) if x)
            item = QListWidgetItem(f"{t.code}  {t.name}" + (f"  ({extra})" if extra else ""))
            item.setData(Qt.ItemDataRole.UserRole, t.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        lay.addWidget(self.list, 1)
        row = QHBoxLayout()
        for text, state in (("Tick shown", Qt.CheckState.Checked), ("Untick shown", Qt.CheckState.Unchecked)):
            b = QPushButton(text)
            b.clicked.connect(lambda _c=False, s=state: self._set_shown(s))
            row.addWidget(b)
        row.addStretch(1)
        lay.addLayout(row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.message = QLabel("")
        self.message.setStyleSheet("color: #b00020;")
        lay.addWidget(self.message)

    def _filter(self, text: str):
        text = text.strip().lower()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(text) and text not in item.text().lower())

    def _set_shown(self, state):
        for i in range(self.list.count()):
            if not self.list.item(i).isHidden():
                self.list.item(i).setCheckState(state)

    def selected_codes(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]

    def _accept(self):
        if not self.selected_codes():
            self.message.setText("Tick at least one trust, or Cancel to leave this file out.")
            return
        self.accept()

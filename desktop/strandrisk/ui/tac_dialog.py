"""What to do with NHS England's TAC (trust accounts consolidation) files just added: they hold every trust in
England, so the first choice is to screen them all (the England page); the second, to import the handful of
trusts of the user's own system into the project."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QButtonGroup, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QRadioButton, QVBoxLayout, QWidget)

from ..core.labels import value_label

SCREEN = "screen"
IMPORT = "import"


class TacTrustDialog(QDialog):
    def __init__(self, parent, file_names: list[str], trusts):
        super().__init__(parent)
        self.setWindowTitle("NHS England accounts (TAC) files")
        self.resize(760, 600)
        lay = QVBoxLayout(self)
        from ..core.wording import counted

        regions = len({t.region for t in trusts if t.region})
        files = (f"<b>{file_names[0]}</b> holds" if len(file_names) == 1 else
                 f"<b>{len(file_names)} TAC files</b> ({', '.join(file_names)}) hold")
        self.intro = intro = QLabel(f"{files} the published accounts of <b>{counted(len(trusts), 'trust')}</b>"
                                    + (f" in {regions} regions" if regions > 1 else "") + ". What would you like to do?")
        intro.setWordWrap(True)
        lay.addWidget(intro)

        self.choices = QButtonGroup(self)
        self.screen_choice = QRadioButton(f"Screen all {counted(len(trusts), 'trust')} in England")
        self.import_choice = QRadioButton("Import chosen trusts into this project")
        for button in (self.screen_choice, self.import_choice):
            font = button.font()
            font.setBold(True)
            button.setFont(font)
        self.choices.addButton(self.screen_choice)
        self.choices.addButton(self.import_choice)
        lay.addWidget(self.screen_choice)
        lay.addWidget(self._explain(
            "Rank every trust by stranded-cost risk, acute-only and integrated, from its accounts alone, on the "
            "England page. Your project is not changed; from the page, Open this trust starts a project from "
            "any one trust's derived inputs."))
        lay.addSpacing(6)
        lay.addWidget(self.import_choice)
        lay.addWidget(self._explain(
            "Tick the providers of your own system: their register rows, cash, contracts and community budgets "
            "are derived from the accounts and added to your project's data."))

        self.trust_area = QWidget()
        area = QVBoxLayout(self.trust_area)
        area.setContentsMargins(24, 0, 0, 0)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Search by code, name or region")
        self.filter.textChanged.connect(self._filter)
        self.filter.textEdited.connect(lambda _t: self.choose(IMPORT))
        area.addWidget(self.filter)
        self.list = QListWidget()
        for t in trusts:
            extra = ", ".join(x for x in (t.region, value_label(t.sector)) if x)
            item = QListWidgetItem(f"{t.code}  {t.name}" + (f"  ({extra})" if extra else ""))
            item.setData(Qt.ItemDataRole.UserRole, t.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.list.itemChanged.connect(self._ticked)
        area.addWidget(self.list, 1)
        row = QHBoxLayout()
        for text, state in (("Tick shown", Qt.CheckState.Checked), ("Untick shown", Qt.CheckState.Unchecked)):
            b = QPushButton(text)
            b.clicked.connect(lambda _c=False, s=state: self._set_shown(s))
            row.addWidget(b)
        row.addStretch(1)
        area.addLayout(row)
        lay.addWidget(self.trust_area, 1)

        self.message = QLabel("")
        self.message.setStyleSheet("color: #b00020;")
        lay.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.choices.buttonToggled.connect(lambda *_: self._choice_changed())
        self.screen_choice.setChecked(True)
        self._choice_changed()

    @staticmethod
    def _explain(text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setContentsMargins(24, 0, 0, 0)
        label.setStyleSheet("color: #444444")
        return label

    def choice(self) -> str:
        return SCREEN if self.screen_choice.isChecked() else IMPORT

    def choose(self, choice: str) -> None:
        (self.screen_choice if choice == SCREEN else self.import_choice).setChecked(True)

    def _choice_changed(self):
        screening = self.choice() == SCREEN
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        n = len(self.selected_codes())
        ok.setText("Screen England" if screening else f"Import {n} trust{'s' if n != 1 else ''}" if n else "Import")
        self.message.setText("")

    def _ticked(self, item=None):
        if item is not None and item.checkState() == Qt.CheckState.Checked:
            self.choose(IMPORT)  # ticking a trust means importing it
        self._choice_changed()

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
        if self.choice() == IMPORT and not self.selected_codes():
            self.message.setText("Tick at least one trust, choose to screen them all, or Cancel to leave these "
                                 "files out.")
            return
        self.accept()

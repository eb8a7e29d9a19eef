"""Assumptions: every scenario setting in grouped forms generated from core.scenario, named scenarios.

Each edit is validated with Scenario.from_dict before it is applied: an invalid value stays in the box,
marked red, with the reason beside it. Valid edits go through the main window's undo stack.
"""

from __future__ import annotations

import copy

from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QInputDialog, QLabel, QLineEdit, QMessageBox, QPushButton,
                               QScrollArea, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ..core.inputs import fy_label
from ..core.scenario import (DISTRIBUTIONS, RATING_BAND_SETTINGS, SERVICE_LINE_SETTINGS, SETTINGS,
                             UNCERTAIN_PARAMETERS, Scenario, ScenarioError)
from ..core.labels import SERVICE_LINE_LABELS, value_label
from ..core.schema import SERVICE_LINES

UNIT_HINT = {"share": "0.25 = 25%", "rate": "0.02 = 2%"}
LINE_LABELS = SERVICE_LINE_LABELS
ERROR_STYLE = "QLineEdit { border: 2px solid #b00020; background: #fff0f0; }"


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def parse_text(text: str, kind: str):
    """Text typed in a box -> the JSON value Scenario.from_dict validates (it gives the reasons)."""
    text = text.strip().replace(",", "")
    if kind in ("text",):
        return text
    if kind == "fy":
        return text or None
    if text.endswith("%"):
        try:
            return float(text[:-1]) / 100.0
        except ValueError:
            return text
    try:
        number = float(text)
    except ValueError:
        return text  # validation names the problem
    return int(number) if kind == "int" and number == int(number) else number


class AssumptionsPane(QWidget):
    def __init__(self, window):
        super().__init__()
        self.win = window
        self.ws = window.workspace
        self._editors: dict[str, QWidget] = {}
        self._loading = False
        outer = QVBoxLayout(self)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Scenario:"))
        self.scenario_box = QComboBox()
        self.scenario_box.setMinimumWidth(220)
        self.scenario_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.scenario_box.activated.connect(self._pick_scenario)
        bar.addWidget(self.scenario_box)
        for text, slot in (("New", self.new_scenario), ("Duplicate", self.duplicate_scenario),
                           ("Rename...", self.rename_scenario), ("Delete", self.delete_scenario),
                           ("Compare...", self._compare)):
            b = QPushButton(text)
            b.clicked.connect(slot)
            bar.addWidget(b)
        bar.addStretch(1)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020; font-weight: bold;")
        outer.addLayout(bar)
        outer.addWidget(self.message)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        body = QWidget()
        grid = QGridLayout(body)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

        groups: dict[str, QFormLayout] = {}
        boxes: list[QGroupBox] = []
        for s in SETTINGS:
            if s.group not in groups:
                box = QGroupBox(s.group)
                groups[s.group] = QFormLayout(box)
                groups[s.group].setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
                boxes.append(box)
            groups[s.group].addRow(s.label, self._setting_row(s))
        for i, box in enumerate(boxes):
            grid.addWidget(box, i // 2, i % 2)
        row = (len(boxes) + 1) // 2

        lines_box = QGroupBox("Service lines (demand, shift out of hospital and cost behaviour)")
        lv = QVBoxLayout(lines_box)
        self.lines = QTableWidget(len(SERVICE_LINES), len(SERVICE_LINE_SETTINGS))
        self.lines.setVerticalHeaderLabels([LINE_LABELS.get(x, x) for x in SERVICE_LINES])
        self.lines.setHorizontalHeaderLabels([f"{s.label}\n({s.unit})" for s in SERVICE_LINE_SETTINGS])
        for j, s in enumerate(SERVICE_LINE_SETTINGS):
            self.lines.horizontalHeaderItem(j).setToolTip(s.help)
        self.lines.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.lines.itemChanged.connect(self._line_changed)
        self.lines.setMinimumHeight(230)
        lv.addWidget(QLabel("Shares are decimals (0.03 = 3%). Hover a heading for its meaning."))
        lv.addWidget(self.lines)
        grid.addWidget(lines_box, row, 0, 1, 2)

        bands_box = QGroupBox("Finance rating bands (threshold for rating 1, 2, 3; below the last is 4)")
        bv = QVBoxLayout(bands_box)
        self.bands = QTableWidget(len(RATING_BAND_SETTINGS), 3)
        self.bands.setVerticalHeaderLabels([f"{v['label']} ({v['comparison']}, {v['unit']})"
                                            for v in RATING_BAND_SETTINGS.values()])
        self.bands.setHorizontalHeaderLabels(["Rating 1", "Rating 2", "Rating 3"])
        self.bands.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.bands.itemChanged.connect(self._band_changed)
        self.bands.setMinimumHeight(140)
        bv.addWidget(self.bands)
        grid.addWidget(bands_box, row + 1, 0, 1, 2)

        unc_box = QGroupBox("Uncertainty ranges for the Monte Carlo (central value = the deterministic case)")
        uv = QVBoxLayout(unc_box)
        self.unc = QTableWidget(len(UNCERTAIN_PARAMETERS), 5)
        self.unc.setVerticalHeaderLabels([v["label"] for v in UNCERTAIN_PARAMETERS.values()])
        self.unc.setHorizontalHeaderLabels(["Distribution", "Low", "Mode / mean", "High", "SD (normal)"])
        for i, v in enumerate(UNCERTAIN_PARAMETERS.values()):
            self.unc.verticalHeaderItem(i).setToolTip(v["help"])
        self.unc.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.unc.itemChanged.connect(self._unc_changed)
        self.unc.setMinimumHeight(340)
        uv.addWidget(QLabel("Triangular: low, mode, high. Uniform: low, high. Normal: mean and SD, "
                            "optional low/high cut-offs."))
        uv.addWidget(self.unc)
        grid.addWidget(unc_box, row + 2, 0, 1, 2)

    # ----------------------------------------------------------------------------------------------
    def _setting_row(self, s) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(1)
        line = QHBoxLayout()
        if s.type == "bool":
            ed = QCheckBox()
            ed.toggled.connect(lambda checked, key=s.key: self._commit(key, bool(checked)))
        else:
            ed = QLineEdit()
            ed.setMaximumWidth(180)
            ed.editingFinished.connect(lambda key=s.key, e=ed, t=s.type: self._commit_text(key, e, t))
            if s.type == "fy":
                ed.setPlaceholderText("auto")
        ed.setToolTip(s.help)
        ed.setObjectName(f"setting_{s.key}")
        self._editors[s.key] = ed
        line.addWidget(ed)
        unit = s.unit + (f"  ({UNIT_HINT[s.type]})" if s.type in UNIT_HINT else "")
        unit_label = QLabel(unit)
        unit_label.setStyleSheet("color: #555555;")
        line.addWidget(unit_label)
        line.addStretch(1)
        lay.addLayout(line)
        help_label = QLabel(s.help)
        help_label.setWordWrap(True)
        help_label.setStyleSheet("color: #666666; font-size: 8.5pt;")
        lay.addWidget(help_label)
        err = QLabel("")
        err.setWordWrap(True)
        err.setStyleSheet("color: #b00020;")
        err.setVisible(False)
        err.setObjectName(f"error_{s.key}")
        lay.addWidget(err)
        ed.setProperty("error_label", err)
        return w

    def editor(self, key: str) -> QWidget:
        return self._editors[key]

    def refresh(self):
        """Show the current scenario's values (after load, undo, redo or a scenario switch)."""
        self._loading = True
        try:
            self.scenario_box.clear()
            self.scenario_box.addItems(list(self.ws.scenarios))
            self.scenario_box.setCurrentText(self.ws.current_scenario)
            data = self.ws.scenario_dict()
            try:
                sc = Scenario.from_dict(data)
            except ScenarioError:
                sc = Scenario.default()
            for s in SETTINGS:
                ed = self._editors[s.key]
                value = getattr(sc, s.key)
                if isinstance(ed, QCheckBox):
                    ed.setChecked(bool(value))
                else:
                    ed.setText(fy_label(value) if s.type == "fy" and value is not None else _fmt(value))
                    ed.setStyleSheet("")
                ed.property("error_label").setVisible(False)
            for i, line in enumerate(SERVICE_LINES):
                for j, s in enumerate(SERVICE_LINE_SETTINGS):
                    self.lines.setItem(i, j, QTableWidgetItem(_fmt(sc.service_lines[line][s.key])))
            for i, key in enumerate(RATING_BAND_SETTINGS):
                for j, v in enumerate(sc.rating_bands[key]):
                    self.bands.setItem(i, j, QTableWidgetItem(_fmt(v)))
            for i, key in enumerate(UNCERTAIN_PARAMETERS):
                d = sc.uncertainty[key]
                combo = QComboBox()
                combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
                for dist in DISTRIBUTIONS:  # words shown, the scenario file's key kept as the item's data
                    combo.addItem(value_label(dist), dist)
                combo.setCurrentIndex(max(0, combo.findData(d["dist"])))
                combo.currentIndexChanged.connect(lambda _i, row=i: self._unc_changed(None, row))
                self.unc.setCellWidget(i, 0, combo)
                cells = {"triangular": (d.get("low"), d.get("mode"), d.get("high"), None),
                         "uniform": (d.get("low"), None, d.get("high"), None),
                         "normal": (d.get("low"), d.get("mean"), d.get("high"), d.get("sd"))}[d["dist"]]
                for j, v in enumerate(cells, start=1):
                    self.unc.setItem(i, j, QTableWidgetItem(_fmt(v)))
            self.message.setText("")
        finally:
            self._loading = False

    # ----------------------------------------------------------------------------------------------
    def _try(self, new: dict) -> str | None:
        """None when the scenario is valid, else the reason."""
        try:
            Scenario.from_dict(new)
        except ScenarioError as exc:
            return str(exc)
        return None

    def _commit_text(self, key: str, ed: QLineEdit, kind: str):
        if self._loading:
            return
        value = parse_text(ed.text(), kind)
        try:
            cur = getattr(Scenario.from_dict(self.ws.scenario_dict()), key)
        except ScenarioError:
            cur = None
        if kind == "fy" and cur is not None:
            cur = fy_label(cur)
        if value == cur:
            ed.setStyleSheet("")
            ed.property("error_label").setVisible(False)
            return
        self._commit(key, value, ed)

    def _commit(self, key: str, value, ed=None) -> bool:
        """Validate one setting and apply it through the undo stack; refuse inline with the reason."""
        if self._loading:
            return False
        new = copy.deepcopy(self.ws.scenario_dict())
        if value is None:
            new.pop(key, None)
        else:
            new[key] = value
        reason = self._try(new)
        ed = ed or self._editors.get(key)
        err = ed.property("error_label") if ed is not None else None
        if reason:
            if isinstance(ed, QLineEdit):
                ed.setStyleSheet(ERROR_STYLE)
            if err is not None:
                err.setText(f"Not applied: {reason}")
                err.setVisible(True)
            self.message.setText(f"Not applied: {reason}")
            return False
        if isinstance(ed, QLineEdit):
            ed.setStyleSheet("")
        if err is not None:
            err.setVisible(False)
        self.message.setText("")
        setting = next((s for s in SETTINGS if s.key == key), None)
        self.ws.edit_scenario(new, f"Change {setting.label if setting else key}")
        return True

    def set_value(self, key: str, text: str) -> bool:
        """Type a value into a setting's box as a user would (used by tests and the smoke test)."""
        ed = self._editors[key]
        if isinstance(ed, QCheckBox):
            ed.setChecked(text.lower() in ("true", "yes", "1"))
            return True
        ed.setText(text)
        kind = next(s.type for s in SETTINGS if s.key == key)
        return self._commit(key, parse_text(text, kind), ed)

    def _line_changed(self, item: QTableWidgetItem):
        if self._loading:
            return
        line = SERVICE_LINES[item.row()]
        setting = SERVICE_LINE_SETTINGS[item.column()]
        new = copy.deepcopy(self.ws.scenario_dict())
        value = parse_text(item.text(), "number")
        new.setdefault("service_lines", {}).setdefault(line, {})[setting.key] = value
        reason = self._try(new)
        if reason:
            self.message.setText(f"Not applied: {reason}")
            self._loading = True
            item.setText(_fmt(Scenario.from_dict(self.ws.scenario_dict()).service_lines[line][setting.key]))
            self._loading = False
            return
        self.message.setText("")
        self.ws.edit_scenario(new, f"Change {LINE_LABELS[line]} {setting.label.lower()}")

    def _band_changed(self, item: QTableWidgetItem):
        if self._loading:
            return
        key = list(RATING_BAND_SETTINGS)[item.row()]
        sc = Scenario.from_dict(self.ws.scenario_dict())
        bands = list(sc.rating_bands[key])
        bands[item.column()] = parse_text(item.text(), "number")
        new = copy.deepcopy(self.ws.scenario_dict())
        new.setdefault("rating_bands", {})[key] = bands
        reason = self._try(new)
        if reason:
            self.message.setText(f"Not applied: {reason}")
            self._loading = True
            item.setText(_fmt(sc.rating_bands[key][item.column()]))
            self._loading = False
            return
        self.message.setText("")
        self.ws.edit_scenario(new, f"Change {RATING_BAND_SETTINGS[key]['label']} rating band")

    def _unc_changed(self, item, row: int | None = None):
        if self._loading:
            return
        row = item.row() if item is not None else row
        key = list(UNCERTAIN_PARAMETERS)[row]
        combo = self.unc.cellWidget(row, 0)
        dist = combo.currentData() if combo else "triangular"

        def cell(j):
            it = self.unc.item(row, j)
            text = it.text().strip() if it else ""
            return None if text == "" else parse_text(text, "number")

        low, mid, high, sd = cell(1), cell(2), cell(3), cell(4)
        if dist == "triangular":
            d = {"dist": dist, "low": low, "mode": mid, "high": high}
        elif dist == "uniform":
            d = {"dist": dist, "low": low, "high": high}
        else:
            d = {"dist": dist, "mean": mid, "sd": sd if sd is not None else 0.0, "low": low, "high": high}
        new = copy.deepcopy(self.ws.scenario_dict())
        new.setdefault("uncertainty", {})[key] = d
        reason = self._try(new)
        if reason:
            self.message.setText(f"Not applied: {reason}")
            return
        self.message.setText("")
        self.ws.edit_scenario(new, f"Change {UNCERTAIN_PARAMETERS[key]['label']} range")

    # ----------------------------------------------------------------------------------------------
    def _pick_scenario(self, _index):
        name = self.scenario_box.currentText()
        if name and name != self.ws.current_scenario:
            self.ws.switch_scenario(name)

    def _unique(self, base: str) -> str:
        name, i = base, 2
        while name in self.ws.scenarios:
            name, i = f"{base} ({i})", i + 1
        return name

    def new_scenario(self):
        name = self._unique("New scenario")
        self.ws.add_scenario(name, {"name": name})

    def duplicate_scenario(self):
        name = self._unique(f"{self.ws.current_scenario} copy")
        data = copy.deepcopy(self.ws.scenario_dict())
        data["name"] = name
        self.ws.add_scenario(name, data)

    def rename_scenario(self, _checked=False, new_name: str | None = None):
        old = self.ws.current_scenario
        if new_name is None:
            new_name, ok = QInputDialog.getText(self, "Rename scenario", "New name:", text=old)
            if not ok:
                return
        new_name = new_name.strip()
        if not new_name or new_name == old:
            return
        if new_name in self.ws.scenarios:
            QMessageBox.warning(self, "Rename scenario", f"A scenario called '{new_name}' exists already: "
                                "choose another name.")
            return
        self.ws.rename_scenario(old, new_name)

    def delete_scenario(self):
        if len(self.ws.scenarios) <= 1:
            QMessageBox.information(self, "Delete scenario", "A project keeps at least one scenario: add "
                                    "another before deleting this one.")
            return
        self.ws.delete_scenario(self.ws.current_scenario)

    def _compare(self):
        self.win.show_pane("Compare")

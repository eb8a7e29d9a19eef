"""Report: export the Excel report with progress and cancel; offer to open it afterwards."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout,
                               QWidget)


class ReportPane(QWidget):
    def __init__(self, window):
        super().__init__()
        self.win = window
        self.ws = window.workspace
        lay = QVBoxLayout(self)
        intro = QLabel(
            "<h3>Excel report</h3>The report holds the assumptions, the inputs with their file hashes, the "
            "results of both forms for every provider, and the simulation results when a simulation has run. "
            "Text from your files is written as text, never as formulas.")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(intro)
        self.state = QLabel("")
        self.state.setWordWrap(True)
        lay.addWidget(self.state)
        row = QHBoxLayout()
        self.export_button = QPushButton("Export report... (Ctrl+E)")
        self.export_button.clicked.connect(window.export_report_dialog)
        row.addWidget(self.export_button)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(window.cancel_job)
        row.addWidget(self.cancel_button)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        row.addWidget(self.progress, 1)
        lay.addLayout(row)
        self.open_after = QCheckBox("Offer to open the report when it is written")
        self.open_after.setChecked(True)
        lay.addWidget(self.open_after)
        self.last = QLabel("")
        self.last.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.last)
        lay.addStretch(1)

    def refresh(self):
        result = self.ws.result
        if result is None:
            self.state.setText("Nothing to report yet: open the sample or add your files first.")
        elif getattr(result, "monte_carlo", None) is None:
            self.state.setText(f"Scenario '{self.ws.current_scenario}': deterministic results only. Run a "
                               "simulation on the Uncertainty page first to include the ranges.")
        else:
            from ..core.wording import counted

            self.state.setText(f"Scenario '{self.ws.current_scenario}' with "
                               f"{counted(getattr(result.monte_carlo, 'simulations', 0), 'simulation')}.")
        self.export_button.setEnabled(result is not None and not self.win.busy)

    def set_running(self, running: bool):
        self.export_button.setEnabled(not running and self.ws.result is not None)
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)
        if not running:
            self.progress.setValue(0)

    def show_progress(self, fraction: float, message: str):
        self.progress.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        self.progress.setFormat(message or "%p%")

"""Long work (import, simulation, export) on a QThread, with progress and cancel.

The callable receives ``progress(fraction, message)`` and ``cancel() -> bool`` plain callables, as every
long function of core and io does; its result or exception comes back to the GUI thread as a signal.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

from PySide6.QtCore import QEventLoop, QThread, Signal


def is_cancellation(exc: BaseException) -> bool:
    """RunCancelled, ImportCancelled, ReportCancelled...: any of the floors' cancellation exceptions."""
    return type(exc).__name__.endswith("Cancelled")


class Job(QThread):
    """One background job. Connect to the signals, then ``start()``."""

    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception
    cancelled = Signal()

    def __init__(self, label: str, fn: Callable, parent=None):
        super().__init__(parent)
        self.label = label
        self._fn = fn
        self._cancel = threading.Event()
        self._last_progress = 0.0
        self.outcome: str | None = None  # "ok", "failed", "cancelled"
        self.value = None
        self.error: BaseException | None = None

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def _progress(self, fraction: float, message: str = "") -> None:
        # Throttled: a simulation may report thousands of times; the GUI needs ~20 updates a second.
        now = time.monotonic()
        if fraction >= 1.0 or now - self._last_progress >= 0.05:
            self._last_progress = now
            self.progressed.emit(float(fraction), str(message))

    def run(self) -> None:
        try:
            value = self._fn(self._progress, self.is_cancelled)
        except BaseException as exc:  # noqa: BLE001 - reported to the GUI thread, never lost
            if is_cancellation(exc) or self._cancel.is_set():
                self.outcome = "cancelled"
                self.cancelled.emit()
            else:
                self.outcome = "failed"
                self.error = exc
                self.failed.emit(exc)
            return
        if self._cancel.is_set():
            self.outcome = "cancelled"
            self.cancelled.emit()
            return
        self.outcome = "ok"
        self.value = value
        self.succeeded.emit(value)


def wait_for(job: Job, timeout_s: float = 600.0) -> None:
    """Keep the event loop turning until the job has ended and its result signal has been handled."""
    from PySide6.QtCore import QCoreApplication

    deadline = time.monotonic() + timeout_s
    while (job.outcome is None or job.isRunning()) and time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        job.wait(10)
    for _ in range(3):
        QCoreApplication.processEvents()

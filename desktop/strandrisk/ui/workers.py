"""Long work (import, simulation, export) on a QThread, with progress and cancel.

The callable receives ``progress(fraction, message)`` and ``cancel() -> bool`` plain callables, as every
long function of core and io does; its result or exception comes back to the GUI thread as a signal.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from PySide6.QtCore import QEventLoop, QObject, QThread, Signal

log = logging.getLogger("strandrisk.ui")


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


class JobFailed(Exception):
    """A background job failed; raised by the ``wait=True`` API calls. The message is for the user."""

    user_facing = True  # io.failures.describe_failure shows its words


class JobRunner(QObject):
    """Runs at most one workspace Task at a time on a Job, with the window's progress bar and Cancel.

    ``on_state(running, kind, label)`` and ``on_progress(kind, fraction, message)`` let the window show it;
    ``on_error(label, message)`` shows a failure (interactive calls only)."""

    def __init__(self, parent, on_state, on_progress, on_error, describe):
        super().__init__(parent)
        self.job: Job | None = None
        self.kind = ""
        self.last_error: str | None = None
        self._on_state, self._on_progress, self._on_error = on_state, on_progress, on_error
        self._describe = describe  # describe(exc, doing) -> the one line for the user

    @property
    def busy(self) -> bool:
        return self.job is not None

    def start(self, task, on_done, wait: bool):
        """Run ``task.work`` off the GUI thread, then ``on_done(task.finish(value))`` on it."""
        if self.job is not None:
            message = f"Wait for '{self.job.label}' to finish, or cancel it, before starting another task."
            if wait:
                raise JobFailed(message)
            self._on_error("Busy", message)
            return None
        self.last_error = None
        job = Job(task.label, task.work)  # owned by Python: alive while referenced, never deleted under a waiter
        self.job, self.kind = job, task.kind
        job.progressed.connect(lambda fraction, message: self._on_progress(self.kind, fraction, message))
        job.succeeded.connect(lambda value: self._done(job, task, on_done, value))
        job.failed.connect(lambda exc: self._failed(job, exc, wait))
        job.cancelled.connect(lambda: self._cancelled(job))
        self._on_state(True, task.kind, task.label)
        job.start()
        if wait:
            wait_for(job)
            if job.outcome == "failed":
                raise JobFailed(self.last_error) from job.error
            if job.outcome == "cancelled":
                raise JobFailed(f"{task.label}: cancelled")
        return job

    def _finish(self, job, status: str = ""):
        job.wait()
        if self.job is job:
            kind = self.kind
            self.job, self.kind = None, ""
            self._on_state(False, kind, status)

    def _done(self, job, task, on_done, value):
        kind = self.kind
        self._finish(job)
        try:
            on_done(task.finish(value))
        except Exception as exc:  # noqa: BLE001 - shown as a dialog, logged
            log.exception("handling the result of %s", kind)
            self.last_error = self._describe(exc, task.label)
            self._on_error(f"{task.label} failed", self.last_error)

    def _failed(self, job, exc, wait):
        self.last_error = self._describe(exc, job.label)
        self._finish(job, self.last_error)
        if not wait:
            self._on_error(f"{job.label} failed", self.last_error)

    def _cancelled(self, job):
        self._finish(job, f"{job.label}: cancelled")

    def cancel(self, wait: bool = False):
        job = self.job
        if job is None:
            return
        job.cancel()
        self._on_progress(self.kind, -1.0, f"Cancelling {job.label.lower()}...")
        if wait:
            wait_for(job)

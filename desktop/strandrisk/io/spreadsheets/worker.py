"""Reading one untrusted file in a separate process with a memory and time limit.

A file built to exhaust memory or to hang a parser can then only take down the worker: the app
and the command line get one line ("too large", "took too long") instead. The worker runs the
whole per-file pipeline (sniff, zip checks, parse, find headers, typed columns) and sends back
only numpy columns, reports and problems.
Set STRANDRISK_IMPORT_INPROCESS=1 to read in the calling process (debugging only).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import multiprocessing
import os
import sys
import time
from pathlib import Path

# What the reader process may take for reading one file: 1.5 GB (a finance laptop has 8 GB with Excel open).
# A file that needs more is answered "too large or damaged". A reader forked from the app (Linux) starts with
# the app's address space, which grows over a day's simulations: its limit is that plus this budget, so a
# long session never leaves too little room to read a small file.
MEMORY_LIMIT_BYTES = int(os.environ.get("STRANDRISK_IMPORT_MEMORY_MB", "1536")) * (1 << 20)
TIME_LIMIT_SECONDS = float(os.environ.get("STRANDRISK_IMPORT_SECONDS", "120"))


class WorkerFailure(Exception):
    """The worker died, ran out of memory or time; the message is one line (without the file name)."""


@functools.lru_cache(maxsize=1)
def check_xml_protection() -> None:
    """Refuse to read anything unless defusedxml is present and refuses entity bombs and external entities."""
    try:
        from defusedxml import DefusedXmlException
        from defusedxml import ElementTree as SafeET
    except ImportError:
        raise WorkerFailure("the XML protection library (defusedxml) is missing: reinstall StrandRisk") from None
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>'
    external = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    for doc in (bomb, external):
        try:
            SafeET.fromstring(doc)
        except DefusedXmlException:
            continue
        raise WorkerFailure("the XML protection (defusedxml) is not working: reinstall StrandRisk")
    try:
        from openpyxl.xml import DEFUSEDXML
    except ImportError:
        DEFUSEDXML = True
    if not DEFUSEDXML:
        raise WorkerFailure("openpyxl is not using defusedxml: reinstall StrandRisk")


def process_file(path: str, display_name: str, mapping_dict: dict | None):
    """(reports, datas, problems) for one file, or raise UnreadableFile."""
    from .mapping import Mapping

    mapping = Mapping.from_dict(mapping_dict) if mapping_dict else None
    with _no_gc():
        return _process(path, display_name, mapping)


@contextlib.contextmanager
def _no_gc():
    """Millions of cell objects make the cyclic garbage collector rescan them over and over; reading
    creates no reference cycles, so it is paused while a file is read."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _process(path, display_name, mapping):
    from .readers import read_workbook
    from .sheets import read_sheet

    book = read_workbook(Path(path))
    losses = [raw for raw in book.sheets if raw.losses]
    reports, datas, problems = [], [], []
    for raw in book.sheets:
        sm = mapping.for_sheet(display_name, raw.name) if mapping else None
        report, data, found = read_sheet(display_name, raw, book.date1904, sm, mapping.values if mapping else None)
        if not reports:
            report.notes[:0] = book.notes
        reports.append(report)
        problems.extend(found)
        if data is not None:
            datas.append((raw.name, data))
        raw.rows = []
    from ...core.problems import NOTE, WARNING, Problem

    problems[:0] = [Problem(NOTE, note, display_name) for note in book.notes]
    problems[:0] = [Problem(WARNING, loss, display_name, raw.name) for raw in losses for loss in raw.losses]
    return reports, datas, problems


def _child(conn, path, display_name, mapping_dict):
    _limit_this_process()
    from . import readers
    from .readers import UnreadableFile

    def refuse_now(message: str) -> None:
        """A refusal found beside the reader: answer now, instead of waiting for the reader to finish."""
        try:
            conn.send(("unreadable", message))
            conn.close()
        finally:
            os._exit(0)

    readers.REFUSE_NOW = refuse_now

    _answer(conn, lambda: process_file(path, display_name, mapping_dict), {UnreadableFile: "unreadable"})


def _answer(conn, work, answered) -> None:
    """Run ``work`` in the reader process and send its one answer: ("ok", value), or (status, message) for an
    exception class in ``answered`` (class -> status), or ("unreadable", a plain line) for anything else,
    memory and a native reader's panic included."""
    from .readers import _plain_detail

    try:
        result = ("ok", work())
    except tuple(answered) as exc:
        result = (next(status for cls, status in answered.items() if isinstance(exc, cls)), str(exc))
    except MemoryError:
        result = ("unreadable", OUT_OF_MEMORY)
    except RecursionError:
        result = ("unreadable", "is nested too deeply to read (damaged or hostile file)")
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - a parser bug or a native reader's panic is still one line
        detail = _plain_detail(exc)
        result = ("unreadable", "could not be read: the reader failed on its contents"
                                + (f" ({detail})" if detail else "") + "; open it in Excel and save it again as .xlsx")
    try:
        conn.send(result)
    except MemoryError:
        conn.send(("unreadable", OUT_OF_MEMORY))
    finally:
        conn.close()


OUT_OF_MEMORY = (f"is too large or damaged: reading it needs more than the reader's memory limit "
                 f"({MEMORY_LIMIT_BYTES / (1 << 30):.1f} GB); if it is a real file, split it or save only the "
                 "sheets StrandRisk needs")
STOPPED = (f"is too large or damaged: the reader stopped on it (it asked for more than the "
           f"{MEMORY_LIMIT_BYTES / (1 << 30):.1f} GB memory limit, or the contents are broken); open it in Excel "
           "and save it again as .xlsx")


def _job_limit_structure():
    """JOBOBJECT_EXTENDED_LIMIT_INFORMATION as ctypes lays it out on 64-bit Windows (144 bytes)."""
    import ctypes

    dword, size_t = ctypes.c_uint32, ctypes.c_size_t

    class Basic(ctypes.Structure):
        _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64), ("PerJobUserTimeLimit", ctypes.c_int64),
                    ("LimitFlags", dword), ("MinimumWorkingSetSize", size_t), ("MaximumWorkingSetSize", size_t),
                    ("ActiveProcessLimit", dword), ("Affinity", size_t), ("PriorityClass", dword),
                    ("SchedulingClass", dword)]

    class IoCounters(ctypes.Structure):
        _fields_ = [(name, ctypes.c_uint64) for name in (
            "ReadOperationCount", "WriteOperationCount", "OtherOperationCount", "ReadTransferCount",
            "WriteTransferCount", "OtherTransferCount")]

    class Extended(ctypes.Structure):
        _fields_ = [("BasicLimitInformation", Basic), ("IoInfo", IoCounters), ("ProcessMemoryLimit", size_t),
                    ("JobMemoryLimit", size_t), ("PeakProcessMemoryUsed", size_t), ("PeakJobMemoryUsed", size_t)]

    return Extended


def limit_memory_windows(limit: int) -> None:
    """Windows has no RLIMIT_AS: the reader process puts itself in a job object whose per-process
    committed-memory limit is ``limit`` bytes, so an allocation beyond it fails instead of paging."""
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.CreateJobObjectW.restype = wintypes.HANDLE
    kernel32.CreateJobObjectW.argtypes = (ctypes.c_void_p, wintypes.LPCWSTR)
    kernel32.SetInformationJobObject.argtypes = (wintypes.HANDLE, ctypes.c_int, ctypes.c_void_p, wintypes.DWORD)
    kernel32.GetCurrentProcess.restype = wintypes.HANDLE
    kernel32.AssignProcessToJobObject.argtypes = (wintypes.HANDLE, wintypes.HANDLE)
    job_object_limit_process_memory, job_object_extended_limit_information = 0x100, 9
    info = _job_limit_structure()()
    info.BasicLimitInformation.LimitFlags = job_object_limit_process_memory
    info.ProcessMemoryLimit = limit
    job = kernel32.CreateJobObjectW(None, None)
    if not job or not kernel32.SetInformationJobObject(job, job_object_extended_limit_information,
                                                       ctypes.byref(info), ctypes.sizeof(info)) \
            or not kernel32.AssignProcessToJobObject(job, kernel32.GetCurrentProcess()):
        raise OSError(ctypes.get_last_error(), "the reader's memory limit could not be set")


def _context():
    """fork on Linux (no re-import of the caller's main module, no start-up cost); spawn elsewhere.

    A frozen Windows or macOS build must call multiprocessing.freeze_support() in its entry point.
    """
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def run_isolated(path: str, display_name: str, mapping_dict: dict | None, cancel=None):
    """process_file in a worker process; raises WorkerFailure, UnreadableFile or _Cancelled."""
    from .readers import UnreadableFile

    if os.environ.get("STRANDRISK_IMPORT_INPROCESS") == "1":
        return process_file(path, display_name, mapping_dict)
    status, payload = _run_child(_child, (path, display_name, mapping_dict), TIME_LIMIT_SECONDS, cancel)
    if status == "unreadable":
        raise UnreadableFile(payload)
    return payload


def _start_child(ctx, target, args: tuple):
    """Start the reader process, trying once more when the system refuses to create it (Windows can say
    "Internal error" under heavy load; an antivirus scan can do the same); a second refusal is a
    WorkerFailure in plain words."""
    for attempt in (1, 2):
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=target, args=(child, *args), daemon=True)
        try:
            proc.start()
        except OSError as exc:
            parent.close()
            child.close()
            if attempt == 2:
                raise WorkerFailure("was not read: the computer refused to start the reader process "
                                    f"({exc.strerror or exc}); close other programs and try again") from None
            time.sleep(0.5)
            continue
        child.close()
        return parent, child, proc


def _run_child(target, args: tuple, seconds: float, cancel=None, progress=None):
    """Start ``target(conn, *args)`` in a reader process and wait for its one answer (status, payload),
    passing ("progress", fraction, message) messages on to ``progress``. Raises WorkerFailure when the
    process dies or overruns ``seconds``, _Cancelled when ``cancel()`` says so; the process never outlives
    the call."""
    ctx = _context()
    parent, child, proc = _start_child(ctx, target, args)
    deadline = time.monotonic() + seconds
    try:
        while True:
            if parent.poll(0.05):
                try:
                    message = parent.recv()
                except (EOFError, OSError):
                    raise WorkerFailure(STOPPED) from None
                if message[0] == "progress":
                    if progress is not None:
                        progress(*message[1:])
                    continue
                return message
            if cancel is not None and cancel():
                raise _Cancelled()
            if not proc.is_alive() and not parent.poll(0):
                raise WorkerFailure(STOPPED)
            if time.monotonic() > deadline:
                raise WorkerFailure(f"took longer than {seconds:.0f} s to read and was stopped "
                                    "(damaged, hostile or very large file)")
    finally:
        if proc.is_alive():
            proc.join(0.5)
        if proc.is_alive():
            proc.kill()
            proc.join(2)
        parent.close()


class _Cancelled(Exception):
    pass


def address_space_bytes() -> int:
    """This process's virtual address space now, from /proc (Linux); 0 where the system does not say."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return 0


def _limit_this_process() -> None:
    """The reader process's own limits: no native backtrace on the terminal, memory capped."""
    try:  # a native reader's panic or abort must not reach the user's terminal as a backtrace
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        import faulthandler

        faulthandler.disable()
    except OSError:
        pass
    try:
        if sys.platform == "win32":
            limit_memory_windows(MEMORY_LIMIT_BYTES)
        else:
            import resource

            limit = address_space_bytes() + MEMORY_LIMIT_BYTES  # what it inherited, plus the reading budget
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError, AttributeError):
        pass


def _guarded_child(conn, fn, args, kwargs):
    _limit_this_process()
    from ..failures import ImportFailure

    last = [0.0]

    def progress(fraction, message=""):
        now = time.monotonic()
        if fraction >= 1.0 or now - last[0] >= 0.1:
            last[0] = now
            conn.send(("progress", float(fraction), str(message)))

    _answer(conn, lambda: fn(*args, progress=progress, cancel=lambda: False, **kwargs), {ImportFailure: "failure"})


def run_guarded(fn, args: tuple, kwargs: dict, name: str, progress=None, cancel=None, seconds: float | None = None):
    """``fn(*args, progress=..., cancel=..., **kwargs)`` in a reader process with the same memory limit,
    time limit and panic handling as a spreadsheet (TAC workbooks are the largest files read). Progress
    comes back through the pipe; Cancel stops the process. An ImportFailure raised by ``fn`` comes back as
    itself; anything else as ImportFailure("NAME: too large or damaged ...")."""
    from ..failures import ImportCancelled, ImportFailure

    if os.environ.get("STRANDRISK_IMPORT_INPROCESS") == "1":
        return fn(*args, progress=progress, cancel=cancel, **kwargs)
    try:
        status, payload = _run_child(_guarded_child, (fn, args, kwargs),
                                     seconds if seconds is not None else TIME_LIMIT_SECONDS, cancel, progress)
    except WorkerFailure as exc:
        raise ImportFailure(f"{name}: {exc}") from None
    except _Cancelled:
        raise ImportCancelled() from None
    if status == "ok":
        return payload
    if status == "failure":
        raise ImportFailure(payload)
    raise ImportFailure(f"{name}: {payload}")

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

MEMORY_LIMIT_BYTES = int(os.environ.get("STRANDRISK_IMPORT_MEMORY_MB", "3072")) * (1 << 20)
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
    from ..core.problems import NOTE, Problem

    problems[:0] = [Problem(NOTE, note, display_name) for note in book.notes]
    return reports, datas, problems


def _child(conn, path, display_name, mapping_dict):
    try:  # a native reader's panic message must not reach the user's terminal as a backtrace
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
    except OSError:
        pass
    try:
        if sys.platform != "win32":
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    except (ImportError, ValueError, OSError):
        pass
    from .readers import UnreadableFile

    try:
        result = ("ok", process_file(path, display_name, mapping_dict))
    except UnreadableFile as exc:
        result = ("unreadable", str(exc))
    except MemoryError:
        result = ("unreadable", "is too large to read within the memory limit")
    except RecursionError:
        result = ("unreadable", "is nested too deeply to read (damaged or hostile file)")
    except Exception as exc:  # noqa: BLE001 - a parser bug on a hostile file is still one line
        result = ("unreadable", f"could not be read ({type(exc).__name__}: {' '.join(str(exc).split())[:150]}): "
                                "open it in Excel and save it again as .xlsx")
    try:
        conn.send(result)
    except MemoryError:
        conn.send(("unreadable", "is too large to read within the memory limit"))
    finally:
        conn.close()


def _context():
    """fork on Linux (no re-import of the caller's main module, no start-up cost); spawn elsewhere.

    A frozen Windows or macOS build must call multiprocessing.freeze_support() in its entry point.
    """
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def run_isolated(path: str, display_name: str, mapping_dict: dict | None, cancel=None):
    """process_file in a worker process; raises WorkerFailure or ImportCancelled-like KeyboardInterrupt."""
    from .readers import UnreadableFile

    if os.environ.get("STRANDRISK_IMPORT_INPROCESS") == "1":
        return process_file(path, display_name, mapping_dict)
    ctx = _context()
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, path, display_name, mapping_dict), daemon=True)
    proc.start()
    child.close()
    deadline = time.monotonic() + TIME_LIMIT_SECONDS
    try:
        while True:
            if parent.poll(0.05):
                try:
                    status, payload = parent.recv()
                except (EOFError, OSError):
                    raise WorkerFailure("could not be read: the reader stopped (the file may be damaged, "
                                        "hostile or too large for the memory limit)") from None
                break
            if cancel is not None and cancel():
                raise _Cancelled()
            if not proc.is_alive() and not parent.poll(0):
                raise WorkerFailure("could not be read: the reader stopped (the file may be damaged, hostile "
                                    "or too large for the memory limit)")
            if time.monotonic() > deadline:
                raise WorkerFailure(f"took longer than {TIME_LIMIT_SECONDS:.0f} s to read and was stopped "
                                    "(damaged, hostile or very large file)")
    finally:
        if proc.is_alive():
            proc.join(0.5)
        if proc.is_alive():
            proc.kill()
            proc.join(2)
        parent.close()
    if status == "unreadable":
        raise UnreadableFile(payload)
    return payload


class _Cancelled(Exception):
    pass

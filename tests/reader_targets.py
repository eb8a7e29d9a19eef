"""What the reader-process tests run inside the reader process: module-level functions only, so that they
reach a process started fresh ("spawn", as on Windows and macOS) as well as a forked one (Linux).

A test that patches a function in the test process only reaches the reader through fork; such tests are
marked ``fork_only`` and each has a spawn-safe counterpart in tests/test_reader_limits.py.
"""

from __future__ import annotations

import ctypes
import os
import sys
import time

import pytest

from strandrisk.io.spreadsheets import worker

SPAWNS = worker._context().get_start_method() != "fork"
fork_only = pytest.mark.skipif(
    SPAWNS, reason="patches a function in the test process, which a reader process started fresh (Windows, "
                   "macOS) never sees; tests/test_reader_limits.py tests the same guard spawn-safely")


def running_under_wine() -> bool:
    """Wine's ntdll exports wine_get_version; Windows' does not."""
    if sys.platform != "win32":
        return False
    return hasattr(ctypes.WinDLL("ntdll"), "wine_get_version")


class PanicException(BaseException):
    """What python-calamine raises when its Rust code panics: a BaseException, not an Exception."""


def process_id(progress=None, cancel=None) -> int:
    return os.getpid()


def sleep(seconds: float, progress=None, cancel=None) -> None:
    time.sleep(seconds)


def panic(progress=None, cancel=None) -> None:
    raise PanicException("called `Option::unwrap()` on a `None` value")


def allocate(n_bytes: int, progress=None, cancel=None) -> int:
    """Ask for n_bytes at once and touch them; answers only the size, so nothing large crosses the pipe."""
    block = bytearray(n_bytes)
    block[:: 1 << 20] = b"\1" * len(range(0, n_bytes, 1 << 20))
    return len(block)


def crash(progress=None, cancel=None) -> None:
    """Die as a broken native reader would: read an address no process can have mapped (a segmentation
    fault) on POSIX; on Windows, where ctypes turns an access violation into an OSError, end the process
    with the access-violation status."""
    if sys.platform == "win32":
        kernel32 = ctypes.WinDLL("kernel32")
        kernel32.GetCurrentProcess.restype = ctypes.c_void_p
        kernel32.TerminateProcess.argtypes = (ctypes.c_void_p, ctypes.c_uint)
        kernel32.TerminateProcess(kernel32.GetCurrentProcess(), 0xC0000005)
    ctypes.string_at(0x9000_0000_0000, 16)


def memory_limit(progress=None, cancel=None) -> int | None:
    """This process's memory limit in bytes as the operating system holds it (None: no limit): RLIMIT_AS
    on POSIX, the job object's per-process committed-memory limit on Windows."""
    if sys.platform != "win32":
        import resource

        limit = resource.getrlimit(resource.RLIMIT_AS)[0]
        return None if limit == resource.RLIM_INFINITY else limit
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.QueryInformationJobObject.argtypes = (wintypes.HANDLE, ctypes.c_int, ctypes.c_void_p, wintypes.DWORD,
                                                   ctypes.c_void_p)
    info = worker._job_limit_structure()()
    # A null job handle asks about the job this process belongs to; 9 is JobObjectExtendedLimitInformation.
    if not kernel32.QueryInformationJobObject(None, 9, ctypes.byref(info), ctypes.sizeof(info), None):
        return None
    if not info.BasicLimitInformation.LimitFlags & 0x100:  # JOB_OBJECT_LIMIT_PROCESS_MEMORY
        return None
    return info.ProcessMemoryLimit


def read_without_extent_check(conn, path, display_name, mapping_dict):
    """The spreadsheet reader process (worker._child) with the check of a sheet's declared extent switched
    off, so that the reader itself asks for the memory a hostile extent implies."""
    from strandrisk.io.spreadsheets import readers

    readers._check_extent = lambda zf, part, sheet: None
    worker._child(conn, path, display_name, mapping_dict)

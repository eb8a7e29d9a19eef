"""Entry script of the frozen app (build.spec): StrandRisk.exe, windowed, and also the command line.

Double-clicking a .strandrisk file runs `StrandRisk.exe PATH`, so anything that is not a command or a
top-level option is handed to the desktop app. A windowed Windows program has no stdout or stderr: when
started from a console (`start /wait StrandRisk.exe run --sample`) it writes to that console; otherwise
output goes to the null device so a stray print cannot crash it (logging goes to the user's log folder).
"""

import multiprocessing
import os
import sys

COMMANDS = {"run", "check", "screen", "template", "gui"}
TOP_LEVEL_OPTIONS = {"--smoke-test", "--version", "-h", "--help"}


def route(args: list[str]) -> list[str]:
    if not args or args[0] in COMMANDS or args[0] in TOP_LEVEL_OPTIONS:
        return args
    return ["gui", *args]


def attach_streams() -> None:
    """Give a windowed program the console it was started from, or the null device."""
    if sys.stdout is not None and sys.stderr is not None:
        return
    target = os.devnull
    if sys.platform == "win32":
        import ctypes

        if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
            target = "CONOUT$"
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            try:
                setattr(sys, name, open(target, "w", encoding="utf-8", errors="replace"))
            except OSError:
                setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))


if __name__ == "__main__":
    multiprocessing.freeze_support()
    os.environ.setdefault("QT_API", "pyside6")  # matplotlib: the only Qt binding in the build
    attach_streams()
    from strandrisk.__main__ import main

    sys.exit(main(route(sys.argv[1:])))

"""Entry script of the frozen app (build.spec): StrandRisk.exe (windowed) and strandrisk-cli.exe (console).

Double-clicking a .strandrisk file runs `StrandRisk.exe PATH`, so anything that is not a command or a
top-level option is handed to the desktop app. A windowed Windows build has no stdout or stderr;
they go to the null device so a stray print cannot crash it (logging goes to the user's log folder).
"""

import multiprocessing
import os
import sys

COMMANDS = {"run", "check", "template", "gui"}
TOP_LEVEL_OPTIONS = {"--smoke-test", "--version", "-h", "--help"}


def route(args: list[str]) -> list[str]:
    if not args or args[0] in COMMANDS or args[0] in TOP_LEVEL_OPTIONS:
        return args
    return ["gui", *args]


if __name__ == "__main__":
    multiprocessing.freeze_support()
    os.environ.setdefault("QT_API", "pyside6")  # matplotlib: the only Qt binding in the build
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))
    from strandrisk.__main__ import main

    sys.exit(main(route(sys.argv[1:])))

"""Entry points: `strandrisk` / `python -m strandrisk` and `strandrisk-gui` (windowed).

This module sits above both front ends: it starts the desktop app (no command, `gui`, `--smoke-test`)
or hands the command line to ``cli``, which never imports the ui floor.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from .logs import configure_logging

    configure_logging()
    from .cli import build_parser
    from .cli import main as cli_main

    args = build_parser().parse_args(argv)
    if not (args.smoke_test or args.command in (None, "gui")):
        return cli_main(argv)
    try:
        if args.smoke_test:
            from .ui.smoke import run_smoke_test

            return run_smoke_test()
        from .ui.app import run_app

        return run_app(getattr(args, "project", None) or None, sample=getattr(args, "sample", False))
    except ImportError as exc:
        print(f"strandrisk: error: the desktop app cannot start: {exc}. Reinstall StrandRisk, or on Linux "
              "install Qt's system libraries (libegl1 libgl1 libxkbcommon0 libfontconfig1).", file=sys.stderr)
        return 2


def gui_main() -> int:
    return main(["gui", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())

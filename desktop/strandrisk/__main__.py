"""Entry points: `strandrisk` / `python -m strandrisk` (command line) and `strandrisk-gui` (windowed)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from .logs import configure_logging

    configure_logging()
    from .cli import main as cli_main

    return cli_main(argv)


def gui_main() -> int:
    return main(["gui", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())

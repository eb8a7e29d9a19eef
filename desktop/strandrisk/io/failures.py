"""What every reader of input files shares: its failures and its progress and cancel callbacks.

``load.py`` (the spreadsheets) and ``tac.py`` (NHS England's TAC workbooks) both use this module, so
neither imports the other to raise the same failure (``load`` calls ``tac``; ``tac`` never calls ``load``).
"""

from __future__ import annotations

from typing import Callable

ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]


class ImportFailure(Exception):
    """A file that cannot be read at all (exit code 2). The message is one line for the user."""


class ImportCancelled(Exception):
    """The user cancelled the import."""

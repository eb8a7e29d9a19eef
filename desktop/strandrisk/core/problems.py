"""Problems found in inputs: what, where (file, sheet, cell) and what to do."""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "error"  # the value or column cannot be used: `check` exits 1
WARNING = "warning"  # usable, but the user should look
NOTE = "note"  # information (hidden sheet ignored, example row skipped)
SEVERITIES = (ERROR, WARNING, NOTE)


@dataclass(frozen=True)
class Problem:
    severity: str
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""  # "G7", or "" for a whole sheet or file

    @property
    def where(self) -> str:
        """`Block contracts!G7` style location, with the file when known."""
        loc = f"{self.sheet}!{self.cell}" if self.sheet and self.cell else (self.sheet or self.cell)
        if self.file:
            return f"{self.file}: {loc}" if loc else self.file
        return loc

    def __str__(self) -> str:
        where = self.where
        return f"{self.severity}: {where}: {self.message}" if where else f"{self.severity}: {self.message}"

    def to_dict(self) -> dict:
        return asdict(self)


def by_severity(problems):
    """Errors first, then warnings, then notes; in the order found within each (the one ordering rule for
    every list of problems shown: the Data page, `strandrisk check`)."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(problems, key=lambda p: rank.get(p.severity, len(SEVERITIES)))


def severity_counts(problems, notes: bool = True) -> str:
    """'2 errors, 1 warning, 3 notes' (or without notes: '0 errors, 1 warning')."""
    from .wording import counted

    shown = SEVERITIES if notes else (ERROR, WARNING)
    return ", ".join(counted(sum(p.severity == s for p in problems), s) for s in shown)


def column_letter(index0: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    n = index0 + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out

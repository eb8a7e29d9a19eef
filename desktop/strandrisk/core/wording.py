"""Counts in words, with the right plural: '1 problem', '2 problems', '1,204 rows'."""

from __future__ import annotations


def counted(n: int, word: str, plural: str | None = None) -> str:
    """'1 problem', '0 problems', '1,204 problems'; ``plural`` for words that do not just take an 's'."""
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"

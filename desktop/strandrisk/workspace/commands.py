"""A pure undo/redo stack over workspace edits (after glue's CommandStack): no Qt, so the app's undo can be
tested without a window and a future front end gets the same history.

A command is an object with ``text`` (what Edit > Undo says), ``do()`` and ``undo()``. The stack keeps
the done commands and the undone ones; doing a new command forgets what was undone. ``clean`` marks the
position of the last save, so "unsaved changes" survives undo back to the saved state.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol


class Command(Protocol):
    text: str

    def do(self) -> None: ...

    def undo(self) -> None: ...


class StateChange:
    """A command that puts back a whole state: ``apply(after)`` to do it, ``apply(before)`` to undo it.
    The states are kept as they were, so undo gives back exactly what was there (nothing is recomputed)."""

    def __init__(self, text: str, apply: Callable[[Any], None], before: Any, after: Any, topic: str = "") -> None:
        self.text, self._apply, self.before, self.after, self.topic = text, apply, before, after, topic

    def do(self) -> None:
        self._apply(self.after)

    def undo(self) -> None:
        self._apply(self.before)


class CommandStack:
    def __init__(self) -> None:
        self._done: list[Command] = []
        self._undone: list[Command] = []
        self._clean_at: int | None = 0
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> None:
        """``listener()`` is called after every change of the stack (for menu texts and the title)."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    def do(self, command: Command) -> None:
        command.do()
        self._done.append(command)
        if self._clean_at is not None and self._clean_at > len(self._done) - 1:
            self._clean_at = None  # the saved state was in the undone branch: it cannot come back
        self._undone.clear()
        self._changed()

    def undo(self) -> None:
        if not self._done:
            return
        command = self._done.pop()
        command.undo()
        self._undone.append(command)
        self._changed()

    def redo(self) -> None:
        if not self._undone:
            return
        command = self._undone.pop()
        command.do()
        self._done.append(command)
        self._changed()

    def forget(self, topic: str) -> None:
        """Drop the commands of one topic (say "data" when the files were read again outside the stack: their
        before and after states no longer hold). Other commands keep their place."""
        done = [c for c in self._done if getattr(c, "topic", "") != topic]
        if len(done) == len(self._done) and not any(getattr(c, "topic", "") == topic for c in self._undone):
            return
        if self._clean_at is not None and any(getattr(c, "topic", "") == topic for c in self._done[:self._clean_at]):
            self._clean_at = None  # the saved state held one of them: undo cannot reach it any more
        elif self._clean_at is not None:
            self._clean_at -= sum(getattr(c, "topic", "") == topic for c in self._done[:self._clean_at])
        self._done = done
        self._undone = [c for c in self._undone if getattr(c, "topic", "") != topic]
        self._changed()

    def clear(self) -> None:
        self._done.clear()
        self._undone.clear()
        self._clean_at = 0
        self._changed()

    def set_clean(self) -> None:
        self._clean_at = len(self._done)
        self._changed()

    @property
    def is_clean(self) -> bool:
        return self._clean_at == len(self._done)

    @property
    def count(self) -> int:
        """Commands that can be undone."""
        return len(self._done)

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def undo_text(self) -> str:
        return self._done[-1].text if self._done else ""

    @property
    def redo_text(self) -> str:
        return self._undone[-1].text if self._undone else ""

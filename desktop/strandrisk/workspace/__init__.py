"""The Qt-free workspace behind the desktop app and ``strandrisk run PROJECT``: one project's state and the
operations on it, with a pure undo stack. Sits above io and core, below the ui and the command line."""

from .commands import Command, CommandStack
from .workspace import (DATA, RESULTS, SCENARIOS, STATE, ChangedOnDisk, ProjectInUse, ReadOnlyProject, Task,
                        Workspace, WorkspaceError)

__all__ = ["ChangedOnDisk", "Command", "CommandStack", "DATA", "ProjectInUse", "RESULTS", "ReadOnlyProject",
           "SCENARIOS", "STATE", "Task", "Workspace", "WorkspaceError"]

"""The main window's actions, menus and toolbar (what each command is called, its shortcut and its tip)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence


def _action(window, text, slot, shortcut=None, tip=""):
    act = QAction(text, window)
    if shortcut is not None:
        act.setShortcut(QKeySequence(shortcut))
    if tip:
        act.setStatusTip(tip)
        act.setToolTip(tip)
    act.triggered.connect(lambda _checked=False: slot())
    return act


def build_menus(window, panes) -> dict[str, QAction]:
    """Create the window's actions, its menu bar and toolbar; returns the actions by key."""
    S = QKeySequence.StandardKey
    w = window
    a = {
        "new": _action(w, "&New project", w.new_project, S.New, "Start an empty project"),
        "open": _action(w, "&Open project or files...", w.open_dialog, S.Open,
                        "Open a .strandrisk project or add spreadsheets"),
        "sample": _action(w, "Open &sample", lambda: w.open_sample(wait=False), None,
                          "Load the built-in fictional sample"),
        "add": _action(w, "&Add data files...", w.add_files_dialog, None, "Add spreadsheets"),
        "screen_england": _action(w, "Screen &England from TAC files...", w.screen_england_dialog, None,
                                  "Every trust in NHS England's published accounts, in both forms, ranked"),
        "save": _action(w, "&Save project", w.save, S.Save, "Save the project"),
        "save_as": _action(w, "Save project &as...", w.save_as, QKeySequence("Ctrl+Shift+S")),
        "export": _action(w, "&Export report...", w.export_report_dialog, QKeySequence("Ctrl+E"),
                          "Write the Excel report"),
        "export_json": _action(w, "Export results as &JSON...", w.export_json_dialog, None,
                               "Write the machine-readable results, as `strandrisk run --json` does"),
        "template": _action(w, "Save input &template...", w.save_template_dialog),
        "quit": _action(w, "&Quit", w.close, QKeySequence("Ctrl+Q")),
        "undo": _action(w, "&Undo", w.undo, S.Undo),
        "redo": _action(w, "&Redo", w.redo, None),
        "run": _action(w, "&Run simulation", lambda: w.run_simulation(), QKeySequence("F5"),
                       "Run the Monte Carlo simulation of the current scenario"),
        "cancel": _action(w, "&Cancel running job", w.cancel_job, QKeySequence("Esc")),
        "help": _action(w, "StrandRisk &help", w.show_help, QKeySequence("F1")),
        "model_help": _action(w, "How the &model works", lambda: w.show_help("model.md")),
        "logs": _action(w, "Open &log folder", w.open_log_folder),
        "about": _action(w, "&About StrandRisk", w.about),
    }
    # Ctrl+Y everywhere, plus the platform's own Redo where it differs (on Windows it is Ctrl+Y itself:
    # the same key twice is an "ambiguous shortcut" and does nothing)
    redo_keys = [QKeySequence("Ctrl+Y")]
    redo_keys += [k for k in QKeySequence.keyBindings(S.Redo) if k not in redo_keys]
    a["redo"].setShortcuts(redo_keys)

    mb = w.menuBar()
    m = mb.addMenu("&File")
    for key in ("new", "open", "sample", "add", "screen_england"):
        m.addAction(a[key])
    w.recent_menu = m.addMenu("Open &recent")
    m.addSeparator()
    for key in ("save", "save_as", "export", "export_json", "template"):
        m.addAction(a[key])
    m.addSeparator()
    m.addAction(a["quit"])
    m = mb.addMenu("&Edit")
    m.addAction(a["undo"])
    m.addAction(a["redo"])
    m = mb.addMenu("&View")
    for i, name in enumerate(panes):
        m.addAction(_action(w, name, lambda n=name: w.show_pane(n), QKeySequence(f"Ctrl+{i + 1}")))
    m = mb.addMenu("&Run")
    m.addAction(a["run"])
    m.addAction(a["cancel"])
    m = mb.addMenu("&Help")
    for key in ("help", "model_help", "logs", "about"):
        m.addAction(a[key])

    tb = w.addToolBar("Main")
    tb.setObjectName("mainToolbar")
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    for key in ("open", "add", "save", None, "undo", "redo", None, "run", "export", None, "help"):
        if key is None:
            tb.addSeparator()
        else:
            tb.addAction(a[key])
    for key, text in (("open", "Open"), ("add", "Add files"), ("save", "Save"), ("run", "Run simulation"),
                      ("export", "Export report"), ("help", "Help"), ("undo", "Undo"), ("redo", "Redo")):
        a[key].setIconText(text)
    w._fill_recent()
    return a

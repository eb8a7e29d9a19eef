"""The in-app help: Markdown pages from resources/help rendered in a QTextBrowser."""

from __future__ import annotations

from importlib.resources import files

from PySide6.QtWidgets import QDialog, QHBoxLayout, QListWidget, QTextBrowser

from ..io.helptext import fill_generated


def help_pages() -> dict[str, str]:
    """Page file name -> Markdown text, index first, then alphabetical."""
    folder = files("strandrisk.resources").joinpath("help")
    pages = {}
    try:
        entries = sorted((e for e in folder.iterdir() if e.name.endswith(".md")), key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return {}
    for e in entries:
        pages[e.name] = fill_generated(e.read_text(encoding="utf-8"))
    if "index.md" in pages:
        pages = {"index.md": pages.pop("index.md"), **pages}
    return pages


def page_title(text: str, name: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return name[:-3].replace("_", " ").capitalize()


class HelpViewer(QDialog):
    def __init__(self, parent=None, page: str = "index.md"):
        super().__init__(parent)
        self.setWindowTitle("StrandRisk help")
        self.resize(900, 620)
        self.pages = help_pages()
        lay = QHBoxLayout(self)
        self.list = QListWidget()
        self.list.setMaximumWidth(280)
        self.list.setWordWrap(True)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        self.browser.anchorClicked.connect(self._link)
        lay.addWidget(self.list)
        lay.addWidget(self.browser, 1)
        self._names = list(self.pages)
        for name in self._names:
            self.list.addItem(page_title(self.pages[name], name))
        self.list.currentRowChanged.connect(self._show)
        if not self._names:
            self.browser.setPlainText("No help pages were found in this installation.")
        else:
            self.show_page(page if page in self.pages else self._names[0])

    def show_page(self, name: str):
        if name in self.pages:
            self.list.setCurrentRow(self._names.index(name))

    def _show(self, row: int):
        if 0 <= row < len(self._names):
            self.browser.setMarkdown(self.pages[self._names[row]])

    def _link(self, url):
        name = url.toString().split("#")[0].split("/")[-1]
        if name in self.pages:
            self.show_page(name)
        else:
            self.browser.setMarkdown(self.pages[self._names[self.list.currentRow()]])

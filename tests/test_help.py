"""The in-app help: every page is there, generated parts are filled in, and the index links resolve."""

import re

import pytest

from tests.conftest import QT_MISSING  # noqa: E402

if QT_MISSING:
    pytest.skip(QT_MISSING, allow_module_level=True)

from strandrisk.core import schema  # noqa: E402
from strandrisk.ui.help_viewer import help_pages  # noqa: E402


def test_help_pages_are_complete_and_filled_in():
    pages = help_pages()
    assert list(pages)[0] == "index.md"
    assert {"app.md", "model.md", "import.md", "report.md", "uncertainty.md", "tac.md"} <= set(pages)
    for name, text in pages.items():
        assert "{{" not in text, f"{name} shows an unfilled placeholder"
        assert text.lstrip().startswith("# "), f"{name} has no title"
    for kind in schema.INPUT_KINDS:
        for col in kind.columns:
            assert col.label in pages["import.md"], col.name


def test_index_links_point_at_existing_pages():
    pages = help_pages()
    for target in re.findall(r"\]\(([\w-]+\.md)\)", pages["index.md"]):
        assert target in pages, target

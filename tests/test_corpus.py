"""Every file of the shared robustness corpus gets a clear answer: data, or one line saying why not.

Each file is read through the same worker process as the app, within 20 s, without a traceback.
Skipped when ../shared is absent (the corpus is never copied into this repository).
"""

import time

import pytest

from strandrisk.io.spreadsheets.load import ImportFailure, load_inputs

from .conftest import SHARED

CORPUS = SHARED / "corpus"


def _files():
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    lines = manifest.read_text(encoding="utf-8").splitlines()[1:]
    return [line.split("\t")[0] for line in lines if line.strip()]


FILES = _files()


@pytest.mark.skipif(not FILES, reason="shared corpus not present")
def test_every_corpus_file_gets_data_or_one_line():
    slow, tracebacks, multi_line = [], [], []
    for name in FILES:
        path = CORPUS / name
        started = time.monotonic()
        try:
            result = load_inputs([path])
            for p in result.problems:
                if "\n" in p.message:
                    multi_line.append((name, p.message))
        except ImportFailure as exc:
            text = str(exc)
            if "\n" in text or "Traceback" in text:
                multi_line.append((name, text))
        except Exception as exc:  # noqa: BLE001 - what this test exists to catch
            tracebacks.append((name, repr(exc)))
        if time.monotonic() - started > 20:
            slow.append(name)
    assert tracebacks == [] and multi_line == [] and slow == []


@pytest.mark.skipif(not FILES, reason="shared corpus not present")
@pytest.mark.parametrize("name, words", [
    ("calamine/pass_protected.xlsx", "password-protected"),
    ("python-calamine/empty_file.xlsx", "is empty"),
    ("xlrd/sample.zip", "zip archive"),
])
def test_known_hostile_corpus_files(name, words):
    if not (CORPUS / name).exists():
        pytest.skip(f"{name} not in this corpus")
    with pytest.raises(ImportFailure, match=words):
        load_inputs([CORPUS / name])


@pytest.mark.skipif(not FILES, reason="shared corpus not present")
def test_hidden_sheets_and_errors_in_corpus():
    path = CORPUS / "calamine/any_sheets.xlsx"
    if not path.exists():
        pytest.skip("any_sheets.xlsx not in this corpus")
    notes = {s.sheet: s.notes for s in load_inputs([path]).sheets}
    assert "hidden sheet ignored" in notes["Hidden"] and "very hidden sheet ignored" in notes["VeryHidden"]

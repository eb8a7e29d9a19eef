"""The reader process that the system refuses to start: one more try, then a plain answer (Windows under load,
or an antivirus, can refuse to create a process with "Internal error")."""

import pytest

from strandrisk.io.failures import ImportFailure
from strandrisk.io.spreadsheets import worker
from strandrisk.io.spreadsheets.load import load_inputs, sample_paths


class _Refusing:
    """The real multiprocessing context, whose first `refusals` process starts fail as Windows' do."""

    def __init__(self, real, refusals: int):
        self.real, self.refusals, self.starts = real, refusals, 0

    def Pipe(self, *args, **kwargs):  # noqa: N802 - the multiprocessing name
        return self.real.Pipe(*args, **kwargs)

    def Process(self, *args, **kwargs):  # noqa: N802
        return _RefusedFirst(self.real.Process(*args, **kwargs), self)


class _RefusedFirst:
    """A reader process whose start is refused while its context has refusals left. A wrapper, not a patched
    method: Windows pickles the real process object to start it."""

    def __init__(self, process, ctx: _Refusing):
        self._process, self._ctx = process, ctx

    def start(self):
        self._ctx.starts += 1
        if self._ctx.starts <= self._ctx.refusals:
            raise OSError(1359, "Internal error")
        self._process.start()

    def __getattr__(self, name):
        return getattr(self._process, name)


@pytest.fixture
def refusing(monkeypatch):
    real = worker._context()

    def install(refusals: int) -> _Refusing:
        ctx = _Refusing(real, refusals)
        monkeypatch.setattr(worker, "_context", lambda: ctx)
        return ctx

    return install


def test_a_refused_reader_start_is_tried_once_more(refusing):
    ctx = refusing(1)
    loaded = load_inputs(sample_paths())
    assert ctx.starts >= 2 and loaded.inputs.providers.n_rows > 0


def test_a_reader_that_cannot_start_is_one_plain_line(refusing):
    refusing(10)
    with pytest.raises(ImportFailure) as info:
        load_inputs(sample_paths())
    text = str(info.value)
    assert "refused to start the reader process" in text and "Internal error" in text
    assert "OSError" not in text and "Traceback" not in text

"""A few hundred seeded mutations of the sample, the template, its CSVs and the corpus through `check`.

Every answer must be an exit code of 0, 1 or 2 with no traceback and no exception class name, within
the reader's time limit (lowered to 30 s here: a hang comes back as "took longer"), and no reader
process may grow beyond the 1.5 GB memory limit. The longer campaign is
tests/benchmarks/fuzz_campaign.py; its figures are in tests/benchmarks/RESULTS.md.
"""

from __future__ import annotations

from strandrisk.io.spreadsheets import worker

from . import fuzzing

CASES = 300
SEED = 14


def test_mutated_files_get_clear_answers_quickly_and_in_bounded_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(worker, "TIME_LIMIT_SECONDS", 30.0)
    seeds = fuzzing.make_seeds(tmp_path)
    outcomes = fuzzing.run_cases(seeds, CASES, SEED, tmp_path)
    failures = [(o.case, o.problems, o.output[-300:]) for o in outcomes if o.problems]
    assert failures == []
    assert {o.code for o in outcomes} <= {0, 1, 2}
    assert len({o.code for o in outcomes}) >= 2  # the mutations really produce different answers
    peak = fuzzing.children_peak_mb()  # None on Windows (no getrusage): test_reader_limits.py holds the limit there
    assert peak is None or peak < 1536  # the bound, whatever the limit is set to

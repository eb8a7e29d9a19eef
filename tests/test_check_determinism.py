"""`check` gives the same problems, in the same order, on every run (issue 17: a file with 600 duplicate rows
gave a different list on each of 6 runs, because duplicates were ordered by Python's per-process salted hash)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from strandrisk.io.spreadsheets.load import load_sample, sample_paths


def _duplicates_csv(path, count: int = 600) -> None:
    cash = load_sample().inputs.cash_balances
    rows = ["Provider code,Period end,Cash (£000)"]
    for k in range(count):
        i = k % cash.n_rows
        end = cash["period_end"][i]
        rows.append(f"{cash['provider_code'][i]},{'2024-03-31' if str(end) == 'NaT' else end},{1000 + k}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_check_output_is_the_same_whatever_the_hash_seed(tmp_path):
    files = []
    for p in sample_paths():
        files.append(tmp_path / p.name)
        shutil.copy(p, files[-1])
    files.append(tmp_path / "cash_duplicates.csv")
    _duplicates_csv(files[-1])
    outputs = set()
    for seed in ("0", "1", "2", "12345", "random"):
        done = subprocess.run([sys.executable, "-m", "strandrisk", "check", *map(str, files), "--json"],
                              capture_output=True, text=True, timeout=180, env=dict(os.environ, PYTHONHASHSEED=seed))
        assert done.returncode in (0, 1), done.stderr
        assert "given twice" in done.stdout
        outputs.add(done.stdout)
    assert len(outputs) == 1

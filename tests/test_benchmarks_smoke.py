"""Every benchmark script in tests/benchmarks runs at its tiny ``--smoke`` size, so none breaks unnoticed.

Each script runs as its own process from an empty working folder, the way a person runs it, and must exit
0, print its table with the ratio against its baseline (finite) and leave nothing behind in that folder.
The full-size runs stay on demand (tests/benchmarks/RESULTS.md).
"""

from __future__ import annotations

import importlib.util
import math
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import QT_MISSING

BENCHMARKS = Path(__file__).resolve().parent / "benchmarks"
NEEDS_XLSXWRITER = ('XlsxWriter is not installed (the bench extra): pip install -e ".[test,bench]"'
                    if importlib.util.find_spec("xlsxwriter") is None else None)
# bench_simulation and bench_tac report peak memory from getrusage (and /proc): Linux-only measurements.
POSIX_MEMORY = ("measures peak memory with the POSIX resource module and /proc, which Windows has not"
                if sys.platform == "win32" else None)
# the fault campaign kills a forked child mid-save (fork, SIGKILL) and mounts a small tmpfs: POSIX only
POSIX_FAULTS = ("kills forked children with SIGKILL and mounts a tmpfs, which Windows has not"
                if sys.platform == "win32" else None)


def _number(text: str) -> float:
    return float(text.strip().rstrip("x").replace(",", ""))


def markdown_column(out: str, header: str) -> list[float]:
    """The figures in the column named `header` of the first markdown table that has it (blank cells
    left out)."""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.lstrip().startswith("|") and header in cells:
            k = cells.index(header)
            rows = []
            for row in lines[i + 2:]:
                if not row.lstrip().startswith("|"):
                    break
                value = row.strip().strip("|").split("|")[k].strip()
                if value:
                    rows.append(_number(value))
            return rows
    return []


def engine_ratios(out: str) -> list[float]:
    m = re.search(r"ratio loop/engine: deterministic (\S+)x .*with break-even (\S+)x; "
                  r"loop agrees with the engine to (\S+) GBP k", out)
    if m is None:
        return []
    # the baseline must still compute what the engine computes, or the ratio compares different work
    assert float(m.group(3)) < 0.01, f"the Python loop no longer agrees with the engine: {m.group(0)}"
    return [_number(m.group(1)), _number(m.group(2))]


def simulation_ratios(out: str) -> list[float]:
    return [_number(x) for x in re.findall(r"^ratio (\S+)x;", out, re.M)]


def tac_ratios(out: str) -> list[float]:
    lines = out.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("measurement") and "x faster" in line), None)
    if start is None:
        return []
    rows = []
    for line in lines[start + 1:]:
        try:
            rows.append(_number(line.split()[-1]))
        except (IndexError, ValueError):  # the table ends where a line no longer ends in a figure
            break
    return rows


def fuzz_outcome(out: str) -> None:
    """The campaign has no baseline, so no ratio (None): it must report its cases with no failure, and
    each heavy file's answer."""
    m = re.search(r"^(\d+) cases from \d+ seeds .* failures: (\d+)$", out, re.M)
    assert m is not None and int(m.group(1)) > 0, "the campaign's summary line is missing"
    assert m.group(2) == "0", f"fuzz cases failed: {m.group(0)}"
    heavy = re.findall(r"^  .*: exit [012], \S+ s, reader peak \d+ MB \| ", out, re.M)
    assert len(heavy) >= 7, "the heavy files' answers are missing"


def fault_outcome(out: str) -> None:
    """The fault campaign has no baseline either: every experiment must lose nothing and leave nothing."""
    assert "| experiment | trials | outcomes |" in out, "the campaign's table is missing"
    assert "LOST" not in out and "REPLACED" not in out, out
    assert re.findall(r"corrupt 0;", out) and not re.findall(r"corrupt [1-9]", out), out
    assert not re.findall(r"anything left after the sweep [1-9]", out), out
    assert not re.findall(r"more than one line: [1-9]", out), out
    assert not re.findall(r"not a plain note: [1-9]", out), out


# script -> (why it cannot run here or None, the figures of its table's ratio column)
SCRIPTS = {
    "bench_engine.py": (None, engine_ratios),
    "bench_simulation.py": (POSIX_MEMORY, simulation_ratios),
    "bench_import.py": (NEEDS_XLSXWRITER, lambda out: markdown_column(out, "baseline / check")),
    "bench_report.py": (NEEDS_XLSXWRITER, lambda out: markdown_column(out, "ratio vs StrandRisk report")),
    "bench_tac.py": (POSIX_MEMORY, tac_ratios),
    "bench_gui.py": (QT_MISSING, lambda out: markdown_column(out, "ratio")),
    "bench_project.py": (None, lambda out: markdown_column(out, "ratio")),
    "fuzz_campaign.py": (NEEDS_XLSXWRITER, fuzz_outcome),
    "fault_campaign.py": (POSIX_FAULTS, fault_outcome),
}


def test_every_runnable_benchmark_script_has_a_smoke_run():
    runnable = {p.name for p in BENCHMARKS.glob("*.py") if 'if __name__ == "__main__":' in p.read_text("utf-8")}
    assert runnable == set(SCRIPTS)


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_benchmark_smoke_run(script, tmp_path):
    missing, ratios = SCRIPTS[script]
    if missing:
        pytest.skip(missing)
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), "--smoke"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=180)
    seconds = time.monotonic() - started
    print(f"{script} --smoke: {seconds:.1f} s")
    assert done.returncode == 0, f"{script} --smoke exited {done.returncode}:\n{done.stdout[-2000:]}\n" \
                                 f"{done.stderr[-3000:]}"
    found = ratios(done.stdout)
    if found is not None:
        assert found, f"{script} printed no table with its ratio:\n{done.stdout[-2000:]}"
        assert all(math.isfinite(r) and r > 0 for r in found), f"{script}: ratio not a finite figure: {found}"
    assert not list(tmp_path.iterdir()), f"{script} left files in its working folder"

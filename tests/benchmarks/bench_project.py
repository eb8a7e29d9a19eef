"""Issue 21 benchmark: simulations saved in the project. Opening a project with its simulations against
simulating again (the baseline, same run), and what keeping them costs in file size and save time.

Systems: the built-in sample (7 providers, 5 years) and a synthetic 50 providers x 10 years, each with
10,000 draws. Run: python tests/benchmarks/bench_project.py [DRAWS]; ``--smoke``: 200 draws, the sample
and 5 synthetic providers, run by the default tests.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_system import synthetic_inputs  # noqa: E402

from strandrisk.io.spreadsheets.load import ImportResult  # noqa: E402
from strandrisk.workspace import Workspace  # noqa: E402
from strandrisk.workspace.workspace import SIM_SAVED  # noqa: E402

DRAWS, SYNTHETIC_PROVIDERS, REPEATS = 10_000, 50, 5


def _workspace(system: str, providers: int) -> Workspace:
    ws = Workspace()
    if system == "sample":
        ws.sample_task().run()
    else:
        ws.set_data(ImportResult(synthetic_inputs(providers)), [])
        ws.edit_scenario(dict(ws.scenario_dict(), base_year="2025/26", horizon_years=10), "Ten years")
    return ws


def _median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure(system: str, providers: int, draws: int, folder: Path, repeats: int) -> dict:
    ws = _workspace(system, providers)
    plain = folder / f"{system} plain.strandrisk"
    t_save_plain = _median_seconds(lambda: ws.save(plain), repeats)

    def open_plain():
        other = Workspace()
        other.open(plain)
        assert other.result is not None  # opened and its results computed, as the app shows them

    t_open_plain = _median_seconds(open_plain, repeats)
    t0 = time.perf_counter()
    assert ws.simulation_task(draws).run() is True
    t_simulate = time.perf_counter() - t0
    saved = folder / f"{system} simulated.strandrisk"
    t_save_sim = _median_seconds(lambda: ws.save(saved), repeats)

    def open_simulated():
        other = Workspace()
        other.open(saved)
        assert other.simulation_status() == SIM_SAVED and other.result.monte_carlo is not None

    t_open_sim = _median_seconds(open_simulated, repeats)
    ws.close()
    return dict(system=system, providers=providers, draws=draws, simulate=t_simulate,
                open_plain=t_open_plain, open_sim=t_open_sim, save_plain=t_save_plain, save_sim=t_save_sim,
                size_plain=plain.stat().st_size, size_sim=saved.stat().st_size)


def run(draws: int = DRAWS, synthetic: int = SYNTHETIC_PROVIDERS, repeats: int = REPEATS) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="bench-project-") as tmp:
        rows = [measure("sample", 7, draws, Path(tmp), repeats),
                measure("synthetic", synthetic, draws, Path(tmp), repeats)]
    print(f"\nSaved simulations (issue 21): {draws:,} draws; median of {repeats} opens and saves; "
          "the baseline is simulating again")
    print("| system | simulate again s | open with simulations s | ratio | open without s | "
          "save with / without s | file with / without kB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        r["ratio"] = r["simulate"] / r["open_sim"]
        print(f"| {r['system']} ({r['providers']} providers) | {r['simulate']:.2f} | {r['open_sim']:.3f} | "
              f"{r['ratio']:.1f} | {r['open_plain']:.3f} | {r['save_sim']:.3f} / {r['save_plain']:.3f} | "
              f"{r['size_sim'] / 1024:,.0f} / {r['size_plain'] / 1024:,.1f} |")
    return rows


def test_bench_project():
    run()


if __name__ == "__main__":
    if "--smoke" in sys.argv[1:]:
        run(200, synthetic=5, repeats=1)
    else:
        run(int(sys.argv[1]) if len(sys.argv) > 1 else DRAWS)

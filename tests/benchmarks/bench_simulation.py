"""Issue 6 benchmark: 10,000 draws x 250 providers x 10 years, both modelled forms: time, peak memory
and provider-year-draws per second, against a per-draw loop that calls the deterministic engine once
per draw (on a subset of draws, same run). Run: python -m pytest tests/benchmarks/bench_simulation.py -s"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import loop_acute_only  # noqa: E402
from synthetic_system import synthetic_inputs  # noqa: E402

from strandrisk.core.engine import Drivers, break_even_multipliers, metrics, project  # noqa: E402
from strandrisk.core.scenario import Scenario  # noqa: E402
from strandrisk.core.simulation import (clawback_contracts, clawback_miss_bits, parameter_draws,  # noqa: E402
                                        run_monte_carlo, tornado)
from strandrisk.core.system import compile_system  # noqa: E402

PROVIDERS, YEARS, DRAWS, LOOP_DRAWS = 250, 10, 10_000, 30


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run(draws: int = DRAWS, providers: int = PROVIDERS) -> dict:
    scenario = Scenario.from_dict({"base_year": "2025/26", "horizon_years": YEARS})
    system = compile_system(synthetic_inputs(providers), scenario)
    scenario = scenario.with_base_year(system.base_year)
    be = break_even_multipliers(system, scenario)
    rss_before = _peak_rss_mb()

    c0, t0 = time.process_time(), time.perf_counter()
    mc = run_monte_carlo(system, scenario, simulations=draws, break_even=be)
    t_mc, cpu_mc = time.perf_counter() - t0, time.process_time() - c0
    rss_after = _peak_rss_mb()
    del mc
    # memory in a second, identical run: tracing every allocation slows the run, so it is not timed
    tracemalloc.start()
    mc = run_monte_carlo(system, scenario, simulations=draws, break_even=be)
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    t0 = time.perf_counter()
    tornado(system, scenario)
    t_tornado = time.perf_counter() - t0

    # baseline: the deterministic engine called once per draw, same draws, both forms, plus the percentiles
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(scenario.seed).spawn(2)[0]))
    values = parameter_draws(scenario, LOOP_DRAWS, rng)
    at_risk = clawback_contracts(system)
    bits = clawback_miss_bits(LOOP_DRAWS, at_risk.size, YEARS, scenario.clawback_miss_probability, rng)
    full = np.zeros((LOOP_DRAWS, len(system.contract_ids), YEARS), dtype=np.uint8)
    full[:, at_risk] = np.unpackbits(bits, axis=2, count=YEARS)
    kept = []
    c0, t0 = time.process_time(), time.perf_counter()
    for i in range(LOOP_DRAWS):
        d = Drivers.from_values(scenario, {k: v[i:i + 1] for k, v in values.items()}, clawback_miss=full[i:i + 1])
        proj = project(system, scenario, d, ("acute_only", "integrated"))
        kept.append({f: metrics(system, scenario, pr) for f, pr in proj.items()})
    t_loop, cpu_loop = time.perf_counter() - t0, time.process_time() - c0
    # for scale: one draw of a pure Python per-provider, per-line, per-year loop (acute-only form only)
    t0 = time.perf_counter()
    loop_acute_only(system, scenario, float(values["shift_rate_multiplier"][0]))
    t_python = time.perf_counter() - t0

    pyd = providers * YEARS
    out = dict(t_mc=t_mc, cpu_mc=cpu_mc, cpu_loop=cpu_loop * draws / LOOP_DRAWS, t_python=t_python * draws,
               peak_mb=rss_after, traced_peak_mb=traced_peak, rss_before=rss_before, t_tornado=t_tornado,
               mc_rate=pyd * draws / t_mc, loop_rate=pyd * LOOP_DRAWS / t_loop, draws=draws,
               lines=len(system.line_provider))
    out["ratio"] = out["mc_rate"] / out["loop_rate"]
    print(f"\nMonte Carlo (issue 6): {draws:,} draws x {providers} providers ({out['lines']} lines) x {YEARS} years, "
          "both forms")
    print(f"{'':44}{'wall s':>10}{'CPU s':>10}{'provider-year-draws/s':>24}")
    print(f"{'run_monte_carlo (percentiles, probabilities)':44}{t_mc:10.2f}{cpu_mc:10.2f}{out['mc_rate']:24,.0f}")
    print(f"{'per-draw loop of the deterministic engine':44}{t_loop / LOOP_DRAWS * draws:10.1f}"
          f"{out['cpu_loop']:10.1f}{out['loop_rate']:24,.0f}   (measured on {LOOP_DRAWS} draws, scaled)")
    print(f"{'pure Python loop, acute-only form only':44}{out['t_python']:10.0f}{'':10}{pyd / t_python:24,.0f}"
          "   (measured on 1 draw, scaled)")
    print(f"ratio {out['ratio']:.1f}x; peak memory allocated by the run {traced_peak:,.0f} MB (tracemalloc); "
          f"process peak RSS {rss_after:,.0f} MB (before the run {rss_before:,.0f} MB); "
          f"tornado {t_tornado:.2f} s")
    assert mc.percentiles["acute_only"]["cash_gbp_k"].shape == (5, providers, YEARS)
    return out


def test_bench_simulation():
    run()


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else DRAWS)

"""Tiny runs of the engine and Monte Carlo benchmark scripts, so that neither breaks unnoticed, and the
engine benchmark's per-line Python loop checked against the engine (it is the baseline the benchmark
compares with, so it must follow MODEL.md section 4 as the engine does: fixed cost built late, the
provider's own cost mix)."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "benchmarks"))

import bench_engine  # noqa: E402
import bench_simulation  # noqa: E402
from synthetic_system import synthetic_inputs  # noqa: E402

from strandrisk.core.engine import Drivers, metrics, project  # noqa: E402
from strandrisk.core.scenario import Scenario  # noqa: E402
from strandrisk.core.system import compile_system  # noqa: E402


def test_bench_engine_runs_small():
    out = bench_engine.run(providers=5)
    assert out["max_diff"] < 0.01


@pytest.mark.parametrize("changes", [{}, {"fixed_build_lag_years": 0, "fixed_build_rate": 1.0},
                                     {"fixed_build_lag_years": 3, "fixed_build_rate": 0.2, "cost_inflation": 0.04}])
def test_python_loop_baseline_follows_the_engine(changes):
    scenario = Scenario.from_dict({"base_year": "2025/26", "horizon_years": 8, **changes})
    system = compile_system(synthetic_inputs(8, cost_mix=True), scenario)
    scenario = scenario.with_base_year(system.base_year)
    assert not np.isnan(system.provider_variable_share).all()
    m = metrics(system, scenario, project(system, scenario, Drivers.deterministic(scenario), ("acute_only",))["acute_only"])
    surplus, stranded = bench_engine.loop_acute_only(system, scenario)
    np.testing.assert_allclose(surplus, m["surplus_gbp_k"][0], atol=1e-6)
    np.testing.assert_allclose(stranded, m["stranded_cost_gbp_k"][0], atol=1e-6)


def test_bench_simulation_runs_small():
    out = bench_simulation.run(draws=40, providers=3)
    assert out["draws"] == 40 and out["t_mc"] > 0

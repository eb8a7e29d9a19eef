"""Issue 2 benchmark: 250 providers x 10 years, deterministic run plus the break-even grid, against a
straightforward per-provider, per-line, per-year Python loop of MODEL.md section 4 (acute-only form),
measured in the same run. Run: python -m pytest tests/benchmarks/bench_engine.py -s (or as a script)."""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_system import synthetic_inputs  # noqa: E402

from strandrisk.core.engine import BREAK_EVEN_GRID, Drivers, break_even_multipliers, metrics, project  # noqa: E402
from strandrisk.core.results import no_shift_projection  # noqa: E402
from strandrisk.core.scenario import Scenario  # noqa: E402
from strandrisk.core.schema import SERVICE_LINES  # noqa: E402
from strandrisk.core.system import PAY_ACTIVITY, PAY_BLENDED, PAY_BLOCK, compile_system  # noqa: E402

PROVIDERS, YEARS = 250, 10


def loop_acute_only(sy, sc, shift_multiplier: float = 1.0):
    """Surplus and stranded cost per provider and year of the acute-only form, one number at a time."""
    H = sy.horizon
    lines = sc.service_lines
    groups: dict[int, list[int]] = {}
    for j, g in enumerate(sy.service_effect_group):
        if g >= 0:
            groups.setdefault(int(g), []).append(j)
    surplus = [[0.0] * H for _ in range(sy.n_providers)]
    stranded_out = [[0.0] * H for _ in range(sy.n_providers)]
    u, i_rate, lag_sf = sc.price_uplift, sc.cost_inflation, int(sc.semi_fixed_release_lag_years)
    for p in range(sy.n_providers):
        kappa = sy.kappa[p]
        mine = list(np.flatnonzero(sy.line_provider == p))
        # the provider's own cost mix scales the scenario's profile (MODEL.md section 4)
        value_total = sum(sy.line_value[k] for k in mine)
        scale = {}
        for key, given, cap in (("variable_share", sy.provider_variable_share[p], 0.95),
                                ("semi_fixed_share", sy.provider_semi_fixed_share[p], 1.0)):
            mean = sum(sy.line_value[k] * lines[SERVICE_LINES[sy.line_service[k]]][key] for k in mine)
            mean = mean / value_total if value_total > 0 else 0.0
            scale[key] = (given / mean, cap) if not math.isnan(given) and mean > 0 else None
        income = [sy.other_income0[p] * (1 + u) ** t for t in range(1, H + 1)]
        cost = [kappa * sy.other_income0[p] * (1 + i_rate) ** t for t in range(1, H + 1)]
        stranded = [0.0] * H
        for k in mine:
            line = lines[SERVICE_LINES[sy.line_service[k]]]
            shift = min(1.0, line["shift_rate"] * shift_multiplier)
            g = line["demand_growth"]
            v = line["variable_share"]
            sf = line["semi_fixed_share"]
            if scale["variable_share"] is not None:
                v = min(scale["variable_share"][1], v * scale["variable_share"][0])
            if scale["semi_fixed_share"] is not None:
                sf = sf * scale["semi_fixed_share"][0]
            if scale["variable_share"] is not None or scale["semi_fixed_share"] is not None:
                sf = min(sf, 1 - v)
            f = 1 - v - sf
            A0, value, price0 = sy.line_activity0[k], sy.line_value[k], sy.line_price0[k]
            D = line["step_share"] * A0
            c0 = kappa * value / A0
            F_prev = f * c0 * A0
            needed = [math.ceil(A0 / D - 1e-9)]
            A_prev = A0
            for t in range(1, H + 1):
                effect = 0.0
                for j in groups.get(int(sy.line_effect_group[k]), []):
                    if sy.service_start[j] <= t <= sy.service_end[j]:
                        budget = sy.service_budget[j] * (1 + u) ** t
                        ramp = sy.service_ramp_years[j]
                        frac = 1.0 if ramp <= 0 else min(1.0, max(0.0, (t - sy.service_t0[j] + 1) / ramp))
                        effect += sy.service_avoided_per_m[j] * budget / 1000 * frac
                effect *= sy.line_effect_weight[k]
                A = max(0.0, A0 * (1 + g) ** t * (1 - shift) ** t - effect)
                P, V = price0 * (1 + u) ** t, value * (1 + u) ** t
                C = sy.line_ceiling[k]
                over = sy.line_marginal_rate[k] * P * max(0.0, A - C)
                pay = sy.line_payment[k]
                if pay == PAY_ACTIVITY:
                    inc = P * min(A, C) + over
                elif pay == PAY_BLENDED:
                    inc = V + sy.line_variable_share[k] * P * (min(A, C) - A0) + over
                elif pay == PAY_BLOCK:
                    inc = V + over if t <= sy.line_end[k] else (P * A_prev if sy.line_rebase[k] else V + over)
                else:
                    inc = value * (1 + g) ** t * (1 + u) ** t
                inc -= sc.clawback_miss_probability * sy.line_clawback_share[k] * V
                c = c0 * (1 + i_rate) ** t
                E = c * A
                N = math.ceil(A / D - 1e-9)
                needed.append(N)
                R = max(needed[max(0, t - lag_sf):t + 1])
                Fs = f * E
                carried = F_prev * (1 + i_rate)
                if Fs < carried:  # released late
                    rate = 0.0 if t <= sc.fixed_release_lag_years else sc.fixed_release_rate
                    F = Fs + (carried - Fs) * (1 - rate)
                else:  # built late
                    rate = 0.0 if t <= sc.fixed_build_lag_years else sc.fixed_build_rate
                    F = carried + (Fs - carried) * rate
                income[t - 1] += inc
                cost[t - 1] += v * E + R * D * sf * c + F
                stranded[t - 1] += max(0.0, F - Fs) + (R - N) * D * sf * c
                F_prev, A_prev = F, A
        surplus[p] = [a - b for a, b in zip(income, cost)]
        stranded_out[p] = stranded
    return np.array(surplus), np.array(stranded_out)


def run(providers: int = PROVIDERS) -> dict:
    scenario = Scenario.from_dict({"base_year": "2025/26", "horizon_years": YEARS})
    inputs = synthetic_inputs(providers)
    system = compile_system(inputs, scenario)
    scenario = scenario.with_base_year(system.base_year)
    n_lines = len(system.line_provider)

    # what run_deterministic does: the run with its components, the no-shift twin with its components
    t0 = time.perf_counter()
    proj = project(system, scenario, Drivers.deterministic(scenario), components=True)
    forms = {f: metrics(system, scenario, pr) for f, pr in proj.items()}
    no_shift_projection(system, scenario)
    t_det = time.perf_counter() - t0
    c0, t0 = time.process_time(), time.perf_counter()
    be = break_even_multipliers(system, scenario)
    t_be, cpu_be = time.perf_counter() - t0, time.process_time() - c0
    walked = len(BREAK_EVEN_GRID) if np.isnan(be["integrated"]).any() or np.isnan(be["acute_only"]).any() \
        else int(max(np.nanmax(be["acute_only"]), np.nanmax(be["integrated"])) / 0.01) + 1

    t0 = time.perf_counter()
    surplus, stranded = loop_acute_only(system, scenario)
    t_loop = time.perf_counter() - t0
    diff = max(np.max(np.abs(surplus - forms["acute_only"]["surplus_gbp_k"][0])),
               np.max(np.abs(stranded - forms["acute_only"]["stranded_cost_gbp_k"][0])))
    # the loop covers one form (acute-only) once; the engine did all three forms, then the grid
    loop_total = t_loop * (1 + walked)
    engine_total = t_det + t_be
    pys = providers * YEARS
    out = dict(lines=n_lines, t_det=t_det, t_be=t_be, walked=walked, t_loop=t_loop, loop_total=loop_total,
               engine_total=engine_total, ratio=loop_total / engine_total, det_ratio=t_loop / t_det,
               engine_pys=pys * (1 + walked) / engine_total, loop_pys=pys / t_loop, max_diff=diff)
    print(f"\nEngine (issue 2): {providers} providers, {n_lines} contract lines, {YEARS} years")
    print(f"{'':34}{'seconds':>10}{'provider-years/s':>20}")
    print(f"{'engine run + twin, with components':34}{t_det:10.3f}{pys / t_det:20,.0f}")
    print(f"{'engine break-even grid':34}{t_be:10.3f}{pys * walked / t_be:20,.0f}   ({walked} grid points walked, "
          f"{cpu_be:.2f} s CPU)")
    print(f"{'engine total':34}{engine_total:10.3f}{out['engine_pys']:20,.0f}")
    print(f"{'Python loop, acute-only, one run':34}{t_loop:10.3f}{out['loop_pys']:20,.0f}")
    print(f"{'Python loop, run + same grid (est.)':34}{loop_total:10.1f}")
    print(f"ratio loop/engine: deterministic {out['det_ratio']:.0f}x (engine doing 3 forms), "
          f"with break-even {out['ratio']:.0f}x; loop agrees with the engine to {diff:.2e} GBP k")
    return out


def test_bench_engine():
    out = run()
    assert out["max_diff"] < 0.01  # the baseline is a faithful implementation, so the comparison is fair


if __name__ == "__main__":
    run()

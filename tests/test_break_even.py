"""The break-even grid: evaluating many multipliers at once gives what one-at-a-time runs give."""

import numpy as np
import pytest

from strandrisk.core.engine import Drivers, break_even_multipliers, project
from strandrisk.core.scenario import Scenario
from strandrisk.core.system import compile_system
from strandrisk.io.spreadsheets.load import load_sample


@pytest.mark.parametrize("capitation", [True, False])
def test_grid_draws_equal_single_runs(capitation):
    scenario = Scenario.from_dict({"integrated_capitation": capitation, "gp_gain_share": 0.7})
    system = compile_system(load_sample().inputs, scenario)
    scenario = scenario.with_base_year(system.base_year)
    grid = np.array([0.0, 0.5, 1.0, 2.5, 7.0])
    together = project(system, scenario, Drivers.from_values(scenario, {"shift_rate_multiplier": grid}))
    shared = Drivers.deterministic(scenario, 1)  # the grid's form: one value of every other driver
    shared.shift_rate_multiplier = grid
    broadcast = project(system, scenario, shared)
    for i, m in enumerate(grid):
        alone = project(system, scenario, Drivers.from_values(scenario, {"shift_rate_multiplier": [m]}))
        for form in together:
            for key in ("income", "cost", "stranded", "surplus", "cash"):
                np.testing.assert_allclose(getattr(together[form], key)[i], getattr(alone[form], key)[0],
                                           rtol=1e-12, atol=1e-9, err_msg=f"{form} {key} at {m}")
                np.testing.assert_allclose(getattr(broadcast[form], key)[i], getattr(alone[form], key)[0],
                                           rtol=1e-12, atol=1e-9, err_msg=f"{form} {key} at {m}, shared")


def test_break_even_is_the_first_grid_point_with_a_negative_cumulative_surplus():
    scenario = Scenario.from_dict({"service_lines": {"outpatients": {"shift_rate": 0.06}}})
    system = compile_system(load_sample().inputs, scenario)
    scenario = scenario.with_base_year(system.base_year)
    found = break_even_multipliers(system, scenario, chunk=7)
    grid = np.round(np.arange(0, 1001) * 0.01, 2)
    proj = project(system, scenario, Drivers.from_values(scenario, {"shift_rate_multiplier": grid}),
                   ("acute_only", "integrated"))
    for form in ("acute_only", "integrated"):
        negative = proj[form].surplus.sum(axis=2) < 0  # (grid, P)
        expected = np.where(negative.any(axis=0), grid[np.argmax(negative, axis=0)], np.nan)
        np.testing.assert_array_equal(found[form], expected)


def test_shift_curve_is_the_grid_walked_at_least_to_3x():
    from strandrisk.core.engine import BREAK_EVEN_GRID, shift_curve

    scenario = Scenario.from_dict({})
    system = compile_system(load_sample().inputs, scenario)
    scenario = scenario.with_base_year(system.base_year)
    curve = shift_curve(system, scenario, chunk=50, workers=2)
    M = len(curve.multipliers)
    assert curve.multipliers[-1] >= 3.0
    np.testing.assert_array_equal(curve.multipliers, BREAK_EVEN_GRID[:M])
    proj = project(system, scenario, Drivers.from_values(scenario, {"shift_rate_multiplier": curve.multipliers}),
                   ("acute_only", "integrated"))
    for form in ("acute_only", "integrated"):
        np.testing.assert_allclose(curve.cumulative_surplus[form], proj[form].surplus.sum(axis=2), rtol=1e-12)
        np.testing.assert_array_equal(curve.break_even[form], break_even_multipliers(system, scenario)[form])

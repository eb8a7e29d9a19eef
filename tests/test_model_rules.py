"""Issue 18's model rules on the worked example: the provider's own cost mix, no integration cost for a
service the provider already holds, and fixed cost built late (MODEL.md section 4)."""

import numpy as np
import pytest

from strandrisk.core import schema
from strandrisk.core.engine import provider_cost_mix
from strandrisk.core.inputs import ModelInputs, Table
from strandrisk.core.results import run_deterministic
from strandrisk.core.scenario import Scenario
from strandrisk.core.schema import SERVICE_LINES
from strandrisk.core.system import compile_system

from . import worked_example as we

SCENARIO = Scenario.from_dict({"base_year": "2025/26"})


def _inputs(provider_changes=None, service_changes=None) -> ModelInputs:
    providers = [dict(p, **(provider_changes or {})) for p in we.PROVIDERS]
    services = [dict(s, **(service_changes or {})) for s in we.SERVICES]
    return ModelInputs(Table.from_records(schema.PROVIDERS, providers), Table.from_records(schema.CASH_BALANCES, we.CASH),
                       Table.from_records(schema.BLOCK_CONTRACTS, we.CONTRACTS),
                       Table.from_records(schema.COMMUNITY_BUDGETS, services))


def _profile(key):
    return np.array([SCENARIO.service_lines[line][key] for line in SERVICE_LINES])


def test_own_cost_mix_keeps_the_profile_and_matches_the_register():
    sy = compile_system(_inputs({"variable_share": 0.45, "semi_fixed_share": 0.2}), SCENARIO)
    v_def, sf_def = _profile("variable_share")[sy.line_service], _profile("semi_fixed_share")[sy.line_service]
    v, sf = provider_cost_mix(sy, v_def, sf_def)
    w = sy.line_value / sy.line_value.sum()
    assert np.sum(w * v) == pytest.approx(0.45) and np.sum(w * sf) == pytest.approx(0.2)
    np.testing.assert_allclose(v / v_def, 0.45 / np.sum(w * v_def))  # the same shape across service lines
    np.testing.assert_allclose(sf / sf_def, 0.2 / np.sum(w * sf_def))
    blank = compile_system(_inputs(), SCENARIO)
    v0, sf0 = provider_cost_mix(blank, v_def, sf_def)
    np.testing.assert_array_equal(v0, v_def)
    np.testing.assert_array_equal(sf0, sf_def)


def test_own_cost_mix_is_capped_and_leaves_room_for_fixed_cost():
    sy = compile_system(_inputs({"variable_share": 0.9, "semi_fixed_share": 0.6}), SCENARIO)
    v, sf = provider_cost_mix(sy, _profile("variable_share")[sy.line_service], _profile("semi_fixed_share")[sy.line_service])
    assert np.all(v <= 0.95) and np.all(v + sf <= 1.0 + 1e-12)


def test_a_higher_variable_share_releases_more_cost_with_the_shift():
    low = run_deterministic(_inputs({"variable_share": 0.2}), SCENARIO, break_even=False)
    high = run_deterministic(_inputs({"variable_share": 0.6}), SCENARIO, break_even=False)
    assert high.shift_bridge("acute_only", 0)["variable_cost"] > low.shift_bridge("acute_only", 0)["variable_cost"]
    assert high.forms["acute_only"]["npv_stranded_gbp_k"][0] < low.forms["acute_only"]["npv_stranded_gbp_k"][0]


def test_no_integration_cost_for_a_service_the_provider_already_holds():
    taken_on = run_deterministic(_inputs(), SCENARIO, break_even=False)
    held = run_deterministic(_inputs(service_changes={"holder_provider_code": "ZX1"}), SCENARIO, break_even=False)
    assert np.all(held.components["integrated"]["integration_cost"] == 0)
    assert held.form_bridge(0)["integration_cost"] == 0
    assert taken_on.form_bridge(0)["integration_cost"] == pytest.approx(we.FORM_BRIDGE["integration_cost"], abs=0.051)
    gain = (held.forms["integrated"]["cumulative_surplus_gbp_k"][0]
            - taken_on.forms["integrated"]["cumulative_surplus_gbp_k"][0])
    assert gain == pytest.approx(-we.FORM_BRIDGE["integration_cost"], abs=0.051)


def test_fixed_cost_is_built_late_and_never_stranded_below_its_efficient_level():
    """With demand growing and no shift, fixed cost stays flat for the build lag, then closes half the gap a
    year; stranded cost is zero throughout (fixed cost below its efficient level is not stranded)."""
    flat = {line: {"shift_rate": 0.0} for line in SERVICE_LINES}
    sc = Scenario.from_dict({"base_year": "2025/26", "service_lines": flat, "cost_inflation": 0.0})
    inputs = _inputs(service_changes={"activity_avoided_per_gbp_m": 0})
    late = run_deterministic(inputs, sc, break_even=False)
    at_once = run_deterministic(inputs, sc.replace(fixed_build_lag_years=0, fixed_build_rate=1.0), break_even=False)
    F, F_star = late.components["acute_only"]["fixed_cost"][0], at_once.components["acute_only"]["fixed_cost"][0]
    assert np.all(late.forms["acute_only"]["stranded_cost_gbp_k"][0] == 0)
    sy = late.system
    f_share = 1 - _profile("variable_share")[sy.line_service] - _profile("semi_fixed_share")[sy.line_service]
    F0 = np.sum(f_share * sy.kappa[0] * sy.line_value)  # base-year fixed cost (no inflation)
    expected, previous = [], F0
    for t, target in enumerate(F_star, start=1):  # every line grows, so the sums follow the same rule
        previous = previous + (0.0 if t <= 1 else 0.5) * (target - previous)
        expected.append(previous)
    np.testing.assert_allclose(F, expected, rtol=1e-12)
    assert np.all(F < F_star) and np.all(np.diff(F_star) > 0)

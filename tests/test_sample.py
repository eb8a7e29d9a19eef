"""The built-in sample shows the range of answers: a trust in surplus with a real break-even, trusts already
in deficit with no shift, and a second shipped scenario for Compare."""

import json

import numpy as np

from strandrisk.cli import main
from strandrisk.core.results import run_deterministic
from strandrisk.core.scenario import Scenario
from strandrisk.io.spreadsheets.load import load_sample
from strandrisk.io.spreadsheets.sample_scenarios import sample_scenarios


def test_sample_has_a_real_break_even_and_fictional_codes():
    result = run_deterministic(load_sample().inputs, Scenario.default())
    assert all(str(code).startswith("Z") for code in result.provider_codes)
    ao = result.forms["acute_only"]
    no_shift = result.shift_curve.at("acute_only", 0.0)
    acute_today = [p for p in range(result.system.n_providers) if result.system.form_actual[p] == "acute_only"]
    real = [p for p in acute_today if no_shift[p] > 0 and 0 < result.break_even["acute_only"][p] < 10]
    assert real, "an acute-only trust in surplus with no shift, with a break-even between 0 and 10"
    assert any(result.break_even["acute_only"][p] == 0 for p in acute_today)
    np.testing.assert_allclose(ao["cumulative_surplus_gbp_k"] - no_shift, ao["shift_impact_gbp_k"])


def test_sample_ships_a_faster_shift_scenario(tmp_path):
    shipped = sample_scenarios()
    assert list(shipped)[:2] == ["Base case", "Faster shift"]
    base = run_deterministic(load_sample().inputs, Scenario.from_dict(shipped["Base case"]))
    faster = run_deterministic(load_sample().inputs, Scenario.from_dict(shipped["Faster shift"]))
    assert not np.allclose(base.forms["acute_only"]["cumulative_surplus_gbp_k"],
                           faster.forms["acute_only"]["cumulative_surplus_gbp_k"])
    out = tmp_path / "faster.json"
    assert main(["run", "--sample", "--scenario", "Faster shift", "--simulations", "0", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["scenario"]["name"] == "Faster shift"
    zb2 = next(p for p in doc["providers"] if p["provider_code"] == "ZB2")["forms"]["acute_only"]
    p = faster.provider_codes.index("ZB2")
    assert zb2["shift_impact_gbp_k"] == faster.forms["acute_only"]["shift_impact_gbp_k"][p]
    assert zb2["break_even_shift_multiplier"] == faster.break_even["acute_only"][p]

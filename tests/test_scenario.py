"""Scenario file: defaults, and one clear message naming the key for every kind of bad value."""

import json

import pytest

from strandrisk.cli import main
from strandrisk.core.scenario import SETTINGS, Scenario, ScenarioError


def test_defaults_match_model_section_6():
    s = Scenario.default()
    assert (s.horizon_years, s.discount_rate, s.price_uplift, s.cost_inflation) == (5, 0.035, 0.02, 0.02)
    assert (s.semi_fixed_release_lag_years, s.fixed_release_lag_years, s.fixed_release_rate) == (1, 2, 0.25)
    assert (s.clawback_miss_probability, s.outcomes_achievement, s.gp_gain_share, s.repurpose_share) == (0.3, 0.8, 0.5, 0.5)
    assert s.integrated_capitation is True
    assert (s.vat_rate, s.subcontract_share, s.integration_one_off_share, s.integration_recurring_share) == (0.2, 0.3, 0.05, 0.01)
    assert (s.min_cash_days, s.idle_cash_days, s.simulations, s.seed) == (10, 60, 10000, 2014)
    assert s.service_lines["non_elective"] == dict(demand_growth=0.025, shift_rate=0.02, variable_share=0.30,
                                                   semi_fixed_share=0.30, step_share=0.05)
    assert s.rating_bands["capital_service_cover"] == [2.5, 1.75, 1.25]
    assert set(s.uncertainty) >= {"shift_rate_multiplier", "fixed_release_lag_years", "outcomes_achievement"}
    assert s.is_default("discount_rate")


@pytest.mark.parametrize("data, fragment", [
    ({"horizon": 5}, "unknown scenario key 'horizon' (did you mean 'horizon_years'?)"),
    ({"discount_rate": "3.5%"}, "Discount rate (discount_rate) must be a number"),
    ({"integrated_capitation": "yes"}, "Capitated integrated form (integrated_capitation) must be true or false"),
    ({"repurpose_share": 1.5}, "Repurposed stranded cost (repurpose_share) is 1.5 (150%): it must be between 0 and 1 (0% to 100%)"),
    ({"horizon_years": -1}, "Horizon (horizon_years) is -1: the horizon cannot be negative"),
    ({"horizon_years": 2.5}, "Horizon (horizon_years) is 2.5: it must be a whole number"),
    ({"base_year": "2025"}, "Base year (base_year) is '2025': write a financial year like 2025/26"),
    ({"service_lines": {"elective": {"variable_share": 0.8, "semi_fixed_share": 0.3}}},
     "Elective service line (service_lines.elective): variable cost share (variable_share) + semi-fixed cost "
     "share (semi_fixed_share) is 1.1, above 1"),
    ({"service_lines": {"elective": {"shift_rate": -0.1}}}, "Elective shift rate (service_lines.elective.shift_rate) is -0.1"),
    ({"service_lines": {"maternity": {}}}, "unknown service line 'service_lines.maternity'"),
    ({"service_lines": {"elective": {"shift": 0.1}}}, "unknown scenario key 'service_lines.elective.shift'"),
    ({"rating_bands": {"ie_margin": [0, 0.01, -0.01]}}, "I&E margin rating bands (rating_bands.ie_margin) must be in falling order"),
    ({"uncertainty": {"shift_rate_multiplier": {"dist": "triangular", "low": 2, "mode": 1, "high": 3}}},
     "Shift rate multiplier range (uncertainty.shift_rate_multiplier): need low <= mode <= high"),
    ({"uncertainty": {"price_uplift": {"dist": "beta"}}}, "Price uplift range distribution (uncertainty.price_uplift.dist) must be one of Triangular (triangular)"),
    ({"uncertainty": {"shift_rate": {"dist": "uniform", "low": 0, "high": 1}}},
     "unknown uncertainty parameter 'uncertainty.shift_rate'"),
])
def test_bad_values_name_the_key(data, fragment):
    with pytest.raises(ScenarioError) as err:
        Scenario.from_dict(data)
    assert fragment in str(err.value)


def test_every_setting_has_unit_group_and_help():
    for s in SETTINGS:
        assert s.label and s.group and s.help, s.key


def test_round_trip_keeps_values_and_defaults():
    s = Scenario.from_dict({"name": "Shift doubles", "base_year": "2025/26",
                            "service_lines": {"outpatients": {"shift_rate": 0.06}}})
    again = Scenario.from_dict(json.loads(json.dumps(s.to_dict())))
    assert again.to_dict() == s.to_dict()
    assert again.service_lines["outpatients"]["shift_rate"] == 0.06


def test_cli_reports_a_bad_scenario_in_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"shift_rate": 0.1}))
    assert main(["run", "--sample", "--simulations", "0", "--scenario", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unknown scenario key 'shift_rate'" in err and "Traceback" not in err


def test_cli_reports_broken_json_in_one_line(tmp_path, capsys):
    bad = tmp_path / "broken.json"
    bad.write_text("{\"horizon_years\": 5,,}")
    assert main(["run", "--sample", "--simulations", "0", "--scenario", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "not valid JSON" in err


def test_cli_refuses_a_report_in_a_missing_folder_before_running(tmp_path, capsys):
    code = main(["run", "--sample", "--simulations", "0", "--out", str(tmp_path / "nowhere" / "r.xlsx")])
    captured = capsys.readouterr()
    assert code == 2 and "does not exist" in captured.err
    assert captured.out == ""  # nothing was run or printed first

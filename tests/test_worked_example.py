"""MODEL.md section 8 reproduced to GBP 0.1k, through the engine and through the command line."""

import json

import numpy as np
import pytest

from strandrisk.cli import main
from strandrisk.core.bridges import COMPONENTS
from strandrisk.core.results import run_deterministic
from strandrisk.core.scenario import Scenario

from . import worked_example as we

SCENARIO = {"base_year": "2025/26"}


@pytest.mark.parametrize("changes, figures", [({}, we.EXPECTED_BUILT_LATE), (we.BEFORE_BUILD_RULE, we.EXPECTED_BEFORE_BUILD_RULE)],
                         ids=["fixed cost built late", "before the build rule"])
def test_engine_reproduces_worked_example(changes, figures):
    result = run_deterministic(we.inputs(), Scenario.from_dict({**SCENARIO, **changes}))
    assert result.years == ["2026/27", "2027/28", "2028/29", "2029/30", "2030/31"]
    for form, expected in figures.items():
        m = result.forms[form]
        for key in ("income_gbp_k", "stranded_cost_gbp_k", "surplus_gbp_k", "cash_gbp_k"):
            np.testing.assert_allclose(m[key][0], expected[key], atol=0.051, err_msg=f"{form} {key}")
        assert list(m["rating_finance"][0]) == expected["finance"]
        assert m["npv_stranded_gbp_k"][0] == pytest.approx(expected["npv"], abs=0.051)
        be = result.break_even[form][0]
        assert (np.isnan(be) if expected["break_even"] is None else be == expected["break_even"])
        assert m["shift_impact_gbp_k"][0] == pytest.approx(expected["shift_impact"], abs=0.051)
        assert result.first_liquidity_risk_year(form, 0) == expected["first_liquidity_risk_year"]
    ao = result.forms["acute_only"]
    expected = figures["acute_only"]
    assert ao["cumulative_surplus_gbp_k"][0] == pytest.approx(expected["cumulative"], abs=0.051)
    no_shift = result.shift_curve.at("acute_only", 0.0)[0]
    assert no_shift == pytest.approx(expected["no_shift_cumulative"], abs=0.051)
    t = result.years.index(expected["first_liquidity_risk_year"])
    assert ao["liquidity_days"][0][t] == pytest.approx(expected["liquidity_days_then"], abs=0.051)
    assert not ao["liquidity_risk"][0][:t].any()


def test_worked_example_bridges():
    """Both bridges of MODEL.md section 8 to GBP 0.1k, component by component, and their totals."""
    result = run_deterministic(we.inputs(), Scenario.from_dict(SCENARIO))
    for form, expected in we.SHIFT_BRIDGE.items():
        found = result.shift_bridge(form, 0)
        assert list(found) == list(COMPONENTS)
        for name in COMPONENTS:
            assert found[name] == pytest.approx(expected.get(name, 0.0), abs=0.051), f"{form} {name}"
        assert sum(found.values()) == pytest.approx(we.EXPECTED_BUILT_LATE[form]["shift_impact"], abs=0.051)
    found = result.form_bridge(0)
    for name in COMPONENTS:
        assert found[name] == pytest.approx(we.FORM_BRIDGE.get(name, 0.0), abs=0.051), name
    assert sum(found.values()) == pytest.approx(we.FORM_BRIDGE_TOTAL, abs=0.051)
    difference = (result.forms["integrated"]["cumulative_surplus_gbp_k"][0]
                  - result.forms["acute_only"]["cumulative_surplus_gbp_k"][0])
    assert sum(found.values()) == pytest.approx(difference, abs=1e-6)


def test_shift_impact_and_first_liquidity_year_by_hand():
    """Shift impact is the cumulative surplus minus a run with every shift rate at 0; the first liquidity
    risk year is the first year with cash below the minimum days of cost."""
    scenario = Scenario.from_dict(SCENARIO)
    result = run_deterministic(we.inputs(), scenario)
    lines = {name: {"shift_rate": 0.0} for name in scenario.service_lines}
    no_shift = run_deterministic(we.inputs(), Scenario.from_dict({**SCENARIO, "service_lines": lines}),
                                 break_even=False)
    for form in ("acute_only", "integrated", "community_only"):
        m = result.forms[form]
        by_hand = m["surplus_gbp_k"][0].sum() - no_shift.forms[form]["surplus_gbp_k"][0].sum()
        assert m["shift_impact_gbp_k"][0] == pytest.approx(by_hand, abs=1e-6)
        days = m["cash_gbp_k"][0] / (m["cost_gbp_k"][0] / 365)
        below = [y for y, d in zip(result.years, days) if d < scenario.min_cash_days]
        assert result.first_liquidity_risk_year(form, 0) == (below[0] if below else None)
    assert no_shift.shift_curve is None and no_shift.forms["acute_only"]["shift_impact_gbp_k"][0] == 0.0


def test_cli_reproduces_worked_example_from_template_workbook(tmp_path, capsys):
    book = we.write_template_workbook(tmp_path / "worked.xlsx")
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps(SCENARIO))
    out = tmp_path / "results.json"
    code = main(["run", str(book), "--scenario", str(scenario), "--simulations", "0", "--json", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "ZX1" in printed and "Acute-only" in printed and "Integrated" in printed
    doc = json.loads(out.read_text())
    assert doc["years"][0] == "2026/27"
    assert doc["inputs"][0]["file"] == "worked.xlsx" and len(doc["inputs"][0]["sha256"]) == 64
    (prov,) = doc["providers"]
    assert prov["provider_code"] == "ZX1" and prov["form_actual"] == "acute_only"
    for form, expected in we.EXPECTED_BUILT_LATE.items():
        r = prov["forms"][form]
        for key in ("income_gbp_k", "stranded_cost_gbp_k", "surplus_gbp_k", "cash_gbp_k"):
            np.testing.assert_allclose(r[key], expected[key], atol=0.051, err_msg=f"{form} {key}")
        assert r["ratings"]["finance"] == expected["finance"]
        assert r["npv_stranded_gbp_k"] == pytest.approx(expected["npv"], abs=0.051)
        assert r["break_even_shift_multiplier"] == expected["break_even"]
        assert r["shift_impact_gbp_k"] == pytest.approx(expected["shift_impact"], abs=0.051)
        assert r["first_liquidity_risk_year"] == expected["first_liquidity_risk_year"]
        assert set(r) >= {"liquidity_days", "ie_margin", "capital_service_cover", "sof_liquidity_days",
                          "liquidity_risk", "idle_cash", "cumulative_surplus_gbp_k"}
        assert r["sof_liquidity_days"] == [None] * 5  # no working capital in the register
        assert list(r["components_gbp_k"]) == list(COMPONENTS) == list(r["no_shift_components_gbp_k"])
        assert all(len(v) == 5 for v in r["components_gbp_k"].values())
        for name in COMPONENTS:
            assert r["shift_bridge_gbp_k"][name] == pytest.approx(we.SHIFT_BRIDGE[form].get(name, 0.0), abs=0.051)
    for name in COMPONENTS:
        assert prov["form_bridge_gbp_k"][name] == pytest.approx(we.FORM_BRIDGE.get(name, 0.0), abs=0.051)

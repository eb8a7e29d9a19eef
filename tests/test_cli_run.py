"""`strandrisk run`'s printed summary: statuses, both bridges per provider and the biggest driver per metric."""

import re

import pytest

from strandrisk.cli import main
from strandrisk.core.bridges import COMPONENT_LABELS
from strandrisk.core.labels import FORM_LABELS
from strandrisk.core.results import run_deterministic
from strandrisk.core.scenario import Scenario
from strandrisk.core.simulation import TORNADO_METRIC_LABELS, TORNADO_METRICS, tornado
from strandrisk.io.spreadsheets.load import load_inputs, sample_paths


@pytest.fixture(scope="module")
def sample_result():
    result = run_deterministic(load_inputs([str(p) for p in sample_paths()]).inputs, Scenario.default())
    result.tornado = tornado(result.system, result.scenario)
    return result


@pytest.fixture(scope="module")
def printed(sample_result):
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["run", "--sample", "--simulations", "0"]) == 0
    return out.getvalue()


def _signed(x):
    return "0" if abs(x) < 0.5 else f"{'-' if x < 0 else '+'}{abs(x):,.0f}"


def _line(text, code, which):
    found = re.findall(rf"^{code}\s+{re.escape(which)}\s+(\S+) = (.*)$", text, re.M)
    assert len(found) == 1, (code, which, text)
    return found[0]


def test_run_prints_each_providers_bridges_adding_up_to_the_headline(printed, sample_result):
    result = sample_result
    for p, code in enumerate(result.provider_codes):
        for form in result.provider_forms(p):
            total, effects = _line(printed, code, f"shift, {FORM_LABELS[form].lower()}")
            assert total == _signed(result.forms[form]["shift_impact_gbp_k"][p])
            bridge = result.shift_bridge(form, p)
            biggest = max(bridge, key=lambda name: abs(bridge[name]))
            if abs(bridge[biggest]) >= 0.5:
                assert effects.startswith(f"{COMPONENT_LABELS[biggest]} {_signed(bridge[biggest])}")
        if "integrated" in result.provider_forms(p):
            total, effects = _line(printed, code, "integrated - acute-only")
            difference = (result.forms["integrated"]["cumulative_surplus_gbp_k"][p]
                          - result.forms["acute_only"]["cumulative_surplus_gbp_k"][p])
            assert total == _signed(difference)
            named = re.findall(r"([A-Za-z -]+?) ([+-][\d,]+|0)(?:, |$)", effects)
            assert len(named) <= 4  # three largest named, the rest summed
            assert sum(int(v.replace(",", "")) for _n, v in named) == pytest.approx(difference, abs=len(named))


def test_run_prints_the_biggest_driver_of_each_metric(printed, sample_result):
    result = sample_result
    block = printed[printed.index("Biggest driver of each metric"):]
    header = block.splitlines()[2]
    for metric in TORNADO_METRICS:
        assert TORNADO_METRIC_LABELS[metric] in header
    za1 = result.provider_codes.index("ZA1")
    row = next(line for line in block.splitlines() if re.match(r"ZA1\s+Acute-only\s", line))
    for metric in TORNADO_METRICS:
        top = result.tornado.ranked("acute_only", za1, by=metric)[0]
        assert f"{top['label']}: {top[f'swing_{metric}']:,.0f}" in row


def test_run_names_no_single_metric_driver_beside_the_simulation(capsys):
    assert main(["run", "--sample", "--simulations", "200"]) == 0
    printed = capsys.readouterr().out
    simulation = printed[printed.index("Monte Carlo:"):]
    assert "Biggest driver of each metric" in printed and "Biggest driver" not in simulation
    # every headline figure's range, with the single deterministic projection beside it
    header = next(line for line in simulation.splitlines() if line.startswith("Provider"))
    for label in ("NPV of stranded cost", "Cumulative surplus", "Closing cash"):
        assert f"{label} P5/P50/P95" in header
    row = next(line for line in simulation.splitlines() if re.match(r"ZA1\s+Acute-only\s", line))
    assert len(re.findall(r"\[\(?[\d,]+\)?\]", row)) == 3


def test_run_prints_statuses_with_cash(tmp_path, capsys):
    """The issue's case, under the fixed-cost rule it was found with (built at once): ZG7 integrated is rated
    1 but below the minimum cash days from 2026/27, so amber; ZG7 acute-only has negative cash, so red."""
    scenario = tmp_path / "built at once.json"
    scenario.write_text('{"fixed_build_lag_years": 0, "fixed_build_rate": 1}', encoding="utf-8")
    assert main(["run", "--sample", "--simulations", "0", "--scenario", str(scenario)]) == 0
    printed = capsys.readouterr().out
    rows = {tuple(line.split()[:2]): line.split()[2:] for line in printed.splitlines()
            if re.match(r"^Z[A-G]\d\s+(Acute-only|Integrated|Community-only)\s+(green|amber|red)\s", line)}
    assert rows[("ZG7", "Acute-only")][0] == "red"
    assert rows[("ZG7", "Acute-only")][4].startswith("(")  # closing cash below zero
    assert rows[("ZG7", "Integrated")][0] == "amber"
    assert rows[("ZG7", "Integrated")][5:7] == ["2026/27", "1"]  # cash short from 2026/27 with the best rating
    assert "Status: Red when cash is negative" in printed

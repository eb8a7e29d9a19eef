"""Messy files (title rows, own headers, £ strings, wide cash, totals, hidden sheets, other encodings)
give the same model results as the template form of the same data."""

import numpy as np
import pytest

from strandrisk.core.results import run_deterministic
from strandrisk.core.scenario import Scenario
from strandrisk.io.spreadsheets.load import load_inputs, load_sample

from . import fixtures_messy as fm

SCENARIO = Scenario.from_dict({"base_year": "2025/26"})
METRICS = ("income_gbp_k", "cost_gbp_k", "stranded_cost_gbp_k", "surplus_gbp_k", "cash_gbp_k")


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    paths = fm.write_messy_set(tmp_path_factory.mktemp("messy"))
    return load_inputs(paths)


def _by_key(table, key):
    return {r[key]: r for r in table.records()}


def test_messy_files_read_without_errors(messy):
    errors = [str(p) for p in messy.problems if p.severity == "error"]
    assert errors == []
    kinds = {s.sheet: s.kind for s in messy.sheets}
    assert kinds["Register 2025-26"] == "providers" and kinds["Lists"] is None and kinds["Old"] is None
    assert {kinds["Cash 1"], kinds["Cash 2"], kinds["Cash 3"]} == {"cash_balances"}
    notes = {s.sheet: " ".join(s.notes) for s in messy.sheets}
    assert "hidden sheet ignored" in notes["Lists"] and "very hidden" in notes["Old"]
    assert "wide cash unpivoted" in notes["Cash 1"]
    assert "Windows-1252" in notes["contracts"] and "semicolon" in notes["contracts"]
    assert "UTF-16" in notes["community export"]
    totals = [p for p in messy.problems if "totals row" in p.message]
    assert {p.sheet for p in totals} == {"Register 2025-26", "contracts"}
    register = next(s for s in messy.sheets if s.sheet == "Register 2025-26")
    assert register.header_row == 4 and "Notes" in register.unmapped
    assert register.mapping["Total Income (£m)"] == "operating_income_gbp_k"


def test_messy_values_equal_sample_values(messy):
    sample = load_sample().inputs
    for key in ("providers", "block_contracts", "community_budgets"):
        id_col = {"providers": "provider_code", "block_contracts": None, "community_budgets": "service_id"}[key]
        got, want = messy.inputs.table(key).records(), sample.table(key).records()
        assert len(got) == len(want)
        if id_col:
            got, want = sorted(got, key=lambda r: r[id_col]), sorted(want, key=lambda r: r[id_col])
        for g, w in zip(got, want):
            for name, value in w.items():
                if isinstance(value, float):
                    assert g[name] == pytest.approx(value), (key, name)
                elif name == "vehicle" and value is None:
                    continue
                else:
                    assert g[name] == value, (key, name)
    got_cash = {(r["provider_code"], r["period_end"]): r["cash_gbp_k"] for r in messy.inputs.cash_balances.records()}
    want_cash = {(r["provider_code"], r["period_end"]): r["cash_gbp_k"] for r in sample.cash_balances.records()}
    assert got_cash.keys() == want_cash.keys()
    for k, v in want_cash.items():
        assert got_cash[k] == pytest.approx(v)


def test_messy_files_give_the_same_model_results(messy):
    want = run_deterministic(load_sample().inputs, SCENARIO)
    got = run_deterministic(messy.inputs, SCENARIO)
    assert got.years == want.years
    for form in want.forms:
        for key in METRICS:
            a = np.asarray(got.forms[form][key])[np.argsort(got.system.provider_code)]
            b = np.asarray(want.forms[form][key])[np.argsort(want.system.provider_code)]
            assert np.isfinite(b).any()
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-6, err_msg=f"{form} {key}")


@pytest.fixture(scope="module")
def messier(tmp_path_factory):
    paths = fm.write_messier_set(tmp_path_factory.mktemp("messier"))
    return paths, load_inputs(paths, mapping=fm.USER_VALUE_MAPPING)


def test_issue_layouts_read_without_errors_and_nothing_dropped_in_silence(messier):
    _, result = messier
    errors = [str(p) for p in result.problems if p.severity == "error"]
    assert errors == []
    contracts = next(s for s in result.sheets if s.sheet == "Contracts 25-26")
    for header, name in (("Clawback %", "clawback_share"), ("Marginal rate above ceiling", "marginal_rate"),
                         ("Tariff (£)", "unit_price_gbp"), ("End financial year", "end_fy"),
                         ("Activity baseline", "baseline_activity")):
        assert contracts.mapping[header] == name
    community = next(s for s in result.sheets if s.sheet == "community schemes")
    for header, name in (("Cost to deliver ratio", "delivery_cost_ratio"),
                         ("Admissions avoided per £1m", "activity_avoided_per_gbp_m"),
                         ("Acute POD affected", "affected_service_line"),
                         ("Outcomes-linked share cap", "outcomes_share_cap")):
        assert community.mapping[header] == name
    # every column of the register, contracts and community tables is used (the cash sheets' trust
    # names have no input column: they are warned)
    assert not any(s.unmapped for s in result.sheets if s.kind and s.kind != "cash_balances")
    assert all(any(p.sheet == s.sheet and "'Organisation' is not used" in p.message for p in result.problems)
               for s in result.sheets if s.kind == "cash_balances")
    said = " ".join(p.message for p in result.problems)
    assert "looks like a totals row ('Total')" in said and "('Grand total')" in said
    assert "sums of the rows above" in said and "is a note, not data" in said and "blank row" in said


def test_issue_layouts_give_the_same_model_results_to_a_hundredth(messier):
    _, result = messier
    want = run_deterministic(load_sample().inputs, SCENARIO)
    got = run_deterministic(result.inputs, SCENARIO)
    assert got.years == want.years
    for form in want.forms:
        for key in METRICS:
            a = np.asarray(got.forms[form][key])[np.argsort(got.system.provider_code)]
            b = np.asarray(want.forms[form][key])[np.argsort(want.system.provider_code)]
            np.testing.assert_allclose(a, b, rtol=0, atol=0.01, err_msg=f"{form} {key}")


def test_without_the_users_value_mapping_the_unknown_word_is_an_error_per_cell(messier):
    paths, _ = messier
    result = load_inputs(paths)
    bad = [p for p in result.problems if p.severity == "error"]
    assert bad and all("Risk-share pool" in p.message and p.sheet == "community schemes" for p in bad)
    community = next(s for s in result.sheets if s.sheet == "community schemes")
    assert community.unknown_values == {"payment_type": ["Risk-share pool"]}

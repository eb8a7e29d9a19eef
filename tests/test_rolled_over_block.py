"""A block contract past its end year without rebase rolls over on its in-term terms (MODEL.md section 4):
V plus the above-ceiling payment, both uplifted, the ceiling unchanged."""

import datetime as dt

import numpy as np
import pytest

from strandrisk.core import schema
from strandrisk.core.inputs import ModelInputs, Table
from strandrisk.core.results import run_deterministic
from strandrisk.core.scenario import Scenario

VALUE, UNITS, CEILING, RATE = 100_000.0, 40_000.0, 40_500.0, 0.4


def _inputs(rebase: bool) -> ModelInputs:
    providers = [dict(provider_code="ZR1", provider_name="Rollover trust", form="acute_only",
                      operating_income_gbp_k=VALUE, operating_expenditure_gbp_k=98_000)]
    cash = [dict(provider_code="ZR1", period_end=dt.date(2026, 3, 31), cash_gbp_k=10_000)]
    lines = [dict(contract_id="B1", provider_code="ZR1", service_line="elective", payment_type="block",
                  annual_value_gbp_k=VALUE, baseline_activity=UNITS, start_fy=2025, end_fy=2026,
                  activity_ceiling=CEILING, marginal_rate=RATE, rebase_at_renewal=rebase)]
    return ModelInputs(Table.from_records(schema.PROVIDERS, providers),
                       Table.from_records(schema.CASH_BALANCES, cash),
                       Table.from_records(schema.BLOCK_CONTRACTS, lines),
                       Table.from_records(schema.COMMUNITY_BUDGETS, []))


def test_unrebased_block_keeps_its_above_ceiling_payment_after_the_term():
    scenario = Scenario.from_dict({"base_year": "2025/26"})
    result = run_deterministic(_inputs(rebase=False), scenario, break_even=False)
    t = np.arange(1, 6)
    uplift = 1.02 ** t  # default price uplift
    activity = UNITS * 1.02 ** t  # elective: demand growth 2%, no shift by default
    price = VALUE / UNITS * uplift
    by_hand = VALUE * uplift + RATE * price * np.maximum(0.0, activity - CEILING)
    assert (activity > CEILING).all() and result.years[0] == "2026/27"  # the term ends in year 1
    np.testing.assert_allclose(result.forms["acute_only"]["income_gbp_k"][0], by_hand, rtol=1e-12)


def test_rebased_block_is_paid_last_years_outturn_after_the_term():
    result = run_deterministic(_inputs(rebase=True), Scenario.from_dict({"base_year": "2025/26"}), break_even=False)
    income = result.forms["acute_only"]["income_gbp_k"][0]
    activity = UNITS * 1.02 ** np.arange(0, 5)
    assert income[1:] == pytest.approx(VALUE / UNITS * 1.02 ** np.arange(2, 6) * activity[1:], rel=1e-12)

"""A fictional region for the benchmarks: N providers, ~10 contract lines each, community services."""

from __future__ import annotations

import datetime as dt

import numpy as np

from strandrisk.core import schema
from strandrisk.core.inputs import ModelInputs, Table

LINES = ("elective", "non_elective", "outpatients", "a_and_e", "other")
PAYMENTS = ("block", "activity", "blended", "block", "activity")


def synthetic_inputs(n_providers: int = 250, lines_per_provider: int = 10, seed: int = 7,
                     cost_mix: bool = False) -> ModelInputs:
    """``cost_mix``: every third provider gives its own variable cost share on the register, the next its
    own semi-fixed share (the same random draws either way, so the figures of the others do not move)."""
    rng = np.random.default_rng(seed)
    providers, cash, contracts, services = [], [], [], []
    for i in range(n_providers):
        code = f"Z{i:04d}"
        income = float(rng.uniform(150_000, 900_000))
        community = i % 25 == 24
        providers.append(dict(provider_code=code, provider_name=f"Trust {i}",
                              form="community_only" if community else ("integrated" if i % 5 == 0 else "acute_only"),
                              operating_income_gbp_k=income,
                              operating_expenditure_gbp_k=income * rng.uniform(0.97, 1.02),
                              depreciation_gbp_k=income * 0.03, capital_expenditure_gbp_k=income * 0.035,
                              interest_gbp_k=income * 0.002, pdc_dividend_gbp_k=income * 0.01,
                              loan_repayment_gbp_k=income * 0.004, working_capital_gbp_k=income * 0.01,
                              vehicle="new_entity" if i % 7 == 0 else "foundation_trust"))
        if cost_mix and i % 3 == 0:
            providers[-1]["variable_share"] = 0.25 + 0.05 * (i % 5)
        elif cost_mix and i % 3 == 1:
            providers[-1]["semi_fixed_share"] = 0.2 + 0.05 * (i % 4)
        cash.append(dict(provider_code=code, period_end=dt.date(2026, 3, 31), cash_gbp_k=income * 0.06))
        share = income * 0.8 / lines_per_provider
        for k in range(lines_per_provider):
            line = LINES[k % len(LINES)]
            pay = PAYMENTS[k % len(PAYMENTS)]
            contracts.append(dict(
                contract_id=f"{code}-C{k // 3}", provider_code=code, commissioner=f"ICB{i % 42}",
                service_line=line, payment_type=pay, annual_value_gbp_k=share * rng.uniform(0.5, 1.5),
                baseline_activity=float(rng.uniform(5_000, 200_000)), start_fy=2024,
                end_fy=2027 if pay == "block" and k % 2 else None,
                activity_ceiling=None if k % 4 else float(rng.uniform(150_000, 250_000)),
                marginal_rate=0.3, clawback_share=0.02 if k % 3 == 0 else 0.0))
        for j in range(2):
            services.append(dict(service_id=f"S{i}-{j}", service_name=f"Service {i}-{j}", commissioner=f"ICB{i % 42}",
                                 holder_provider_code=f"Z{(i + 1) % n_providers:04d}" if j else None,
                                 acute_provider_code=code, affected_service_line="non_elective",
                                 payment_type="capitated" if j else "block",
                                 annual_budget_gbp_k=float(rng.uniform(5_000, 40_000)), outcomes_share_start=0.05,
                                 outcomes_share_step=0.05, outcomes_share_cap=0.25, delivery_cost_ratio=0.97,
                                 activity_avoided_per_gbp_m=40.0, ramp_years=3))
    return ModelInputs(Table.from_records(schema.PROVIDERS, providers),
                       Table.from_records(schema.CASH_BALANCES, cash),
                       Table.from_records(schema.BLOCK_CONTRACTS, contracts),
                       Table.from_records(schema.COMMUNITY_BUDGETS, services))

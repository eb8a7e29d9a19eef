"""MODEL.md section 8's worked example as canonical records, and a template-form workbook of it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from strandrisk.core import schema
from strandrisk.core.inputs import ModelInputs, Table

PROVIDERS = [dict(provider_code="ZX1", provider_name="Worked example trust", form="acute_only",
                  operating_income_gbp_k=500000, operating_expenditure_gbp_k=495000, depreciation_gbp_k=15000,
                  capital_expenditure_gbp_k=18000, interest_gbp_k=1000, pdc_dividend_gbp_k=6000,
                  loan_repayment_gbp_k=2000, vehicle="foundation_trust")]
CASH = [dict(provider_code="ZX1", period_end=dt.date(2025, 12, 31), cash_gbp_k=39000),
        dict(provider_code="ZX1", period_end=dt.date(2026, 3, 31), cash_gbp_k=42000)]
CONTRACTS = [
    dict(contract_id="C1", provider_code="ZX1", service_line="non_elective", payment_type="block",
         annual_value_gbp_k=200000, baseline_activity=80000, start_fy=2025, end_fy=2027, activity_ceiling=84000,
         marginal_rate=0.3, clawback_share=0.02),
    dict(contract_id="C1", provider_code="ZX1", service_line="elective", payment_type="block",
         annual_value_gbp_k=120000, baseline_activity=40000, start_fy=2025, end_fy=2027, clawback_share=0.02),
    dict(contract_id="C2", provider_code="ZX1", service_line="outpatients", payment_type="activity",
         annual_value_gbp_k=60000, baseline_activity=400000),
]
SERVICES = [dict(service_id="S1", acute_provider_code="ZX1", affected_service_line="non_elective",
                 payment_type="capitated", annual_budget_gbp_k=30000, outcomes_share_start=0.05,
                 outcomes_share_step=0.05, outcomes_share_cap=0.25, delivery_cost_ratio=0.97,
                 activity_avoided_per_gbp_m=40, ramp_years=3)]

EXPECTED_BUILT_LATE = {
    "acute_only": {
        "income_gbp_k": [507392.9, 516886.1, 531414.1, 543867.7, 557821.0],
        "stranded_cost_gbp_k": [241.1, 505.0, 594.8, 489.9, 1508.4],
        "surplus_gbp_k": [59.7, -2171.0, -1036.6, -4433.8, -5280.9],
        "cash_gbp_k": [37059.7, 29888.6, 23852.0, 14418.3, 4137.4],
        "finance": [2, 3, 3, 3, 3], "npv": 2937.9, "break_even": 0.0,
        "cumulative": -12862.6, "no_shift_cumulative": -27519.5, "shift_impact": 14656.9,
        "first_liquidity_risk_year": "2029/30", "liquidity_days_then": 9.6,
    },
    "integrated": {
        "income_gbp_k": [547107.6, 566890.0, 587458.8, 608846.8, 631088.4],
        "stranded_cost_gbp_k": [120.6, 252.5, 297.4, 245.0, 754.2],
        "surplus_gbp_k": [5884.6, 11777.2, 15790.1, 18489.7, 23169.9],
        "cash_gbp_k": [42884.6, 49661.8, 60451.9, 73941.6, 92111.5],
        "finance": [1, 1, 1, 1, 1], "npv": 1468.9, "break_even": None,
        "shift_impact": 53345.7, "first_liquidity_risk_year": None,
    },
}

# MODEL.md section 8's bridges (effects on cumulative surplus, GBP k); components not named are 0
SHIFT_BRIDGE = {
    "acute_only": {"acute_income": -71470.0, "variable_cost": 32327.1, "semi_fixed_cost": 30803.0,
                   "fixed_cost": 22996.7},
    "integrated": {"variable_cost": 32327.1, "semi_fixed_cost": 30803.0, "fixed_cost": 22996.7,
                   "repurposed": 1669.6, "gain_share": -34450.7},
}
FORM_BRIDGE = {"acute_income": 129606.7, "community_income": 154403.3, "delivery_cost": -154466.3,
               "repurposed": 1669.6, "integration_cost": -3122.4, "gain_share": -40116.7}
FORM_BRIDGE_TOTAL = 87974.1

# the rule before fixed cost was built late (fixed_build_lag_years 0, fixed_build_rate 1)
BEFORE_BUILD_RULE = {"fixed_build_lag_years": 0, "fixed_build_rate": 1}
EXPECTED_BEFORE_BUILD_RULE = {
    "acute_only": {
        "income_gbp_k": [507392.9, 516886.1, 531414.1, 543867.7, 557821.0],
        "stranded_cost_gbp_k": [241.1, 505.0, 594.8, 489.9, 1508.4],
        "surplus_gbp_k": [-546.2, -2795.2, -1682.8, -5210.6, -6218.1],
        "cash_gbp_k": [36453.8, 28658.6, 21975.7, 11765.1, 547.0],
        "finance": [3, 3, 3, 3, 3], "npv": 2937.9, "break_even": 0.0,
        "cumulative": -16453.0, "no_shift_cumulative": -41928.5, "shift_impact": 25475.5,
        "first_liquidity_risk_year": "2029/30", "liquidity_days_then": 7.8,
    },
    "integrated": {
        "income_gbp_k": [547107.6, 566890.0, 587458.8, 608846.8, 631088.4],
        "stranded_cost_gbp_k": [120.6, 252.5, 297.4, 245.0, 754.2],
        "surplus_gbp_k": [4325.5, 10168.9, 14121.8, 16690.6, 21217.9],
        "cash_gbp_k": [41325.5, 46494.4, 55616.1, 67306.7, 83524.6],
        "finance": [2, 1, 1, 1, 1], "npv": 1468.9, "break_even": None,
        "shift_impact": 59836.9, "first_liquidity_risk_year": None,
    },
}
EXPECTED = EXPECTED_BUILT_LATE  # MODEL.md section 8 with the defaults


def inputs() -> ModelInputs:
    return ModelInputs(Table.from_records(schema.PROVIDERS, PROVIDERS),
                       Table.from_records(schema.CASH_BALANCES, CASH),
                       Table.from_records(schema.BLOCK_CONTRACTS, CONTRACTS),
                       Table.from_records(schema.COMMUNITY_BUDGETS, SERVICES))


def _cell(col: schema.Column, value):
    if value is None:
        return None
    if col.type == schema.FY:
        return f"{int(value)}/{(int(value) + 1) % 100:02d}"
    return value


def write_template_workbook(path: Path) -> Path:
    """The worked example in the template's canonical form (sheet names and canonical column names)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    data = {"providers": PROVIDERS, "cash_balances": CASH, "block_contracts": CONTRACTS,
            "community_budgets": SERVICES}
    for kind in schema.INPUT_KINDS:
        ws = wb.create_sheet(kind.sheet)
        ws.append(list(kind.names))
        for rec in data[kind.key]:
            ws.append([_cell(kind.column(n), rec.get(n)) for n in kind.names])
    wb.save(path)
    return path

"""Write resources/sample/strandrisk_sample.xlsx, the built-in fictional sample system, and the scenario
it ships beside the base case (resources/sample/faster_shift.json).

Codes start with Z (no real NHS ODS trust code does); names are invented. Run from the repo root:
    python tools/make_sample.py
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

from openpyxl import Workbook

from strandrisk.core import schema

OUT = Path(__file__).resolve().parents[1] / "resources" / "sample" / "strandrisk_sample.xlsx"
SCENARIO_OUT = OUT.parent / "faster_shift.json"
ICB = "NHS Northmoor and Vale ICB (fictional)"

# A second scenario, so the Compare page opens on two different ones: activity leaves hospital twice as fast
FASTER_SHIFT = {"name": "Faster shift",
                "service_lines": {"non_elective": {"shift_rate": 0.04}, "outpatients": {"shift_rate": 0.06},
                                  "a_and_e": {"shift_rate": 0.02}}}

PROVIDERS = [
    dict(provider_code="ZA1", provider_name="Northmoor Hospitals NHS Foundation Trust", form="acute_only",
         operating_income_gbp_k=620000, operating_expenditure_gbp_k=609000, depreciation_gbp_k=21000,
         capital_expenditure_gbp_k=24000, interest_gbp_k=1500, pdc_dividend_gbp_k=8000,
         loan_repayment_gbp_k=2500, working_capital_gbp_k=-12000, vehicle="foundation_trust"),
    dict(provider_code="ZB2", provider_name="Riverside and Vale Hospitals NHS Trust", form="acute_only",
         operating_income_gbp_k=410000, operating_expenditure_gbp_k=400000, depreciation_gbp_k=14000,
         capital_expenditure_gbp_k=14500, interest_gbp_k=600, pdc_dividend_gbp_k=5200,
         loan_repayment_gbp_k=1000, working_capital_gbp_k=4000, vehicle="nhs_trust"),
    dict(provider_code="ZC3", provider_name="Eastfold University Hospitals NHS Foundation Trust", form="acute_only",
         operating_income_gbp_k=880000, operating_expenditure_gbp_k=862000, depreciation_gbp_k=30000,
         capital_expenditure_gbp_k=36000, interest_gbp_k=3500, pdc_dividend_gbp_k=11000,
         loan_repayment_gbp_k=4000, working_capital_gbp_k=-25000, vehicle="foundation_trust"),
    dict(provider_code="ZD4", provider_name="Westbrook Integrated Care NHS Foundation Trust", form="integrated",
         operating_income_gbp_k=350000, operating_expenditure_gbp_k=345500, depreciation_gbp_k=11000,
         capital_expenditure_gbp_k=12000, interest_gbp_k=400, pdc_dividend_gbp_k=4000,
         loan_repayment_gbp_k=800, working_capital_gbp_k=9000, vehicle="foundation_trust"),
    dict(provider_code="ZE5", provider_name="Highcombe Community Health NHS Trust", form="community_only",
         operating_income_gbp_k=140000, operating_expenditure_gbp_k=134500, depreciation_gbp_k=3000,
         capital_expenditure_gbp_k=3000, interest_gbp_k=0, pdc_dividend_gbp_k=1500,
         loan_repayment_gbp_k=0, working_capital_gbp_k=6000, vehicle="nhs_trust"),
    dict(provider_code="ZF6", provider_name="Kingsmere Health Partnership (new integrated entity)",
         form="integrated", operating_income_gbp_k=260000, operating_expenditure_gbp_k=258000,
         depreciation_gbp_k=8000, capital_expenditure_gbp_k=8000, interest_gbp_k=300, pdc_dividend_gbp_k=2800,
         loan_repayment_gbp_k=500, working_capital_gbp_k=None, vehicle="new_entity"),
    dict(provider_code="ZG7", provider_name="Southvale and Coast Hospitals NHS Trust", form="acute_only",
         operating_income_gbp_k=300000, operating_expenditure_gbp_k=296000, depreciation_gbp_k=10000,
         capital_expenditure_gbp_k=9000, interest_gbp_k=900, pdc_dividend_gbp_k=3500,
         loan_repayment_gbp_k=1500, working_capital_gbp_k=-8000, vehicle="nhs_trust"),
]


def line(cid, code, sl, pay, value, units, **kw):
    row = dict(contract_id=cid, provider_code=code, commissioner=kw.pop("commissioner", ICB), service_line=sl,
               payment_type=pay, annual_value_gbp_k=value, baseline_activity=units, start_fy="2024/25")
    row.update(kw)
    return row


CONTRACTS = [
    # ZA1: a super block (elective + non-elective) with a ceiling and clawback, ending 2027/28
    line("ZA1-SB-01", "ZA1", "elective", "block", 150000, 50000, end_fy="2027/28", clawback_share=0.02),
    line("ZA1-SB-01", "ZA1", "non_elective", "block", 230000, 92000, end_fy="2027/28", activity_ceiling=95000,
         marginal_rate=0.3, clawback_share=0.02),
    line("ZA1-OP-02", "ZA1", "outpatients", "activity", 70000, 460000),
    line("ZA1-UEC-03", "ZA1", "a_and_e", "blended", 45000, 150000, variable_share=0.4),
    line("ZA1-SPC-04", "ZA1", "other", "block", 40000, 20000, commissioner="NHS England specialised (fictional)"),
    # ZB2: paid mostly for activity, in surplus before any shift: activity leaving the hospital takes its
    # income while fixed costs stay, so its break-even shift is a real number. Its non-elective block ends
    # in 2026/27 and is rebased on outturn; its A&E block ends in 2027/28 and rolls over unrebased.
    line("ZB2-BLK-01", "ZB2", "non_elective", "block", 160000, 62000, end_fy="2026/27", clawback_share=0.01),
    line("ZB2-AP-02", "ZB2", "elective", "activity", 60000, 21000),
    line("ZB2-AP-02", "ZB2", "outpatients", "activity", 80000, 530000),
    line("ZB2-UEC-03", "ZB2", "a_and_e", "block", 30000, 105000, end_fy="2027/28", activity_ceiling=106000,
         marginal_rate=0.5, rebase_at_renewal=False),
    # ZC3: a large super block with a ceiling and a 3% clawback
    line("ZC3-SB-01", "ZC3", "elective", "block", 260000, 85000, end_fy="2028/29", clawback_share=0.03),
    line("ZC3-SB-01", "ZC3", "non_elective", "block", 340000, 130000, end_fy="2028/29", activity_ceiling=134000,
         marginal_rate=0.25, clawback_share=0.03),
    line("ZC3-OP-02", "ZC3", "outpatients", "blended", 110000, 700000, variable_share=0.5),
    line("ZC3-UEC-03", "ZC3", "a_and_e", "activity", 60000, 200000),
    line("ZC3-SPC-04", "ZC3", "other", "block", 50000, 25000, commissioner="NHS England specialised (fictional)"),
    # ZD4: an integrated trust with a capitated community contract
    line("ZD4-BLK-01", "ZD4", "non_elective", "block", 120000, 48000, end_fy="2027/28", clawback_share=0.02),
    line("ZD4-AP-02", "ZD4", "elective", "activity", 70000, 24000),
    line("ZD4-AP-02", "ZD4", "outpatients", "activity", 40000, 260000),
    line("ZD4-CAP-03", "ZD4", "community", "capitated", 60000, 300000),
    # ZE5: the community trust's own block
    line("ZE5-CHS-01", "ZE5", "community", "block", 120000, 600000),
    # ZF6: a new entity holding acute and community budgets
    line("ZF6-BLK-01", "ZF6", "non_elective", "block", 110000, 44000, end_fy="2027/28"),
    line("ZF6-AP-02", "ZF6", "elective", "activity", 60000, 21000),
    line("ZF6-AP-02", "ZF6", "outpatients", "activity", 30000, 200000),
    line("ZF6-CAP-03", "ZF6", "community", "capitated", 45000, 220000),
    # ZG7: small acute trust under pressure
    line("ZG7-BLK-01", "ZG7", "non_elective", "block", 120000, 47000, end_fy="2026/27", clawback_share=0.02),
    line("ZG7-BLK-01", "ZG7", "elective", "block", 70000, 24000, end_fy="2026/27", clawback_share=0.02),
    line("ZG7-OP-02", "ZG7", "outpatients", "activity", 45000, 300000),
    line("ZG7-UEC-03", "ZG7", "a_and_e", "blended", 25000, 90000, variable_share=0.5),
]

SERVICES = [
    dict(service_id="CS-FRA-01", service_name="Frailty virtual wards", holder_provider_code="ZE5",
         acute_provider_code="ZA1", affected_service_line="non_elective", payment_type="capitated",
         annual_budget_gbp_k=18000, population=410000, outcomes_share_start=0.05, outcomes_share_step=0.05,
         outcomes_share_cap=0.25, delivery_cost_ratio=0.95, activity_avoided_per_gbp_m=45, ramp_years=3,
         start_fy="2025/26"),
    dict(service_id="CS-MSK-02", service_name="MSK community triage", holder_provider_code="ZE5",
         acute_provider_code="ZC3", affected_service_line="outpatients", payment_type="block",
         annual_budget_gbp_k=9000, population=520000, outcomes_share_start=0.0, outcomes_share_step=0.05,
         outcomes_share_cap=0.2, delivery_cost_ratio=0.92, activity_avoided_per_gbp_m=2500, ramp_years=2,
         start_fy="2026/27"),
    dict(service_id="CS-UCR-03", service_name="Urgent community response", holder_provider_code=None,
         acute_provider_code="ZC3", affected_service_line="non_elective", payment_type="capitated",
         annual_budget_gbp_k=22000, population=520000, outcomes_share_start=0.1, outcomes_share_step=0.05,
         outcomes_share_cap=0.3, delivery_cost_ratio=0.97, activity_avoided_per_gbp_m=40, ramp_years=3,
         start_fy="2025/26"),
    dict(service_id="CS-RES-04", service_name="Respiratory care at home", holder_provider_code="ZD4",
         acute_provider_code="ZB2", affected_service_line="non_elective", payment_type="block",
         annual_budget_gbp_k=7500, population=300000, outcomes_share_start=0.05, outcomes_share_step=0.05,
         outcomes_share_cap=0.2, delivery_cost_ratio=0.96, activity_avoided_per_gbp_m=50, ramp_years=2,
         start_fy="2025/26"),
    dict(service_id="CS-DIA-05", service_name="Integrated diabetes care", holder_provider_code="ZD4",
         acute_provider_code="ZD4", affected_service_line="outpatients", payment_type="capitated",
         annual_budget_gbp_k=11000, population=260000, outcomes_share_start=0.1, outcomes_share_step=0.1,
         outcomes_share_cap=0.4, delivery_cost_ratio=0.94, activity_avoided_per_gbp_m=1800, ramp_years=4,
         start_fy="2025/26"),
    dict(service_id="CS-HOM-06", service_name="Home first discharge", holder_provider_code="ZF6",
         acute_provider_code="ZF6", affected_service_line="non_elective", payment_type="block",
         annual_budget_gbp_k=8000, population=210000, outcomes_share_start=0.0, outcomes_share_step=0.05,
         outcomes_share_cap=0.15, delivery_cost_ratio=0.98, activity_avoided_per_gbp_m=35, ramp_years=2,
         start_fy="2025/26", end_fy="2029/30"),
    dict(service_id="CS-CAR-07", service_name="Community cardiology clinics", holder_provider_code=None,
         acute_provider_code="ZG7", affected_service_line="outpatients", payment_type="capitated",
         annual_budget_gbp_k=6000, population=190000, outcomes_share_start=0.05, outcomes_share_step=0.05,
         outcomes_share_cap=0.25, delivery_cost_ratio=0.95, activity_avoided_per_gbp_m=3000, ramp_years=3,
         start_fy="2026/27"),
]

# Month-end cash, April 2024 to March 2026: a drift per provider and a quarterly pattern.
CASH_PATH = {"ZA1": (31000, -250), "ZB2": (26000, 120), "ZC3": (52000, -600), "ZD4": (24000, 150),
             "ZE5": (15000, 40), "ZF6": (12000, 60), "ZG7": (9000, -180)}


def cash_rows():
    rows = []
    for code, (level, drift) in CASH_PATH.items():
        for i in range(24):
            year, month = (2024 + (i + 3) // 12, (i + 3) % 12 + 1)
            end = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1))
            seasonal = 0.06 * level * math.sin(2 * math.pi * (i % 12) / 12)
            rows.append(dict(provider_code=code, period_end=end, cash_gbp_k=round(level + drift * i + seasonal)))
    return rows


def main() -> None:
    wb = Workbook()
    about = wb.active
    about.title = "About"
    about["A1"] = "StrandRisk sample system - FICTIONAL DATA"
    about["A3"] = ("Every organisation, code and figure in this workbook is invented for demonstration. "
                   "Codes start with Z, which no real NHS trust ODS code does.")
    data = {"providers": PROVIDERS, "cash_balances": cash_rows(), "block_contracts": CONTRACTS,
            "community_budgets": SERVICES}
    for kind in schema.INPUT_KINDS:
        ws = wb.create_sheet(kind.sheet)
        ws.append(list(kind.names))
        for rec in data[kind.key]:
            ws.append([rec.get(name) for name in kind.names])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    wb.save(OUT)
    SCENARIO_OUT.write_text(json.dumps(FASTER_SHIFT, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT} and {SCENARIO_OUT}")


if __name__ == "__main__":
    main()

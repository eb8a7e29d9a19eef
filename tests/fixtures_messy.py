"""Messy versions of the built-in sample system, written the way finance teams' files look.

Each writer takes the sample's canonical records and produces a file with title rows, its own
headers and units, £ strings, bracketed negatives, months across the columns, totals rows, hidden
sheets, other encodings and delimiters. tests/test_import_messy.py shows every set gives the same
model results as the template form of the same data.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from strandrisk.core.inputs import fy_label

FORM_WORDS = {"acute_only": "Acute trust", "integrated": "Integrated care", "community_only": "Community trust"}
VEHICLE_WORDS = {"foundation_trust": "FT", "nhs_trust": "NHS Trust", "new_entity": "New entity"}
LINE_WORDS = {"elective": "EL", "non_elective": "NEL", "outpatients": "OP", "a_and_e": "A&E",
              "community": "Community services", "other": "Other"}
PAYMENT_WORDS = {"activity": "PbR", "block": "Block", "blended": "Aligned payment", "capitated": "Capitation"}


def sample_records() -> dict[str, list[dict]]:
    from strandrisk.io.spreadsheets.load import load_sample

    return {k: t.records() for k, t in load_sample().inputs.tables().items()}


def money_text(v: float | None) -> str:
    """'£1,234.5' or '(£1,234.5)' for negatives, as ledgers print them."""
    if v is None:
        return ""
    text = f"£{abs(v):,.1f}".replace(".0", "") if float(v).is_integer() else f"£{abs(v):,}"
    return f"({text})" if v < 0 else text


def _fy_variants(start: float | None, k: int) -> str:
    if start is None:
        return ""
    s = int(start)
    forms = (fy_label(s), f"{s}-{(s + 1) % 100:02d}", f"FY{s}/{(s + 1) % 100:02d}", f"{s}/{s + 1}",
             f"{s % 100:02d}/{(s + 1) % 100:02d}")
    return forms[k % len(forms)]


def write_providers_xlsx(path: Path, providers: list[dict]) -> Path:
    """Title rows, own headers, income in £m, expenditure as £ strings, a notes column, blank rows,
    a totals row, a hidden lookup sheet and a very hidden sheet that look like data."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Register 2025-26"
    ws.append(["Example ICS: provider register"])
    ws.append(["Prepared by finance, figures are draft"])
    ws.append([])
    ws.append(["ODS Code", "Trust Name", "Organisation type", "Total Income (£m)", "Opex £000", "D&A (£000)",
               "Capex", "Interest payable", "PDC", "Loan repayments", "Working capital (£k)", "FT status", "Notes"])
    for i, p in enumerate(providers):
        if i == 2:
            ws.append([])
        ws.append([p["provider_code"].lower() + " ", p["provider_name"], FORM_WORDS[p["form"]],
                   p["operating_income_gbp_k"] / 1000, money_text(p["operating_expenditure_gbp_k"]),
                   p["depreciation_gbp_k"], p["capital_expenditure_gbp_k"], p["interest_gbp_k"],
                   p["pdc_dividend_gbp_k"], p["loan_repayment_gbp_k"], money_text(p["working_capital_gbp_k"]),
                   VEHICLE_WORDS[p["vehicle"]] if p["vehicle"] else None, "checked"])
    ws.append(["Total", None, None, sum(p["operating_income_gbp_k"] for p in providers) / 1000])
    lookup = wb.create_sheet("Lists")
    lookup.append(["Provider code", "Operating income", "Operating expenditure"])
    lookup.append(["ZZZ9", 1, 2])
    lookup.sheet_state = "hidden"
    secret = wb.create_sheet("Old")
    secret.append(["Provider code", "Operating income", "Operating expenditure"])
    secret.append(["ZZZ8", 1, 2])
    secret.sheet_state = "veryHidden"
    wb.save(path)
    return path


def write_cash_wide_xlsx(path: Path, cash: list[dict]) -> Path:
    """Months across the columns: the first sheet headed 'Apr-24' style text, the second with real
    dates as headers, the third 'M1 2025/26' style; one row per provider; negatives in brackets."""
    from openpyxl import Workbook

    by_provider: dict[str, dict[dt.date, float]] = {}
    for rec in cash:
        by_provider.setdefault(rec["provider_code"], {})[rec["period_end"]] = rec["cash_gbp_k"]
    months = sorted({d for m in by_provider.values() for d in m})
    thirds = [months[: len(months) // 3], months[len(months) // 3: 2 * len(months) // 3],
              months[2 * len(months) // 3:]]
    wb = Workbook()
    wb.remove(wb.active)
    for k, chunk in enumerate(thirds):
        ws = wb.create_sheet(f"Cash {k + 1}")
        ws.append(["Month-end cash balances, £000"])
        if k == 0:
            heads = [d.strftime("%b-%y") for d in chunk]
        elif k == 1:
            heads = [dt.datetime(d.year, d.month, 1) for d in chunk]
        else:
            heads = []
            for d in chunk:
                fy = d.year if d.month >= 4 else d.year - 1
                heads.append(f"M{(d.month - 4) % 12 + 1} {fy_label(fy)}")
        ws.append(["Org code", "Organisation"] + heads)
        for code, values in by_provider.items():
            row = [code, f"Trust {code}"]
            for d in chunk:
                v = values.get(d)
                row.append(money_text(v) if (v is not None and v < 0) else v)
            ws.append(row)
    wb.save(path)
    return path


def write_contracts_csv(path: Path, contracts: list[dict]) -> Path:
    """Windows-1252, semicolon-delimited, £ in the headers, POD words, '30%' shares, Y/N, year variants."""
    headers = ["Contract ref", "Provider", "Commissioner", "POD", "Payment basis", "Contract value (£000)",
               "Plan activity", "Unit price", "Start year", "End year", "Activity cap", "Marginal rate",
               "Variable %", "Clawback", "Rebase"]
    with open(path, "w", encoding="cp1252", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Contract schedule 2025/26 – draft"])
        w.writerow(headers)
        for k, c in enumerate(contracts):
            pct = (lambda v: "" if v is None else f"{v * 100:g}%")
            w.writerow([c["contract_id"], c["provider_code"], c["commissioner"] or "",
                        LINE_WORDS[c["service_line"]], PAYMENT_WORDS[c["payment_type"]],
                        money_text(c["annual_value_gbp_k"]), f"{c['baseline_activity']:,.0f}",
                        "" if c["unit_price_gbp"] is None else c["unit_price_gbp"],
                        _fy_variants(c["start_fy"], k), _fy_variants(c["end_fy"], k + 1),
                        "" if c["activity_ceiling"] is None else f"{c['activity_ceiling']:,.0f}",
                        pct(c["marginal_rate"]), pct(c["variable_share"]), pct(c["clawback_share"]),
                        "" if c["rebase_at_renewal"] is None else ("Y" if c["rebase_at_renewal"] else "N")])
        w.writerow(["Grand total", "", "", "", "", money_text(sum(c["annual_value_gbp_k"] for c in contracts))])
    return path


def write_community_text(path: Path, services: list[dict]) -> Path:
    """UTF-16 tab-delimited text saved with an .xls name (as some ledgers export)."""
    headers = ["Scheme ID", "Scheme name", "ICB", "Current provider", "Acute trust code", "Affected POD",
               "Payment type", "Budget (£000)", "List size", "Outcomes %", "Annual step", "Max share",
               "Cost ratio", "Activity avoided per £m", "ROI lag", "Go live", "End"]
    lines = ["\t".join(headers)]
    for s in services:
        pct = (lambda v: "" if v is None else f"{v * 100:g}%")
        row = [s["service_id"], s["service_name"] or "", s["commissioner"] or "", s["holder_provider_code"] or "",
               s["acute_provider_code"], LINE_WORDS[s["affected_service_line"]],
               PAYMENT_WORDS[s["payment_type"]], money_text(s["annual_budget_gbp_k"]),
               "" if s["population"] is None else f"{s['population']:,.0f}",
               pct(s["outcomes_share_start"]), pct(s["outcomes_share_step"]), pct(s["outcomes_share_cap"]),
               "" if s["delivery_cost_ratio"] is None else f"{s['delivery_cost_ratio']:g}",
               "" if s["activity_avoided_per_gbp_m"] is None else f"{s['activity_avoided_per_gbp_m']:g}",
               "" if s["ramp_years"] is None else f"{s['ramp_years']:g}",
               _fy_variants(s["start_fy"], 2), _fy_variants(s["end_fy"], 3)]
        lines.append("\t".join(row))
    path.write_bytes("\r\n".join(lines).encode("utf-16"))
    return path


def write_messy_set(folder: Path) -> list[Path]:
    """The whole sample system as four messy files."""
    rec = sample_records()
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_providers_xlsx(folder / "register.xlsx", rec["providers"]),
        write_cash_wide_xlsx(folder / "cash by month.xlsx", rec["cash_balances"]),
        write_contracts_csv(folder / "contracts.csv", rec["block_contracts"]),
        write_community_text(folder / "community export.xls", rec["community_budgets"]),
    ]


# The layouts of issue 11: headers in a team's own words (the ones `check` used to drop), values the
# schema does not list word for word, totals wherever their label sits, sums without a label, blank
# rows, notes under the table, a hidden lookup sheet, cash as months across.

VEHICLE_WORDS_2 = {"foundation_trust": "NHS Foundation Trust", "nhs_trust": "NHS trust",
                   "new_entity": "Subsidiary company"}
FORM_WORDS_2 = {"acute_only": "Acute", "integrated": "Acute & community", "community_only": "Community only"}
LINE_WORDS_2 = {"elective": "Elective & daycase", "non_elective": "Non-elective", "outpatients": "Outpatient",
                "a_and_e": "Emergency department", "community": "Community health services", "other": "Misc"}
PAYMENT_WORDS_2 = {"activity": "Cost and volume", "block": "Block contract", "blended": "Blended payment",
                   "capitated": "Capitated budget"}
# A community payment word no vocabulary knows: the user's mapping file says what it means.
USER_VALUE_WORDS = {"capitated": "Risk-share pool"}
USER_VALUE_MAPPING = {"version": 1, "sheets": [], "values": {"payment_type": {"Risk-share pool": "capitated"}}}


def _blank_if_none(v, f=lambda x: x):
    return None if v is None else f(v)


def write_register_2(path: Path, providers: list[dict]) -> Path:
    """Register under a title: 'NHS code', 'Turnover £m', 'Op costs (£000)' ...; a blank row; a 'Total'
    whose label sits in the third column; a sum row without a label; notes under the table."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Trusts 2025-26"
    ws.append(["System provider register (fictional) - draft for finance committee"])
    ws.append([])
    ws.append(["NHS code", "Organisation", "Service model", "Turnover £m", "Op costs (£000)",
               "Depreciation & amortisation (£000)", "Capital programme £k", "Finance costs", "PDC dividend",
               "Principal repaid", "Net current assets", "Legal status"])
    for i, p in enumerate(providers):
        if i == 3:
            ws.append([])
        ws.append([p["provider_code"], p["provider_name"], FORM_WORDS_2[p["form"]],
                   p["operating_income_gbp_k"] / 1000, p["operating_expenditure_gbp_k"], p["depreciation_gbp_k"],
                   p["capital_expenditure_gbp_k"], p["interest_gbp_k"], p["pdc_dividend_gbp_k"],
                   p["loan_repayment_gbp_k"], p["working_capital_gbp_k"],
                   VEHICLE_WORDS_2[p["vehicle"]] if p["vehicle"] else None])
    sums = [sum(p[k] for p in providers) for k in ("operating_income_gbp_k", "operating_expenditure_gbp_k",
                                                   "depreciation_gbp_k")]
    ws.append([None, None, "Total", sums[0] / 1000, sums[1], sums[2]])
    ws.append([None, None, None, sums[0] / 1000, sums[1], sums[2]])
    ws.append([])
    ws.append(["Source: draft annual accounts, month 12"])
    ws.append(["* excludes hosted services"])
    lookup = wb.create_sheet("Lookups")
    lookup.append(["NHS code", "Turnover £m", "Op costs (£000)"])
    lookup.append(["ZZZ9", 1, 2])
    lookup.sheet_state = "hidden"
    wb.save(path)
    return path


def write_contracts_2(path: Path, contracts: list[dict]) -> Path:
    """'Contracts 25-26' with the headers the issue lists ('Clawback %', 'Marginal rate above ceiling',
    'Tariff (£)', 'End financial year', 'Activity baseline'), a subtotal per provider without a label
    and a 'Grand total' in a middle column."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Contracts 25-26"
    ws.append(["Contract schedule 2025/26"])
    ws.append(["Contract no.", "Provider ODS code", "Commissioner", "Point of delivery", "Payment mechanism",
               "Contract value £'000", "Activity baseline", "Tariff (£)", "Start FY", "End financial year",
               "Activity cap", "Marginal rate above ceiling", "Variable %", "Clawback %", "Rebase?"])
    pct = (lambda v: None if v is None else f"{v * 100:g}%")
    by_provider: dict[str, list[dict]] = {}
    for c in contracts:
        by_provider.setdefault(c["provider_code"], []).append(c)
    for k, (code, lines) in enumerate(by_provider.items()):
        for c in lines:
            ws.append([c["contract_id"], c["provider_code"], c["commissioner"], LINE_WORDS_2[c["service_line"]],
                       PAYMENT_WORDS_2[c["payment_type"]], c["annual_value_gbp_k"], c["baseline_activity"],
                       c["unit_price_gbp"], _blank_if_none(c["start_fy"], lambda s: _fy_variants(s, k)),
                       _blank_if_none(c["end_fy"], lambda s: _fy_variants(s, k + 1)), c["activity_ceiling"],
                       pct(c["marginal_rate"]), pct(c["variable_share"]), pct(c["clawback_share"]),
                       None if c["rebase_at_renewal"] is None else ("Y" if c["rebase_at_renewal"] else "N")])
        if len(lines) >= 2:
            ws.append([None, None, None, None, None, sum(c["annual_value_gbp_k"] for c in lines),
                       sum(c["baseline_activity"] for c in lines)])
    ws.append([None, None, None, "Grand total", None, sum(c["annual_value_gbp_k"] for c in contracts),
               sum(c["baseline_activity"] for c in contracts)])
    wb.save(path)
    return path


def write_community_2(path: Path, services: list[dict]) -> Path:
    """CSV with 'Acute POD affected', 'Outcomes-linked share cap', 'Cost to deliver ratio',
    'Admissions avoided per £1m'; one payment word only the user's mapping explains."""
    headers = ["Scheme ref", "Scheme", "ICB", "Held by", "Acute trust ODS code", "Acute POD affected",
               "Funding model", "Allocation (£000)", "Residents covered", "Outcomes-linked share (year 1)",
               "Outcomes share step", "Outcomes-linked share cap", "Cost to deliver ratio",
               "Admissions avoided per £1m", "Years to full effect", "Go-live year", "End FY"]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        for s in services:
            pay = USER_VALUE_WORDS.get(s["payment_type"], PAYMENT_WORDS_2[s["payment_type"]])
            w.writerow([s["service_id"], s["service_name"] or "", s["commissioner"] or "",
                        s["holder_provider_code"] or "", s["acute_provider_code"],
                        LINE_WORDS_2[s["affected_service_line"]], pay, s["annual_budget_gbp_k"],
                        "" if s["population"] is None else f"{s['population']:,.0f}",
                        s["outcomes_share_start"], s["outcomes_share_step"], s["outcomes_share_cap"],
                        "" if s["delivery_cost_ratio"] is None else s["delivery_cost_ratio"],
                        "" if s["activity_avoided_per_gbp_m"] is None else s["activity_avoided_per_gbp_m"],
                        "" if s["ramp_years"] is None else s["ramp_years"],
                        _fy_variants(s["start_fy"], 4), _fy_variants(s["end_fy"], 0)])
        w.writerow([])
        w.writerow(["Note: budgets are recurrent allocations for 2025/26"])
    return path


def write_messier_set(folder: Path) -> list[Path]:
    """The whole sample system laid out as issue 11 found finance teams' files (use USER_VALUE_MAPPING)."""
    rec = sample_records()
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_register_2(folder / "register 2025-26.xlsx", rec["providers"]),
        write_cash_wide_xlsx(folder / "cash 2025-26.xlsx", rec["cash_balances"]),
        write_contracts_2(folder / "contracts 25-26.xlsx", rec["block_contracts"]),
        write_community_2(folder / "community schemes.csv", rec["community_budgets"]),
    ]

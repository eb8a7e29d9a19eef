"""Generated TAC data workbooks in NHS England's published long-table shape, for tests and benchmarks.

The lines written are the SubCodes of StrandRisk's TAC definition for the year (taken from the
illustrative TAC forms), each under its current-year MainCode and again under the prior-year MainCode
with different values (which the importer must ignore), plus the charitable-funds cash column.
Values carry the TAC forms' signs: expenses and liabilities are negative.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from strandrisk.io import tac_codes


@dataclass
class TrustSpec:
    code: str
    name: str
    region: str
    sector: str  # nhs_trust / foundation_trust
    values: dict[str, float] = field(default_factory=dict)  # SubCode -> value as in the TAC file


def default_values(seed: int, fy: int, community_share: float = 0.05) -> dict[str, float]:
    """Plausible TAC values (GBP 000, TAC signs) for every SubCode the definition reads in ``fy``."""
    rng = np.random.default_rng(seed)
    income = float(rng.integers(150_000, 900_000))
    patient = round(income * 0.9)
    other = round(income - patient)
    community = round(income * community_share)
    acute = round(patient - community - income * 0.05)
    dep = round(income * 0.03)
    amort = round(income * 0.004)
    values = {
        "SCI0100A": patient, "SCI0110A": other,
        "SCI0125A": -round(income * 1.01), "SCI0170": -round(income * 0.012),
        "EXP0240": dep, "EXP0250": amort, "FIN0080": round(income * 0.002),
        "BAL1250": round(income * 0.15), "BAL1190": round(income * 0.01), "BAL1320": -round(income * 0.17),
        "CCE0080": round(income * 0.06), "BAL1240": round(income * 0.065),
    }
    year_codes = set(tac_codes.for_year(fy).line_subcode)
    community_codes = [c for c in ("INC0300", "INC0302", "INC0310") if c in year_codes]
    values[community_codes[0]] = round(community * 0.8)
    values[community_codes[1]] = community - round(community * 0.8)
    acute_codes = [c for c in ("INC0100A", "INC0120A", "INC0140A", "INC0160A", "INC0180A", "INC0197", "INC0198",
                               "INC0200", "INC0210") if c in year_codes]
    for i, c in enumerate(acute_codes):
        values[c] = acute // len(acute_codes) + (acute % len(acute_codes) if i == 0 else 0)
    return values


def _maincode_of(subcode: str, fy: int) -> str:
    d = tac_codes.for_year(fy)
    for k in d.line_keys:
        main, sub = k.split("|")
        if sub == subcode:
            return main
    raise KeyError(subcode)


def long_rows(trusts: list[TrustSpec], fy: int, prior_year: bool = True, missing=(),
              filler_codes: list[str] = (), names_in_data: dict[str, str] | None = None):
    """Rows (org, worksheet, table, maincode, rownumber, subcode, value) of the All data sheet."""
    d = tac_codes.for_year(fy)
    sheet_of = {r["subcode"]: r["worksheet"] for r in tac_codes.subcode_rows()}
    missing = set(missing)
    for t in trusts:
        org = (names_in_data or {}).get(t.code, t.name)
        for n, key in enumerate(d.line_keys):
            main, sub = key.split("|")
            value = t.values.get(sub)
            if value is None:
                continue
            sheet = sheet_of[sub]
            shown = None if (t.code, sub) in missing else value
            yield org, sheet, 1, main, 10 + n, sub, shown
            if prior_year:
                yield org, sheet, 1, main.replace("CY", "PY"), 10 + n, sub, round(value * 0.93) + 7
            if sub == "CCE0080":  # charitable funds' own cash: another current-year column, never read
                yield org, sheet, 1, main[:-2] + "02", 10 + n, sub, 999
        for n, code in enumerate(filler_codes):
            yield org, "TAC99 Other", 2, f"A99CY{n % 3 + 1:02d}", n, code, float(n % 97)


def write_tac_workbook(path: Path, fy: int, trusts: list[TrustSpec], *, old_columns: bool = False,
                       prior_year: bool = True, missing=(), title: bool = True, filler_codes: list[str] = (),
                       names_in_data: dict[str, str] | None = None, sector_column: bool = True) -> Path:
    """Write a TAC data workbook (xlsxwriter, constant memory) and return its path."""
    import xlsxwriter

    fy_text = f"{fy}-{(fy + 1) % 100:02d}"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    if title:
        ws = wb.add_worksheet("Notes")
        ws.write_string(0, 0, f"TAC data in NHS providers' accounts for {fy_text}")
        ws.write_string(2, 0, "Values are in GBP thousands.")
    lp = wb.add_worksheet("List of Providers")
    lp.write_string(0, 0, "List of Providers")
    heads = ["Region", "Organisation Code", "Organisation Name"] + (["Sector"] if sector_column else [])
    for j, h in enumerate(heads):
        lp.write_string(2, j, h)
    for i, t in enumerate(trusts, start=3):
        lp.write_string(i, 0, t.region)
        lp.write_string(i, 1, t.code)
        lp.write_string(i, 2, t.name)
        if sector_column:
            lp.write_string(i, 3, "Foundation Trust" if t.sector == "foundation_trust" else "NHS Trust")
    ad = wb.add_worksheet("All data")
    cols = (["Organisation Name", "WorkSheetName", "TableID", "MainCode", "RowNumber", "SubCode", "Value number"]
            if old_columns else
            ["OrganisationName", "WorkSheetName", "TableID", "MainCode", "RowNumber", "SubCode", "Total"])
    for j, h in enumerate(cols):
        ad.write_string(0, j, h)
    r = 1
    for row in long_rows(trusts, fy, prior_year, missing, filler_codes, names_in_data):
        ad.write_string(r, 0, row[0])
        ad.write_string(r, 1, row[1])
        ad.write_number(r, 2, row[2])
        ad.write_string(r, 3, row[3])
        ad.write_number(r, 4, row[4])
        ad.write_string(r, 5, row[5])
        if row[6] is not None:
            ad.write_number(r, 6, row[6])
        r += 1
    wb.close()
    return path


def sample_trusts(fy: int, sector: str, n: int, seed: int = 0, prefix: str = "R") -> list[TrustSpec]:
    regions = ["London", "South East", "Midlands", "North West", "North East and Yorkshire", "East of England",
               "South West"]
    suffix = "NHS Foundation Trust" if sector == "foundation_trust" else "NHS Trust"
    out = []
    for i in range(n):
        share = (0.02, 0.2, 0.7)[i % 3]
        out.append(TrustSpec(f"{prefix}{i:03d}"[:5], f"Synthetic Trust {prefix}{i:03d} {suffix}", regions[i % 7],
                             sector, default_values(seed * 1000 + i, fy, share)))
    return out

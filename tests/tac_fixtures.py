"""Generated TAC data workbooks in NHS England's published long-table shape, for tests and benchmarks.

The lines written are the SubCodes of StrandRisk's TAC definition for the year (taken from the
illustrative TAC forms), each under its current-year MainCode and again under the prior-year MainCode
with different values (which the importer must ignore), plus the charitable-funds cash column.
Values carry the TAC forms' signs: expenses and liabilities are negative.
"""

from __future__ import annotations

import itertools
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable
from xml.sax.saxutils import escape

import numpy as np

from strandrisk.io.tac import codes as tac_codes


@dataclass
class TrustSpec:
    code: str
    name: str
    region: str
    sector: str  # nhs_trust / foundation_trust
    values: dict[str, float] = field(default_factory=dict)  # SubCode -> value as in the TAC file
    kind: str = ""  # the List of Providers' sub sector (Acute, Community, Mental Health, Ambulance), when given


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


# TAC_SCREEN.md section 4's kinds of trust: shares of patient care income
# (community, mental health, ambulance, high-cost drugs, other clinical); acute contract income is the rest.
KINDS = {
    "acute": (0.03, 0.0, 0.0, 0.08, 0.07),
    "acute_community": (0.25, 0.0, 0.0, 0.06, 0.05),
    "community": (0.80, 0.0, 0.0, 0.0, 0.05),
    "mental_health": (0.05, 0.85, 0.0, 0.0, 0.05),
    "ambulance": (0.0, 0.0, 0.92, 0.0, 0.04),
}
SUB_SECTOR = {"acute": "Acute", "acute_community": "Acute", "community": "Community",
              "mental_health": "Mental Health", "ambulance": "Ambulance"}
POD_2019 = {"INC0100A": 0.27, "INC0120A": 0.45, "INC0140A": 0.07, "INC0160A": 0.13, "INC0180A": 0.08}


def _split(total: float, parts: dict[str, float]) -> dict[str, float]:
    """Whole-pound parts of ``total`` in the given proportions, the last taking the rounding."""
    out, left = {}, round(total)
    keys = list(parts)
    norm = sum(parts.values())
    for k in keys[:-1]:
        out[k] = round(total * parts[k] / norm)
        left -= out[k]
    out[keys[-1]] = left
    return out


def screen_values(seed: int, fy: int, kind: str = "acute", income: float | None = None,
                  kappa: float = 1.01) -> dict[str, float]:
    """Every line the screen reads for one trust and year, consistent with each other (TAC signs)."""
    rng = np.random.default_rng(seed)
    income = float(income if income is not None else rng.integers(150_000, 900_000))
    patient = round(income * 0.9)
    c, m, a, h, o = KINDS[kind]
    acute = patient * (1 - c - m - a - h - o)
    year_codes = set(tac_codes.for_year(fy).line_subcode)
    v: dict[str, float] = {"SCI0100A": patient, "SCI0110A": round(income) - patient, "INC0350": patient}
    if acute > 0:
        if fy <= 2019:
            v.update(_split(acute, POD_2019))
        elif fy >= 2023:
            v.update(_split(acute, {"INC0197": 0.55, "INC0198": 0.45}))
        elif fy == 2022 or fy == 2021:
            v.update(_split(acute, {"INC0198": 0.9, "INC0331": 0.1}))
        else:
            v["INC0198"] = round(acute)
    if c:
        v.update(_split(patient * c, {("INC0300" if "INC0300" in year_codes else "INC0302"): 0.8, "INC0310": 0.2}))
    if m:
        v[("INC0230" if fy <= 2019 else "INC0231")] = round(patient * m)
    if a:
        v.update(_split(patient * a, {"INC0270": 0.6, "INC0280": 0.2, "INC0290": 0.2}))
    if h:
        v["INC0200"] = round(patient * h)
    v.update(_split(patient * o, {"INC0210": 0.5, "INC0340": 0.5}))
    v["INC0350"] = sum(x for k, x in v.items() if k.startswith("INC0") and k != "INC0350")
    spend = round(income * kappa)
    costs = _split(spend, {"EXP0130": 0.62, "EXP0150": 0.09, "EXP0170": 0.08, "EXP0160": 0.02, "EXP0100": 0.03,
                           "EXP0110": 0.02, "EXP0200": 0.01, "EXP0220": 0.03, "EXP0240": 0.03, "EXP0250": 0.004,
                           "EXP0290A": 0.02, "EXP0370": 0.01, "EXP0230B": 0.005, "EXP0300": 0.01, "EXP0320": 0.01,
                           "EXP0380Z": 0.031})
    v.update(costs)
    v["EXP0390"] = spend
    v["SCI0125A"] = -spend
    v.update({"STA0300": round(costs["EXP0130"] * 0.05), "STA0310": round(costs["EXP0130"] * 0.04),
              "STA0390": 800.0, "STA0490": 6000.0})
    v.update({"SCI0170": -round(income * 0.012), "FIN0080": round(income * 0.002),
              "BAL1250": round(income * 0.15), "BAL1190": round(income * 0.01), "BAL1320": -round(income * 0.17),
              "CCE0080": round(income * 0.06), "BAL1240": round(income * 0.065)})
    return {k: x for k, x in v.items() if k in year_codes}


def england_trusts(fy: int, sector: str, n: int, seed: int = 0, prefix: str = "R") -> list[TrustSpec]:
    """A national file's trusts: mostly acute, some with community services, community, mental health, ambulance."""
    regions = ["London", "South East", "Midlands", "North West", "North East and Yorkshire", "East of England",
               "South West"]
    cycle = ["acute"] * 5 + ["acute_community"] * 2 + ["community", "mental_health", "acute", "ambulance"]
    suffix = "NHS Foundation Trust" if sector == "foundation_trust" else "NHS Trust"
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        kind = cycle[i % len(cycle)]
        kappa = float(rng.uniform(0.97, 1.05))
        code = f"{prefix}{i:03d}"[:5]
        out.append(TrustSpec(code, f"Synthetic {kind.replace('_', ' ').title()} {code} {suffix}", regions[i % 7],
                             sector, screen_values(seed * 1000 + i, fy, kind, kappa=kappa), SUB_SECTOR[kind]))
    return out


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
    sheet_of.update({r["subcode"]: r["worksheet"] for r in tac_codes.definition()["screen_lines"]})
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


def _col(j: int) -> str:
    out = ""
    j += 1
    while j:
        j, rem = divmod(j - 1, 26)
        out = chr(65 + rem) + out
    return out


def write_xlsx(path: Path, sheets: list[tuple[str, Iterable]]) -> Path:
    """A minimal .xlsx writer that stores text in the shared strings table, as Excel does.

    Streams rows into the zip (flat memory) and is much faster than openpyxl for a million rows;
    openpyxl's and xlsxwriter's streaming modes write inline strings, which makes files of a very
    different shape from NHS England's.
    """
    strings: dict[str, int] = {}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for n, (_, rows) in enumerate(sheets, start=1):
            with zf.open(f"xl/worksheets/sheet{n}.xml", "w") as fh:
                fh.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="'
                         + _NS.encode() + b'"><sheetData>')
                buf = []
                for r, row in enumerate(rows, start=1):
                    cells = []
                    for j, v in enumerate(row):
                        if v is None:
                            continue
                        ref = f"{_col(j)}{r}"
                        if isinstance(v, str):
                            k = strings.setdefault(v, len(strings))
                            cells.append(f'<c r="{ref}" t="s"><v>{k}</v></c>')
                        else:
                            cells.append(f'<c r="{ref}"><v>{v!r}</v></c>')
                    buf.append(f'<row r="{r}">{"".join(cells)}</row>')
                    if len(buf) >= 4096:
                        fh.write("".join(buf).encode())
                        buf = []
                fh.write("".join(buf).encode() + b"</sheetData></worksheet>")
        sst = "".join(f"<si><t xml:space=\"preserve\">{escape(s)}</t></si>" for s in strings)
        zf.writestr("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    f'<sst xmlns="{_NS}" count="{len(strings)}" uniqueCount="{len(strings)}">{sst}</sst>')
        sheet_list = "".join(f'<sheet name="{escape(name)}" sheetId="{n}" r:id="rId{n}"/>'
                             for n, (name, _) in enumerate(sheets, start=1))
        zf.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook '
                    f'xmlns="{_NS}" xmlns:r="{_REL_NS}"><sheets>{sheet_list}</sheets></workbook>')
        rels = "".join(f'<Relationship Id="rId{n}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                       for n in range(1, len(sheets) + 1))
        rels += f'<Relationship Id="rId{len(sheets) + 1}" Type="{_REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
        zf.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    f'<Relationships xmlns="{_PKG_NS}">{rels}</Relationships>')
        zf.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                    f'xmlns="{_PKG_NS}"><Relationship Id="rId1" Type="{_REL_NS}/officeDocument" '
                    'Target="xl/workbook.xml"/></Relationships>')
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
                            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                            for n in range(1, len(sheets) + 1))
        zf.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns='
                    '"http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
                    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension='
                    '"xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
                    '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                    'officedocument.spreadsheetml.sharedStrings+xml"/>' + overrides + "</Types>")
    return path


_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def write_tac_workbook(path: Path, fy: int, trusts: list[TrustSpec], *, old_columns: bool = False,
                       prior_year: bool = True, missing=(), title: bool = True, filler_codes: list[str] = (),
                       names_in_data: dict[str, str] | None = None, sector_column: bool = True,
                       published: bool = False) -> Path:
    """Write a TAC data workbook (Notes, List of Providers, All data) and return its path.

    published: the layout of NHS England's own files as users report it: a List of Providers under
    title rows headed 'Full name of Provider', 'NHS code', 'Authorisation date', 'Region', 'Sector',
    'Comments'; the data sheet named 'All Data'; headers with spaces around them (' Total ');
    values with decimal £000.
    """
    fy_text = f"{fy}-{(fy + 1) % 100:02d}"
    sheets = []
    if title:
        sheets.append(("Notes", [[f"TAC data in NHS providers' accounts for {fy_text}"], [],
                                 ["Values are in GBP thousands."]]))
    kinds = any(t.kind for t in trusts)
    if published:
        providers = [[f"NHS providers: list of providers included in the {fy_text} consolidation"],
                     ["Source: NHS England"], [],
                     ["Full name of Provider", "NHS code", "Authorisation date", "Region", "Sector", "Comments"]
                     + (["Sub sector"] if kinds else [])]
        for t in trusts:
            ft = t.sector == "foundation_trust"
            providers.append([t.name, t.code, "01/04/2008" if ft else None, t.region,
                              "Foundation Trust" if ft else "NHS Trust", None] + ([t.kind or None] if kinds else []))
    else:
        providers = [["List of Providers"], [],
                     ["Region", "Organisation Code", "Organisation Name"] + (["Sector"] if sector_column else [])
                     + (["Sub sector"] if kinds else [])]
        for t in trusts:
            sector = "Foundation Trust" if t.sector == "foundation_trust" else "NHS Trust"
            providers.append([t.region, t.code, t.name] + ([sector] if sector_column else [])
                             + ([t.kind or None] if kinds else []))
    sheets.append(("List of Providers", providers))
    header = (["Organisation Name", "WorkSheetName", "TableID", "MainCode", "RowNumber", "SubCode", "Value number"]
              if old_columns else
              ["OrganisationName", "WorkSheetName", "TableID", "MainCode", "RowNumber", "SubCode", "Total"])
    rows = long_rows(trusts, fy, prior_year, missing, filler_codes, names_in_data)
    if published:
        header = [f" {h} " if h in ("Total", "SubCode") else h for h in header]
        rows = (r[:-1] + ((r[-1] + 0.4 if r[-1] > 0 else r[-1] - 0.4) if isinstance(r[-1], (int, float)) else r[-1],)
                for r in rows)
    all_data = itertools.chain([header], rows)
    sheets.append(("All Data" if published else "All data", all_data))
    return write_xlsx(path, sheets)


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

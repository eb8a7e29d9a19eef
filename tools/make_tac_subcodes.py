"""Build resources/tac/tac_subcodes.json (the TAC SubCodes StrandRisk reads, labels per year) and the
SubCode table of resources/help/tac.md from it.

The measures below say which TAC lines make each register figure; the labels (and the years in which
each SubCode exists) come from NHS England's SubCode dictionary (dim_tac_subcodes_by_year.csv, kept
outside the repository). The importer (io/tac/reader.py), the help page and the tests all read the JSON this
writes, so the SubCodes are listed in exactly one place.

    python tools/make_tac_subcodes.py [path/to/dim_tac_subcodes_by_year.csv]
"""

from __future__ import annotations

import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "tac" / "tac_subcodes.json"
HELP = ROOT / "resources" / "help" / "tac.md"
START, END = "<!-- SUBCODES START -->", "<!-- SUBCODES END -->"
SCREEN_START, SCREEN_END = "<!-- SCREEN LINES START -->", "<!-- SCREEN LINES END -->"
DEFAULT_CSV = ROOT.parent / "shared" / "tac" / "dim_tac_subcodes_by_year.csv"

# measure key, label, alternatives: (worksheet, current-year MainCode, [(SubCode, expected sign, weight)]).
# The figure is the sum of weight * size, where size = value * expected sign (so a line the form expects
# to be negative, such as operating expenses, counts by its size). The first alternative holding data
# for a trust and year is used.
SPEC = [
    ("operating_income_gbp_k", "Operating income", [
        ("TAC02 SoCI", "A02CY01", [("SCI0100A", "+", 1), ("SCI0110A", "+", 1)]),
    ]),
    ("operating_expenditure_gbp_k", "Operating expenditure", [
        ("TAC02 SoCI", "A02CY01", [("SCI0125A", "-", 1)]),
    ]),
    ("depreciation_gbp_k", "Depreciation and amortisation", [
        ("TAC08 Op Exp", "A08CY01", [("EXP0240", "+", 1), ("EXP0250", "+", 1)]),
    ]),
    ("interest_gbp_k", "Interest payable", [
        ("TAC11 Finance & other", "A11CY01", [("FIN0080", "+", 1)]),
    ]),
    ("pdc_dividend_gbp_k", "PDC dividend", [
        ("TAC02 SoCI", "A02CY01", [("SCI0170", "-", 1)]),
    ]),
    ("working_capital_gbp_k", "Working capital", [
        ("TAC03 SoFP", "A03CY01", [("BAL1250", "+", 1), ("BAL1190", "+", -1), ("BAL1320", "-", -1)]),
    ]),
    ("cash_gbp_k", "Cash at 31 March", [
        ("TAC19 CCE", "A19CY01", [("CCE0080", "+", 1)]),
        ("TAC03 SoFP", "A03CY01", [("BAL1240", "+", 1)]),
    ]),
    ("community_income_gbp_k", "Community services income", [
        ("TAC06 Op Inc 1", "A06CY01", [("INC0300", "+", 1), ("INC0302", "+", 1), ("INC0310", "+", 1)]),
    ]),
    ("acute_income_gbp_k", "Acute services income", [
        ("TAC06 Op Inc 1", "A06CY01", [
            ("INC0100A", "+", 1), ("INC0120A", "+", 1), ("INC0140A", "+", 1), ("INC0160A", "+", 1),
            ("INC0180A", "+", 1), ("INC0197", "+", 1), ("INC0198", "+", 1), ("INC0200", "+", 1),
            ("INC0210", "+", 1)]),
    ]),
]


# The lines the England screen reads (TAC_SCREEN.md sections 1 and 3), each with its use: the screen's
# derivation (io/tac/derive.py) finds its lines by use, so a line is classed here only. All are current-year
# values of their schedule's first column; every one was confirmed on NHS England's illustrative forms for
# 2022/23 and 2023/24 (MainCode column and expected sign) and in the SubCode dictionary for the other years.
_INC, _EXP, _STA = ("TAC06 Op Inc 1", "A06CY01"), ("TAC08 Op Exp", "A08CY01"), ("TAC09 Staff", "A09CY01")
SCREEN_LINES = [
    (_INC, "acute_pod_elective", ["INC0100A"]),
    (_INC, "acute_pod_non_elective", ["INC0120A"]),
    (_INC, "acute_pod_outpatients_first", ["INC0140A"]),
    (_INC, "acute_pod_outpatients_follow_up", ["INC0160A"]),
    (_INC, "acute_pod_a_and_e", ["INC0180A"]),
    (_INC, "acute_api_variable", ["INC0197"]),
    (_INC, "acute_api_fixed", ["INC0198"]),
    (_INC, "acute_erf", ["INC0331"]),
    (_INC, "high_cost_drugs", ["INC0200"]),
    (_INC, "other_income", ["INC0210", "INC0330", "INC0332", "INC0333", "INC0340"]),
    (_INC, "community", ["INC0300", "INC0302", "INC0310"]),
    (_INC, "mental_health", ["INC0220", "INC0230", "INC0231", "INC0235", "INC0236", "INC0240", "INC0250",
                             "INC0260"]),
    (_INC, "ambulance", ["INC0270", "INC0280", "INC0290"]),
    (_INC, "patient_care_total", ["INC0350"]),
    (_EXP, "cost_variable", ["EXP0100", "EXP0110", "EXP0150"]),
    (_EXP, "cost_drugs", ["EXP0170"]),
    (_EXP, "cost_staff", ["EXP0130"]),
    (_EXP, "cost_semi_fixed", ["EXP0160", "EXP0230A", "EXP0230B"]),
    (_EXP, "cost_fixed", ["EXP0140", "EXP0190", "EXP0200", "EXP0210", "EXP0220", "EXP0240", "EXP0250",
                          "EXP0280A", "EXP0280B", "EXP0290A", "EXP0290B", "EXP0340", "EXP0340A", "EXP0340B",
                          "EXP0340C", "EXP0340D", "EXP0370", "EXP0375", "EXP0380D", "EXP0380E", "EXP0380F",
                          "EXP0380G", "EXP0380H", "EXP0380I", "EXP0380J", "EXP0380K", "EXP0380L", "EXP0380M",
                          "EXP0380N", "EXP0380O", "EXP0380Z"]),
    (_EXP, "cost_left_out", ["EXP0102", "EXP0112", "EXP0120", "EXP0155", "EXP0165A", "EXP0165B", "EXP0260",
                             "EXP0270A", "EXP0270B", "EXP0270C", "EXP0300", "EXP0310", "EXP0320", "EXP0330A",
                             "EXP0330B", "EXP0350", "EXP0360", "EXP0379", "EXP0380A", "EXP0380B", "EXP0380C"]),
    (_EXP, "cost_total", ["EXP0390"]),
    (_STA, "staff_bank_agency", ["STA0300", "STA0310"]),
    (_STA, "wte_admin_estates", ["STA0390"]),
    (_STA, "wte_total", ["STA0490"]),
]


def build(csv_path: Path) -> dict:
    labels: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)  # (sheet, code) -> {fy: label}
    years_of: dict[str, set] = defaultdict(set)
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            fy, sheet, code = row["fy"].strip(), row["WorkSheetName"].strip(), row["SubCode"].strip()
            labels[(sheet, code)][fy] = " ".join(row["subcode_label"].split())
            years_of[code].add(fy)
    all_years = sorted({fy for ys in years_of.values() for fy in ys})
    measures = []
    for key, label, alternatives in SPEC:
        alts = []
        for sheet, maincode, lines in alternatives:
            out_lines = []
            for code, sign, weight in lines:
                by_year = labels.get((sheet, code))
                if not by_year:
                    raise SystemExit(f"{code} is not in {sheet} in {csv_path.name}")
                out_lines.append({"subcode": code, "expected_sign": sign, "weight": weight,
                                  "labels": dict(sorted(by_year.items()))})
            for fy in all_years:
                if not any(fy in ln["labels"] for ln in out_lines):
                    raise SystemExit(f"{key}: no line of {sheet} exists in {fy}")
            alts.append({"worksheet": sheet, "maincode": maincode, "lines": out_lines})
        measures.append({"key": key, "label": label, "alternatives": alts})
    screen = []
    for (sheet, maincode), use, codes in SCREEN_LINES:
        for code in codes:
            by_year = labels.get((sheet, code))
            if not by_year:
                raise SystemExit(f"{code} is not in {sheet} in {csv_path.name}")
            screen.append({"use": use, "worksheet": sheet, "maincode": maincode, "subcode": code,
                           "expected_sign": "+", "labels": dict(sorted(by_year.items()))})
    # SubCodes that exist in some years only: a file's own SubCodes then tell which year it holds.
    fingerprint = {code: sorted(ys) for code, ys in sorted(years_of.items()) if len(ys) < len(all_years)}
    return {
        "about": "TAC SubCodes read by StrandRisk, with NHS England's labels per financial year. "
                 "Generated by tools/make_tac_subcodes.py from the TAC SubCode dictionary; do not edit.",
        "years": all_years,
        "measures": measures,
        "screen_lines": screen,
        "year_fingerprint": fingerprint,
    }


def help_with_table(help_text: str, table: str, start: str = START, end: str = END) -> str:
    """The help page with the table between the markers replaced."""
    head, rest = help_text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{table}\n{end}{tail}"


def main(argv: list[str]) -> int:
    csv_path = Path(argv[0]) if argv else DEFAULT_CSV
    data = build(csv_path)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    sys.path.insert(0, str(ROOT / "desktop"))
    from strandrisk.io.tac import codes as tac_codes

    tac_codes.definition.cache_clear()
    tac_codes.for_year.cache_clear()
    text = help_with_table(HELP.read_text(encoding="utf-8"), tac_codes.help_table_markdown())
    text = help_with_table(text, tac_codes.screen_table_markdown(), SCREEN_START, SCREEN_END)
    HELP.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(data['measures'])} measures, years {', '.join(data['years'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

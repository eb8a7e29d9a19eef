"""An independent yardstick for reading finance teams' own headers and values (issue 11).

tests/vocabulary/headers.tsv holds, for every field of every input kind, the ways a finance analyst
heads that column (units, financial years, abbreviations, question marks, typos, line breaks typed
with Alt+Enter and written ``\\n``), written by imagining real NHS files and NOT taken from the
matcher's word lists. tests/vocabulary/decoys.tsv holds columns that are no field (notes, region,
sign-off) and must never be mapped. tests/vocabulary/values.tsv holds the ways finance teams write
enumerated values, flags, months, financial years and numbers, with the canonical value each means.

Headers: one workbook with one sheet per variant index (every variant of every field appears once,
fields with fewer variants are reused; every third sheet has title rows, odd sheets another column
order, each sheet one decoy column), read through the public ``load_inputs`` and scored from
``ImportResult.sheets[*].mapping`` and ``ImportResult.problems``:

- right: mapped to its field on a sheet read as the right kind, and the values read back equal the
  values written (money written in the header's unit, £m or £, must come back in £000);
- wrong: mapped to another field, read on a sheet of the wrong kind, or values read back differ;
- warned: not mapped, and a warning or error on its sheet names the header (quoted text, whole
  words, or its header cell);
- silent: not mapped and nothing says so.

A header is scored as users meet it: when a sheet is not recognised at all, each of its headers is
a miss. Values: one sheet per kind under the template headers, each row carrying one value variant;
an unread value counts as warned only when an error names its cell.

``python tests/test_header_vocabulary.py`` prints the score tables (the figures quoted in RESULTS.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from strandrisk.core import schema
from strandrisk.core.inputs import plain_value
from strandrisk.core.problems import ERROR, WARNING, column_letter

VOCABULARY = Path(__file__).resolve().parent / "vocabulary"
HEADER_ROW = 1
OUTCOMES = ("right", "wrong", "warned", "silent")
MIN_VARIANTS = 8
TARGET = 0.95

# Sheet names finance teams give these tables (a hint to the reader, never the only clue).
SHEET_NAMES = {
    "providers": ("Provider register", "Trusts 25-26", "Org list"),
    "cash_balances": ("Cash", "Month-end cash", "Cash 2025-26"),
    "block_contracts": ("Contracts 25-26", "SLA schedule", "Contract lines"),
    "community_budgets": ("Community budgets", "Community schemes", "Out of hospital"),
}

# Valid data consistent across fields, in canonical form (money in £000, shares 0..1, financial years
# as their start year, months 1..12). Every field has a non-blank value in at least one row, and
# values differ between fields so a column read as the wrong field is caught.
BASE_ROWS = {
    "providers": [
        dict(provider_code="R{s}1", provider_name="Northgate Hospitals NHS Foundation Trust", form="acute_only",
             operating_income_gbp_k=412345.0, operating_expenditure_gbp_k=405120.0, depreciation_gbp_k=14230.0,
             capital_expenditure_gbp_k=16800.0, interest_gbp_k=950.0, pdc_dividend_gbp_k=5870.0,
             loan_repayment_gbp_k=1800.0, working_capital_gbp_k=-2350.0, vehicle="foundation_trust"),
        dict(provider_code="R{s}2", provider_name="Eastmere University Hospitals NHS Trust", form="integrated",
             operating_income_gbp_k=298760.0, operating_expenditure_gbp_k=301450.0, depreciation_gbp_k=9870.0,
             capital_expenditure_gbp_k=8000.0, interest_gbp_k=420.0, pdc_dividend_gbp_k=3900.0,
             loan_repayment_gbp_k=0.0, working_capital_gbp_k=5120.0, vehicle="nhs_trust"),
        dict(provider_code="R{s}3", provider_name="Westshire Community Health Services", form="community_only",
             operating_income_gbp_k=88400.0, operating_expenditure_gbp_k=87100.0, depreciation_gbp_k=2100.0,
             capital_expenditure_gbp_k=2500.0, interest_gbp_k=0.0, pdc_dividend_gbp_k=1150.0,
             loan_repayment_gbp_k=300.0, working_capital_gbp_k=1800.0, vehicle="new_entity"),
    ],
    "cash_balances": [
        dict(provider_code="RA1", period_end=dt.date(2026, 3, 31), financial_year=2025, month=12,
             cash_gbp_k=42150.0),
        dict(provider_code="RA1", period_end=dt.date(2025, 9, 30), financial_year=2025, month=6,
             cash_gbp_k=38720.0),
        dict(provider_code="RA2", period_end=dt.date(2026, 3, 31), financial_year=2025, month=12,
             cash_gbp_k=15300.0),
    ],
    "block_contracts": [
        dict(contract_id="C{s}-101", provider_code="RA1", commissioner="NHS Northshire ICB",
             service_line="non_elective", payment_type="block", annual_value_gbp_k=182500.0,
             baseline_activity=61200.0, unit_price_gbp=2980.0, start_fy=2025, end_fy=2027,
             activity_ceiling=64000.0, marginal_rate=0.3, variable_share=None, clawback_share=0.02,
             rebase_at_renewal=True),
        dict(contract_id="C{s}-101", provider_code="RA1", commissioner="NHS Northshire ICB",
             service_line="elective", payment_type="block", annual_value_gbp_k=96400.0,
             baseline_activity=28900.0, unit_price_gbp=3335.6, start_fy=2025, end_fy=2027,
             activity_ceiling=30000.0, marginal_rate=0.25, variable_share=None, clawback_share=0.02,
             rebase_at_renewal=True),
        dict(contract_id="C{s}-205", provider_code="RA2", commissioner="NHS England Specialised Commissioning",
             service_line="outpatients", payment_type="blended", annual_value_gbp_k=24150.0,
             baseline_activity=151000.0, unit_price_gbp=160.0, start_fy=2024, end_fy=None,
             activity_ceiling=None, marginal_rate=0.0, variable_share=0.4, clawback_share=0.0,
             rebase_at_renewal=False),
    ],
    "community_budgets": [
        dict(service_id="S{s}-01", service_name="Frailty virtual ward", commissioner="NHS Northshire ICB",
             holder_provider_code="RA2", acute_provider_code="RA1", affected_service_line="non_elective",
             payment_type="capitated", annual_budget_gbp_k=12400.0, population=185000.0,
             outcomes_share_start=0.05, outcomes_share_step=0.05, outcomes_share_cap=0.25,
             delivery_cost_ratio=0.97, activity_avoided_per_gbp_m=38.0, ramp_years=3.0, start_fy=2025,
             end_fy=None),
        dict(service_id="S{s}-02", service_name="Community diabetes service", commissioner="NHS Northshire ICB",
             holder_provider_code=None, acute_provider_code="RA1", affected_service_line="outpatients",
             payment_type="block", annual_budget_gbp_k=3150.0, population=None, outcomes_share_start=0.0,
             outcomes_share_step=0.02, outcomes_share_cap=0.1, delivery_cost_ratio=1.05,
             activity_avoided_per_gbp_m=120.0, ramp_years=2.0, start_fy=2026, end_fy=2029),
        dict(service_id="S{s}-03", service_name="Urgent community response", commissioner="Northshire County Council",
             holder_provider_code="RA3", acute_provider_code="RA2", affected_service_line="a_and_e",
             payment_type="block", annual_budget_gbp_k=5820.0, population=240000.0, outcomes_share_start=0.1,
             outcomes_share_step=0.0, outcomes_share_cap=0.15, delivery_cost_ratio=0.9,
             activity_avoided_per_gbp_m=55.5, ramp_years=1.5, start_fy=2025, end_fy=2028),
    ],
}


# Reading the vocabulary -------------------------------------------------------------------------------

def read_tsv(name: str) -> list[dict]:
    """Rows of a vocabulary file; cells are kept exactly as written (spaces matter in values)."""
    with open(VOCABULARY / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def header_variants() -> dict[str, dict[str, list[str]]]:
    """kind -> field -> headers, in file order."""
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in read_tsv("headers.tsv"):
        out[row["kind"]][row["field"]].append(row["header"].replace("\\n", "\n"))
    return {k: dict(v) for k, v in out.items()}


def decoy_headers() -> dict[str, list[str]]:
    """kind -> headers of columns that are no field (notes, region...): never to be mapped."""
    out: dict[str, list[str]] = defaultdict(list)
    for row in read_tsv("decoys.tsv"):
        out[row["kind"]].append(row["header"])
    return dict(out)


# Writing a value the way the header says -----------------------------------------------------------------

_MILLIONS = re.compile(r"£\s*(m|mn|million|millions)\b", re.IGNORECASE)
_THOUSANDS = re.compile(r"£\s*('?000s?|k|thousands?)\b|£\s*'000", re.IGNORECASE)
_POUNDS = re.compile(r"£(?!\s*[0-9'km])|\(\s*£\s*\)", re.IGNORECASE)


def money_scale(header: str) -> float:
    """£000 per unit written under this header: 1000 for £m, 0.001 for £, 1 for £000 or no unit."""
    if _MILLIONS.search(header):
        return 1000.0
    if _THOUSANDS.search(header):
        return 1.0
    if _POUNDS.search(header):
        return 0.001
    return 1.0


def is_percent(header: str) -> bool:
    return "%" in header or "percent" in header.lower()


def fy_text(start: int) -> str:
    return f"{start}/{(start + 1) % 100:02d}"


def written(col: schema.Column, header: str, value):
    """(cell value, number format or None) for a canonical value under this header."""
    if value is None:
        return None, None
    if col.type == schema.MONEY:
        return value / money_scale(header), None
    if col.type == schema.SHARE or (col.name == "delivery_cost_ratio" and is_percent(header)):
        return value, ("0.0%" if is_percent(header) else None)
    if col.type == schema.FY:
        return fy_text(value), None
    if col.type == schema.MONTH:
        return f"M{value}", None
    if col.type == schema.DATE:
        return value, "dd/mm/yyyy"
    if col.type == schema.BOOL:
        short = "y/n" in header.lower()
        return ("Y" if value else "N") if short else ("Yes" if value else "No"), None
    return value, None


def canonical_rows(kind: str, sheet_index: int) -> list[dict]:
    tag = chr(ord("A") + sheet_index)
    return [{k: (v.format(s=tag) if isinstance(v, str) and "{s}" in v else v) for k, v in r.items()}
            for r in BASE_ROWS[kind]]


def same(col: schema.Column, read, expected) -> bool:
    """Whether a value read back equals the canonical value written."""
    if expected is None:
        return read is None or (isinstance(read, float) and math.isnan(read))
    if read is None:
        return False
    if col.type in (schema.MONEY, schema.NUMBER, schema.COUNT, schema.SHARE, schema.YEARS, schema.FY,
                    schema.MONTH):
        return abs(float(read) - float(expected)) <= 1e-6 * max(1.0, abs(float(expected)))
    if col.type == schema.DATE:
        return read == expected
    if col.type == schema.BOOL:
        return isinstance(read, (bool, np.bool_)) and bool(read) == bool(expected)
    return str(read) == str(expected)


# Building the header workbook --------------------------------------------------------------------------

@dataclass
class SheetPlan:
    """What was written on one sheet: its kind, title rows, columns in sheet order, canonical rows.

    columns: (field, header) pairs; field is None for a decoy column that is no field at all.
    """

    sheet: str
    kind: str
    columns: list[tuple[str | None, str]]
    rows: list[dict]
    title: tuple[str, ...] = ()
    reused: frozenset = frozenset()  # fields whose header repeats an earlier sheet's: filled, not scored

    @property
    def header_row(self) -> int:
        return len(self.title) + 1

    @property
    def first_row(self) -> int:
        return self.header_row + 1

    @property
    def headers(self) -> dict[str, str]:
        """field -> header text."""
        return {name: header for name, header in self.columns if name is not None}

    def cell(self, header: str) -> str:
        j = next(j for j, (_, h) in enumerate(self.columns) if h == header)
        return f"{column_letter(j)}{self.header_row}"


def plan_header_sheets(variants: dict[str, dict[str, list[str]]],
                       decoys: dict[str, list[str]] | None = None) -> list[SheetPlan]:
    """Sheet i of a kind heads every field with its i-th variant (reused when a field has fewer).

    For realism, every third sheet has title rows above its header, odd sheets list their columns in
    another order, and each sheet carries one decoy column (notes, region...) that is no field.
    """
    plans = []
    decoys = decoys or {}
    for kind in schema.INPUT_KINDS:
        fields = variants.get(kind.key, {})
        n_sheets = max((len(v) for v in fields.values()), default=0)
        names = SHEET_NAMES[kind.key]
        for i in range(n_sheets):
            columns = [(name, fields[name][i % len(fields[name])]) for name in kind.names if name in fields]
            if i % 2:
                columns = columns[:2] + columns[:1:-1]
            mine = decoys.get(kind.key, [])
            if mine:
                columns.insert(len(columns) - i % 3, (None, mine[i % len(mine)]))
            title = ((f"Northshire ICS: {names[0].lower()} 2025/26", "£000 unless stated; draft, not audited")
                     if i % 3 == 2 else ())
            reused = frozenset(name for name in fields if i >= len(fields[name]))
            plans.append(SheetPlan(f"{names[i % len(names)]} {i + 1}", kind.key, columns,
                                   canonical_rows(kind.key, i), title, reused))
    return plans


def template_sheet_plans() -> list[SheetPlan]:
    """One sheet per kind headed exactly as the template: the yardstick must score these right."""
    return [SheetPlan(kind.sheet, kind.key, [(c.name, c.header) for c in kind.columns], canonical_rows(kind.key, 0))
            for kind in schema.INPUT_KINDS]


def write_workbook(path: Path, plans: list[SheetPlan]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for plan in plans:
        texts = [" ".join(h.split()).lower() for _, h in plan.columns]
        assert len(set(texts)) == len(texts), plan.columns
        ws = wb.create_sheet(plan.sheet)
        kind = schema.KINDS_BY_KEY[plan.kind]
        for r, line in enumerate(plan.title, start=1):
            ws.cell(r, 1, line)
        for j, (_, header) in enumerate(plan.columns, start=1):
            ws.cell(plan.header_row, j, header)
        for r, rec in enumerate(plan.rows, start=plan.first_row):
            for j, (name, header) in enumerate(plan.columns, start=1):
                if name is None:
                    value, fmt = ("checked" if r % 2 else None), None
                else:
                    value, fmt = written(kind.column(name), header, rec.get(name))
                if value is None:
                    continue
                cell = ws.cell(r, j, value)
                if fmt:
                    cell.number_format = fmt
    wb.save(path)
    return path


# Scoring ------------------------------------------------------------------------------------------------

@dataclass
class Scores:
    """Outcome counts per (kind, field), and the headers behind every outcome other than right."""

    counts: dict = field(default_factory=lambda: defaultdict(lambda: dict.fromkeys(OUTCOMES, 0)))
    unverified: int = 0  # right by mapping whose rows were not read (another field of the sheet was missed)
    details: list = field(default_factory=list)

    def add(self, kind: str, name: str, outcome: str, header: str, why: str = "") -> None:
        self.counts[(kind, name)][outcome] += 1
        if outcome != "right":
            self.details.append((outcome, kind, name, header, why))

    def total(self, outcome: str | None = None) -> int:
        return sum(sum(c.values()) if outcome is None else c[outcome] for c in self.counts.values())

    @property
    def share_right(self) -> float:
        return self.total("right") / self.total() if self.total() else 0.0

    def table(self, title: str) -> str:
        lines = [title, f"{'kind':<18}{'field':<28}{'n':>4}{'right':>7}{'wrong':>7}{'warned':>8}{'silent':>8}"]
        for (kind, name), c in self.counts.items():
            lines.append(f"{kind:<18}{name:<28}{sum(c.values()):>4}{c['right']:>7}{c['wrong']:>7}"
                         f"{c['warned']:>8}{c['silent']:>8}")
        lines.append(f"{'all':<46}{self.total():>4}{self.total('right'):>7}{self.total('wrong'):>7}"
                     f"{self.total('warned'):>8}{self.total('silent'):>8}")
        if self.total("right") or not self.total():
            lines.append(f"right {self.share_right:.1%} (target {TARGET:.0%}), wrong {self.total('wrong')}, "
                         f"silent misses {self.total('silent')}"
                         + (f"; {self.unverified} right by mapping, values not read" if self.unverified else ""))
        else:  # columns that are no field: the only good outcome is unmapped and warned
            lines.append(f"mapped to a field {self.total('wrong')} (target 0), warned {self.total('warned')}, "
                         f"silent {self.total('silent')} (target 0)")
        for outcome in ("wrong", "silent", "warned"):
            for _, kind, name, header, why in (d for d in self.details if d[0] == outcome):
                lines.append(f"  {outcome:<7}{kind}.{name}: {header!r}{' -> ' + why if why else ''}")
        return "\n".join(lines)


def read_back(result, kind: str, file: str, sheet: str) -> dict[int, dict]:
    """spreadsheet row -> {field: plain value} for the rows read from one sheet."""
    table = result.inputs.table(kind)
    out = {}
    for i in range(table.n_rows):
        if str(table.source_file[i]) == file and str(table.source_sheet[i]) == sheet:
            out[int(table.source_row[i])] = {c.name: plain_value(c.type, table[c.name][i])
                                             for c in table.kind.columns}
    return out


def names_header(message: str, header: str) -> bool:
    """Whether a message names this header: quoted, or (for headers longer than 3 characters) as
    whole words, so that a header such as 'To' or 'FY' is not found inside unrelated words."""
    text = " ".join(header.split()).lower()
    message = " ".join(message.split()).lower()
    if any(f"{q}{text}{q2}" in message for q, q2 in (("'", "'"), ('"', '"'), ("\u2018", "\u2019"))):
        return True
    return len(text) > 3 and re.search(rf"(?<![a-z0-9]){re.escape(text)}(?![a-z0-9])", message) is not None


def warned_about(problems, file: str, sheet: str, header: str, cell: str) -> bool:
    """A warning or error on this sheet that names this header (its text, or its header cell)."""
    for p in problems:
        if p.severity not in (WARNING, ERROR) or (p.file and p.file != file) or p.sheet != sheet:
            continue
        if p.cell == cell or names_header(p.message, header):
            return True
    return False


def score_headers(result, file: str, plans: list[SheetPlan], scores: Scores | None = None,
                  decoys: Scores | None = None) -> Scores:
    """Score every field column of the plans (and, into ``decoys``, every decoy column)."""
    scores = scores or Scores()
    reports = {r.sheet: r for r in result.sheets if r.file == file}
    for plan in plans:
        report = reports.get(plan.sheet)
        # the header text as written, compared with runs of spaces and line breaks taken as one space
        mapping = {" ".join(k.split()): v for k, v in (report.mapping if report is not None else {}).items()}
        right_kind = report is not None and report.kind == plan.kind
        rows = read_back(result, plan.kind, file, plan.sheet) if right_kind else {}
        kind = schema.KINDS_BY_KEY[plan.kind]
        for name, header in plan.columns:
            got = mapping.get(" ".join(header.split()))
            if name is None:
                if decoys is not None:
                    outcome = "wrong" if got else (
                        "warned" if warned_about(result.problems, file, plan.sheet, header, plan.cell(header))
                        else "silent")
                    decoys.add(plan.kind, "(no field)", outcome, header, f"{got}" if got else "")
                continue
            if name in plan.reused:
                continue
            if got is None:
                warned = warned_about(result.problems, file, plan.sheet, header, plan.cell(header))
                scores.add(plan.kind, name, "warned" if warned else "silent", header,
                           "" if report is None or report.kind else "sheet not recognised")
            elif not right_kind:
                scores.add(plan.kind, name, "wrong", header, f"{got} on a sheet read as {report.kind}")
            elif got != name:
                scores.add(plan.kind, name, "wrong", header, got)
            else:
                expected_rows = {plan.first_row + i: rec for i, rec in enumerate(plan.rows)}
                if set(rows) != set(expected_rows):
                    scores.unverified += 1
                    scores.add(plan.kind, name, "right", header)
                    continue
                col = kind.column(name)
                bad = [(r, rows[r][name], rec.get(name)) for r, rec in expected_rows.items()
                       if not same(col, rows[r][name], rec.get(name))]
                if bad:
                    r, read, want = bad[0]
                    scores.add(plan.kind, name, "wrong", header, f"row {r} read {read!r}, written {want!r}")
                else:
                    scores.add(plan.kind, name, "right", header)
    return scores


# Values -------------------------------------------------------------------------------------------------

def expected_value(col: schema.Column, text: str):
    """The canonical value of values.tsv's expected column, typed as the reader holds it."""
    if col.type == schema.FY:
        return int(text[:4])
    if col.type == schema.MONTH:
        return int(text.lstrip("M"))
    if col.type == schema.BOOL:
        return {"yes": True, "no": False}[text]
    if col.type == schema.DATE:
        return dt.date.fromisoformat(text)
    if col.type in (schema.MONEY, schema.NUMBER, schema.COUNT, schema.SHARE, schema.YEARS):
        return float(text)
    return text


@dataclass
class ValueCase:
    kind: str
    name: str
    value: str
    expected: object
    sheet: str = ""
    row: int = 0
    letter: str = ""


def plan_value_sheets(cases: list[ValueCase]) -> dict[str, list[dict]]:
    """kind -> canonical rows (a base row with one field replaced by a raw text variant).

    Sets each case's sheet, row and column letter. Every provider code used is on the Providers sheet.
    """
    by_kind: dict[str, list[ValueCase]] = defaultdict(list)
    for case in cases:
        by_kind[case.kind].append(case)
    n_providers = max(len(by_kind["providers"]), len(by_kind["cash_balances"]), 1)
    codes = [f"V{i + 1:03d}" for i in range(n_providers)]
    rows: dict[str, list[dict]] = {}
    for kind in schema.INPUT_KINDS:
        base = canonical_rows(kind.key, 0)[0]
        mine = by_kind.get(kind.key, [])
        out = []
        count = n_providers if kind.key == "providers" else len(mine)
        for i in range(count):
            rec = dict(base)
            if kind.key in ("providers", "cash_balances"):
                rec["provider_code"] = codes[i]
            elif kind.key == "block_contracts":
                rec.update(contract_id=f"K{i + 1:03d}", provider_code=codes[0])
            else:
                rec.update(service_id=f"S{i + 1:03d}", acute_provider_code=codes[0], holder_provider_code=None)
            if i < len(mine):
                case = mine[i]
                if kind.key == "cash_balances":  # a balance dated either by its period end or by year + month
                    if case.name == "period_end":
                        rec.update(financial_year=None, month=None)
                    else:
                        rec["period_end"] = None
                rec[case.name] = _Raw(case.value)
                case.sheet, case.row = kind.sheet, HEADER_ROW + 1 + i
                case.letter = column_letter(kind.names.index(case.name))
            out.append(rec)
        rows[kind.key] = out
    return rows


class _Raw(str):
    """A value variant written into its cell exactly as text."""


def write_value_workbook(path: Path, rows: dict[str, list[dict]]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for kind in schema.INPUT_KINDS:
        ws = wb.create_sheet(kind.sheet)
        for j, col in enumerate(kind.columns, start=1):
            ws.cell(HEADER_ROW, j, col.header)
        for r, rec in enumerate(rows[kind.key], start=HEADER_ROW + 1):
            for j, col in enumerate(kind.columns, start=1):
                v = rec.get(col.name)
                if isinstance(v, _Raw):
                    ws.cell(r, j, str(v))
                    continue
                value, fmt = written(col, col.header, v)
                if value is not None:
                    cell = ws.cell(r, j, value)
                    if fmt:
                        cell.number_format = fmt
    wb.save(path)
    return path


def value_cases() -> list[ValueCase]:
    out = []
    for row in read_tsv("values.tsv"):
        col = schema.KINDS_BY_KEY[row["kind"]].column(row["field"])
        out.append(ValueCase(row["kind"], row["field"], row["value"], expected_value(col, row["expected"])))
    return out


def score_values(result, file: str, cases: list[ValueCase]) -> Scores:
    """right: read back as expected; wrong: read as something else; warned: unread with an error
    naming its cell; silent: unread and no error names the cell."""
    scores = Scores()
    read = {k.key: read_back(result, k.key, file, k.sheet) for k in schema.INPUT_KINDS}
    for case in cases:
        col = schema.KINDS_BY_KEY[case.kind].column(case.name)
        got = read[case.kind].get(case.row, {}).get(case.name)
        blank = got is None or (isinstance(got, float) and math.isnan(got))
        label = f"{case.value!r} (row {case.row})"
        if not blank and same(col, got, case.expected):
            scores.add(case.kind, case.name, "right", case.value)
        elif not blank:
            scores.add(case.kind, case.name, "wrong", label, f"read {got!r}, expected {case.expected!r}")
        else:
            cell = f"{case.letter}{case.row}"
            named = any(p.severity == ERROR and p.sheet == case.sheet and p.cell == cell and
                        (not p.file or p.file == file) for p in result.problems)
            scores.add(case.kind, case.name, "warned" if named else "silent", label)
    return scores


# Running ------------------------------------------------------------------------------------------------

def run_headers(folder: Path, plans: list[SheetPlan] | None = None,
                name: str = "finance_files.xlsx") -> tuple[Scores, Scores]:
    """(field scores, decoy scores) of one workbook read through ``load_inputs``."""
    from strandrisk.io.spreadsheets.load import load_inputs

    plans = plans if plans is not None else plan_header_sheets(header_variants(), decoy_headers())
    path = write_workbook(folder / name, plans)
    decoys = Scores()
    return score_headers(load_inputs([path]), path.name, plans, decoys=decoys), decoys


def run_values(folder: Path) -> Scores:
    from strandrisk.io.spreadsheets.load import load_inputs

    cases = value_cases()
    path = write_value_workbook(folder / "finance_values.xlsx", plan_value_sheets(cases))
    return score_values(load_inputs([path]), path.name, cases)


def test_vocabulary_covers_every_field_of_every_kind():
    variants = header_variants()
    assert set(variants) == {k.key for k in schema.INPUT_KINDS}
    for kind in schema.INPUT_KINDS:
        assert set(variants[kind.key]) == set(kind.names), kind.key
        for name, headers in variants[kind.key].items():
            distinct = {" ".join(h.split()).lower() for h in headers}
            assert len(distinct) == len(headers) >= MIN_VARIANTS, (kind.key, name, headers)
    for kind_key, headers in decoy_headers().items():
        fields = {" ".join(h.split()).lower() for hs in variants[kind_key].values() for h in hs}
        assert not fields & {" ".join(h.split()).lower() for h in headers}, kind_key
    for case in value_cases():
        col = schema.KINDS_BY_KEY[case.kind].column(case.name)
        if col.allowed:
            assert case.expected in col.allowed, (case.kind, case.name, case.value)


def test_money_units_are_read_from_the_header_as_a_finance_team_writes_them():
    assert money_scale("Total income £m") == 1000.0
    assert money_scale("Total Income (£ million)") == 1000.0
    assert money_scale("Income (£'000)") == 1.0
    assert money_scale("Op income £k") == 1.0
    assert money_scale("Working capital (£ thousands)") == 1.0
    assert money_scale("Base year income £000") == 1.0
    assert money_scale("Income from operations (£)") == 0.001
    assert money_scale("Tariff price £") == 0.001
    assert money_scale("Income") == 1.0


def test_template_headers_are_scored_right(tmp_path):
    """The yardstick itself: the template's own headers, values written as the template asks."""
    scores, decoys = run_headers(tmp_path, template_sheet_plans(), "template.xlsx")
    assert decoys.total() == 0
    assert scores.total("right") == scores.total() == sum(len(k.columns) for k in schema.INPUT_KINDS), \
        scores.table("template headers")
    assert scores.unverified == 0


def test_scorer_tells_right_wrong_warned_and_silent_apart():
    """A hand-made import result: one column of each outcome, and the counts add up."""
    from strandrisk.core.inputs import ModelInputs, Table
    from strandrisk.core.problems import Problem
    from strandrisk.io.spreadsheets.load import ImportResult
    from strandrisk.io.spreadsheets.sheets import SheetReport

    kind = schema.KINDS_BY_KEY["cash_balances"]
    row = dict(provider_code="RA1", period_end=dt.date(2026, 3, 31), month=12, financial_year=2025,
               cash_gbp_k=42150.0)
    plan = SheetPlan("Cash 1", kind.key, [("provider_code", "Org"), ("period_end", "As at"), ("month", "Mth"),
                                          ("financial_year", "FY"), ("cash_gbp_k", "Cash £m"), (None, "Notes")],
                     [row])
    # What a reader that forgot the £m would hold: 42.15 where £42,150k was meant; FY never read.
    table = Table.from_records(kind, [dict(row, financial_year=None, month=2025, cash_gbp_k=42.15)], "f.xlsx")
    table.source_sheet[:] = "Cash 1"
    inputs = ModelInputs.empty()
    inputs.cash_balances = table
    report = SheetReport("f.xlsx", "Cash 1", kind.key, rows=1,
                         mapping={"Org": "provider_code", "As at": "period_end", "Mth": "financial_year",
                                  "Cash £m": "cash_gbp_k"})
    result = ImportResult(inputs, [Problem(WARNING, "column 'FY' was not recognised", "f.xlsx", "Cash 1"),
                                   Problem(WARNING, "not used", "f.xlsx", "Cash 1", "F1")], [report])
    decoys = Scores()
    scores = score_headers(result, "f.xlsx", [plan], decoys=decoys)
    c = scores.counts
    assert c[(kind.key, "provider_code")]["right"] == 1
    assert c[(kind.key, "period_end")]["right"] == 1
    assert c[(kind.key, "month")]["wrong"] == 1  # mapped to another field
    assert c[(kind.key, "financial_year")]["warned"] == 1
    assert c[(kind.key, "cash_gbp_k")]["wrong"] == 1  # £m not scaled: 42.15 read where 42,150 was meant
    assert scores.total() == len(plan.headers) == sum(scores.total(o) for o in OUTCOMES)
    assert decoys.counts[(kind.key, "(no field)")]["warned"] == 1  # named by its header cell F1
    silent = score_headers(ImportResult(inputs, [], [report]), "f.xlsx", [plan], decoys=decoys)
    assert silent.counts[(kind.key, "financial_year")]["silent"] == 1
    assert decoys.counts[(kind.key, "(no field)")]["silent"] == 1
    report.mapping["Notes"] = "cash_gbp_k"
    score_headers(result, "f.xlsx", [plan], decoys=decoys)
    assert decoys.counts[(kind.key, "(no field)")]["wrong"] == 1
    other_kind = SheetReport("f.xlsx", "Cash 1", "providers", rows=1, mapping={"Org": "provider_code"})
    misread = score_headers(ImportResult(inputs, [], [other_kind]), "f.xlsx", [plan])
    assert misread.counts[(kind.key, "provider_code")]["wrong"] == 1
    assert names_header("column 'To' was not recognised", "To")
    assert not names_header("the total row was left out", "To")
    assert names_header("Contracts!N4: column Activity baseline was ignored", "Activity baseline")


def test_value_scorer_tells_right_wrong_warned_and_silent_apart():
    from strandrisk.core.inputs import ModelInputs, Table
    from strandrisk.core.problems import Problem
    from strandrisk.io.spreadsheets.load import ImportResult

    kind = schema.KINDS_BY_KEY["block_contracts"]
    cases = [ValueCase(kind.key, "service_line", v, e) for v, e in
             (("NEL", "non_elective"), ("A&E", "a_and_e"), ("Emergency department", "a_and_e"), ("ED", "a_and_e"))]
    rows = plan_value_sheets(cases)[kind.key]
    read = [dict(rows[0], service_line="non_elective"), dict(rows[1], service_line="non_elective"),
            dict(rows[2], service_line=None), dict(rows[3], service_line=None)]
    table = Table.from_records(kind, read, "v.xlsx")
    table.source_sheet[:] = kind.sheet
    inputs = ModelInputs.empty()
    inputs.block_contracts = table
    letter = column_letter(kind.names.index("service_line"))
    assert (cases[2].sheet, cases[2].row, cases[2].letter) == (kind.sheet, 4, letter)
    result = ImportResult(inputs, [Problem(ERROR, "unknown service line", "v.xlsx", kind.sheet, f"{letter}4"),
                                   Problem(WARNING, "unknown service line", "v.xlsx", kind.sheet, f"{letter}5")])
    c = score_values(result, "v.xlsx", cases).counts[(kind.key, "service_line")]
    assert c == {"right": 1, "wrong": 1, "warned": 1, "silent": 1}  # a mere warning does not report row 5


def test_finance_teams_headers_are_read_by_meaning(tmp_path):
    scores, _ = run_headers(tmp_path)
    print("\n" + scores.table("Headers (tests/vocabulary/headers.tsv)"))
    assert scores.total() == len(read_tsv("headers.tsv"))  # every variant scored exactly once
    for kind_key, fields in header_variants().items():
        for name, headers in fields.items():
            assert sum(scores.counts[(kind_key, name)].values()) == len(headers), (kind_key, name)
    assert scores.total("wrong") == 0, scores.table("headers")
    assert scores.total("silent") == 0, scores.table("headers")
    assert scores.share_right >= TARGET, scores.table("headers")


def test_columns_that_are_no_field_are_never_mapped_and_always_warned(tmp_path):
    _, decoys = run_headers(tmp_path)
    print("\n" + decoys.table("Columns that are no field (tests/vocabulary/decoys.tsv)"))
    assert decoys.total() == sum(max(len(v) for v in fields.values()) for fields in header_variants().values())
    assert decoys.total("wrong") == 0, decoys.table("decoys")
    assert decoys.total("silent") == 0, decoys.table("decoys")


def test_finance_teams_values_are_read_by_meaning(tmp_path):
    scores = run_values(tmp_path)
    print("\n" + scores.table("Values (tests/vocabulary/values.tsv)"))
    assert scores.total() == len(read_tsv("values.tsv"))
    assert scores.total("wrong") == 0, scores.table("values")
    assert scores.total("silent") == 0, scores.table("values")
    assert scores.share_right >= TARGET, scores.table("values")


def main() -> None:
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        os.environ.setdefault("STRANDRISK_DATA_DIR", str(Path(folder) / "userdata"))
        headers, decoys = run_headers(Path(folder))
        print(headers.table("Headers (tests/vocabulary/headers.tsv)"))
        print()
        print(decoys.table("Columns that are no field (tests/vocabulary/decoys.tsv)"))
        print()
        print(run_values(Path(folder)).table("Values (tests/vocabulary/values.tsv)"))


if __name__ == "__main__":
    main()

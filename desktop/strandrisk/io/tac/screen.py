"""The England screen (TAC_SCREEN.md section 5): every trust of the TAC files in both forms, ranked.

``Screen`` keeps the files' parsed lines, so a change of scenario or screen settings re-derives the
inputs and re-runs the engine without reading the workbooks again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from ...core import schema
from ...core.inputs import ModelInputs, SourceFile
from ...core.labels import SCREEN_STATUS_LABELS, value_label
from ...core.problems import ERROR, Problem
from ...core.results import RunResult, run_deterministic
from ...core.scenario import Scenario
from .derive import STATUSES, ScreenSettings, TrustScreen
from .reader import TacImport, TacSelection, combine_tac, read_tac_files

CAVEAT = ("From published accounts alone most of the gap between the two forms is the capitation assumption "
          "(integrated_capitation) and repurpose_share: the accounts say nothing about contracts' terms or what "
          "community services avoid. Integrated results are not added up nationally: the same community "
          "service is counted as held by several trusts.")

# The ranked table's columns (key, heading), one definition for the terminal, the workbook and the app.
COLUMNS = (
    ("rank", "Rank"), ("provider_code", "Code"), ("provider_name", "Trust"), ("region", "Region"),
    ("sector", "Sector"), ("status", "Status"), ("form", "Form"),
    ("ao_stranded_pct", "Stranded % (acute-only)"), ("in_stranded_pct", "Stranded % (integrated)"),
    ("ao_npv_stranded", "NPV stranded (acute-only)"), ("in_npv_stranded", "NPV stranded (integrated)"),
    ("ao_cum_surplus", "Cum. surplus (acute-only)"), ("in_cum_surplus", "Cum. surplus (integrated)"),
    ("ao_cum_surplus_pct", "Cum. surplus % (acute-only)"), ("in_cum_surplus_pct", "Cum. surplus % (integrated)"),
    ("ao_shift_impact", "Shift impact (acute-only)"), ("in_shift_impact", "Shift impact (integrated)"),
    ("ao_cash_short", "Cash short from (acute-only)"), ("in_cash_short", "Cash short from (integrated)"),
    ("ao_closing_cash", "Closing cash (acute-only)"), ("in_closing_cash", "Closing cash (integrated)"),
    ("ao_worst_rating", "Worst rating (acute-only)"), ("in_worst_rating", "Worst rating (integrated)"),
    ("opening_cash_days", "Opening cash days"), ("kappa", "Cost/income ratio"),
    ("variable_share", "Variable cost share"), ("semi_fixed_share", "Semi-fixed cost share"),
    ("api_variable_share", "API variable share"), ("community_share", "Community share"),
    ("community_budget_gbp_k", "Community budget"), ("acute_contract_income_gbp_k", "Acute contract income"),
    ("flags", "Flags"),
)
FORM_PREFIX = {"acute_only": "ao", "integrated": "in", "community_only": "ao"}


def shown_value(key: str, value):
    """A ranked-table cell as a person reads it (the app and the workbook): words for the coded sector,
    status and form; every other value as it is."""
    if key == "status":
        return SCREEN_STATUS_LABELS.get(value, value)
    if key in ("sector", "form"):
        return value_label(value)
    return value


@dataclass
class ScreenResult:
    scenario: Scenario  # resolved
    settings: ScreenSettings
    tac: TacImport
    result: RunResult | None
    rows: list[dict]  # ranked: screened trusts first, then community trusts, then the listed ones
    problems: list[Problem] = field(default_factory=list)

    @property
    def trusts(self) -> list[TrustScreen]:
        return self.tac.derivation.trusts

    def inputs(self) -> ModelInputs:
        return _inputs(self.tac)

    def to_document(self) -> dict:
        """The screen's JSON: scenario, settings and every trust with both forms' results (MODEL.md section 7)."""
        index = {c: p for p, c in enumerate(self.result.provider_codes)} if self.result else {}
        by_code = {t.code: t for t in self.trusts}
        out = []
        for row in self.rows:
            t = by_code[row["provider_code"]]
            forms = {}
            p = index.get(t.code)
            if p is not None:
                forms = {form: self.result._form_document(form, p) for form in self.result.provider_forms(p)}
            out.append({"provider_code": t.code, "provider_name": t.name, "region": t.region, "sector": t.sector,
                        "status": t.status, **({"form": t.form} if t.status == "screened" else {}),
                        "rank": row["rank"], "reasons": list(t.reasons), "flags": list(t.flags),
                        "derived": {k: _plain(v) for k, v in t.derived.items()},
                        "summary": {k: _plain(row.get(k)) for k, _ in COLUMNS
                                    if k.startswith(("ao_", "in_")) or k == "opening_cash_days"},
                        "forms": forms})
        return {"scenario": self.scenario.to_dict(), "settings": self.settings.to_dict(),
                "peers": {k: _plain(v) for k, v in self.tac.derivation.peers.items()},
                "caveat": CAVEAT, "years": self.result.years if self.result else [], "trusts": out}


def _plain(v):
    if isinstance(v, (np.floating, float)):
        v = float(v)
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(v, np.integer):
        return int(v)
    return v


class Screen:
    """The parsed TAC lines of some files, screened again on every scenario or settings change."""

    def __init__(self, paths: Sequence[Path], selection: TacSelection | None = None, progress=None, cancel=None):
        self.paths = [Path(p) for p in paths]
        self.selection = selection or TacSelection()
        self.files = read_tac_files(self.paths, self.selection, progress, cancel)

    def run(self, scenario: Scenario | None = None, settings: ScreenSettings | None = None) -> ScreenResult:
        scenario = scenario or Scenario.default()
        settings = settings or ScreenSettings()
        tac = combine_tac(self.files, self.selection, settings)
        problems = list(tac.problems)
        inputs = _inputs(tac)
        result = None
        if inputs.providers.n_rows:
            result = run_deterministic(inputs, scenario.replace(simulations=0), break_even=False)
            scenario = result.scenario
        elif not any(p.severity == ERROR for p in problems):
            problems.append(Problem(ERROR, "no trust in the TAC files can be screened (see the notes above)"))
        return ScreenResult(scenario, settings, tac, result, _ranked_rows(tac, result), problems)


def _inputs(tac: TacImport) -> ModelInputs:
    t = tac.tables
    return ModelInputs(*(t.get(k.key) for k in schema.INPUT_KINDS),
                       sources=[SourceFile(f, "", ("All data",), 0) for f in sorted(tac.year_evidence)])


def _ranked_rows(tac: TacImport, result: RunResult | None) -> list[dict]:
    index = {c: p for p, c in enumerate(result.provider_codes)} if result else {}
    rows = []
    for t in tac.derivation.trusts:
        d = t.derived
        row = {"provider_code": t.code, "provider_name": t.name, "region": t.region, "sector": t.sector,
               "status": t.status, "form": t.form or "", "flags": "; ".join(t.flags), "reasons": "; ".join(t.reasons)}
        for key in ("kappa", "variable_share", "semi_fixed_share", "api_variable_share", "community_share",
                    "community_budget_gbp_k", "acute_contract_income_gbp_k"):
            row[key] = d.get(key)
        p = index.get(t.code)
        if p is not None:
            _metrics(row, result, p, d)
        rows.append(row)

    def key(r):
        order = STATUSES.index(r["status"])
        pct = r.get("ao_stranded_pct")
        return (order, -(pct if pct is not None else -1e18), r.get("ao_shift_impact") or 0.0, r["provider_code"])

    rows.sort(key=key)
    n = 0
    for r in rows:
        if r["status"] == "screened":
            n += 1
            r["rank"] = n
        else:
            r["rank"] = None
    return rows


def _metrics(row: dict, result: RunResult, p: int, d: dict) -> None:
    acute = d.get("acute_contract_income_gbp_k") or 0.0
    spend = d.get("operating_expenditure_gbp_k") or 0.0
    cash0 = d.get("opening_cash_gbp_k")
    row["opening_cash_days"] = cash0 / (spend / 365) if cash0 is not None and spend > 0 else None
    for form in result.provider_forms(p):
        m = result.forms[form]
        pre = FORM_PREFIX[form]
        npv = float(m["npv_stranded_gbp_k"][p])
        cum = float(m["cumulative_surplus_gbp_k"][p])
        income = float(np.nansum(m["income_gbp_k"][p]))
        ratings = m["rating_finance"][p]
        row.update({
            f"{pre}_npv_stranded": npv,
            f"{pre}_stranded_pct": 100 * npv / acute if acute > 0 else None,
            f"{pre}_cum_surplus": cum,
            f"{pre}_cum_surplus_pct": 100 * cum / income if income > 0 else None,
            f"{pre}_shift_impact": float(m["shift_impact_gbp_k"][p]),
            f"{pre}_cash_short": result.first_liquidity_risk_year(form, p) or "never",
            f"{pre}_closing_cash": float(m["cash_gbp_k"][p][-1]),
            f"{pre}_worst_rating": None if np.all(np.isnan(ratings)) else int(np.nanmax(ratings)),
        })


def screen_files(paths: Sequence[Path], scenario: Scenario | None = None, settings: ScreenSettings | None = None,
                 selection: TacSelection | None = None, progress=None, cancel=None) -> tuple[Screen, ScreenResult]:
    screen = Screen(paths, selection, progress, cancel)
    return screen, screen.run(scenario, settings)


def _fmt(v, kind: str = "money") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, str):
        return v
    if kind == "pct":
        return f"{v:.1f}%"
    if kind == "share":
        return f"{v:.2f}"
    return f"({abs(v):,.0f})" if v < 0 else f"{v:,.0f}"


def ranked_table_text(sr: ScreenResult, limit: int | None = None) -> str:
    """The ranked table for a terminal: the section 5 figures of both forms, one line per trust and form."""
    sc = sr.scenario
    years = sr.result.years if sr.result else []
    head = [f"England screen - scenario '{sc.name}', base year {sc.to_dict().get('base_year')}, "
            + (f"{years[0]} to {years[-1]}" if years else "no years") + " (GBP 000; brackets are negative)",
            "Settings: " + ", ".join(f"{k} {v}" for k, v in sr.settings.to_dict().items())
            + f"; community ratio used {sr.tac.derivation.peers['community_ratio']:.3f}", ""]
    cols = ["Rank", "Code", "Trust", "Form", "Stranded %", "NPV stranded", "Cum. surplus", "Surplus %",
            "Shift impact", "Cash short", "Closing cash", "Rating", "Cash days", "kappa", "Var", "Semi", "API var",
            "Comm.", "Flags"]
    rows = []
    shown = [r for r in sr.rows if r["status"] in ("screened", "community_only")]
    for r in shown[:limit] if limit else shown:
        forms = ("acute_only", "integrated") if r["status"] == "screened" else ("community_only",)
        for k, form in enumerate(forms):
            pre = FORM_PREFIX[form]
            first = k == 0
            rows.append([str(r["rank"] or "-") if first else "", r["provider_code"] if first else "",
                         (r["provider_name"][:32] if first else ""), form,
                         _fmt(r.get(f"{pre}_stranded_pct"), "pct"), _fmt(r.get(f"{pre}_npv_stranded")),
                         _fmt(r.get(f"{pre}_cum_surplus")), _fmt(r.get(f"{pre}_cum_surplus_pct"), "pct"),
                         _fmt(r.get(f"{pre}_shift_impact")), r.get(f"{pre}_cash_short") or "-",
                         _fmt(r.get(f"{pre}_closing_cash")), _fmt(r.get(f"{pre}_worst_rating"), "share")
                         if r.get(f"{pre}_worst_rating") is None else str(r.get(f"{pre}_worst_rating")),
                         _fmt(r.get("opening_cash_days"), "share") if first else "",
                         _fmt(r.get("kappa"), "share") if first else "",
                         _fmt(r.get("variable_share"), "share") if first else "",
                         _fmt(r.get("semi_fixed_share"), "share") if first else "",
                         _fmt(r.get("api_variable_share"), "share") if first else "",
                         _fmt(r.get("community_share"), "share") if first else "",
                         (r["flags"][:60] + ("..." if len(r["flags"]) > 60 else "")) if first else ""])
    widths = [max(len(str(x[i])) for x in rows + [cols]) for i in range(len(cols))]
    left = {1, 2, 3, 9, 18}
    fmt_row = lambda vals: "  ".join(str(v).ljust(widths[i]) if i in left else str(v).rjust(widths[i])
                                     for i, v in enumerate(vals)).rstrip()
    lines = head + [fmt_row(cols), "  ".join("-" * w for w in widths)] + [fmt_row(r) for r in rows]
    listed = [r for r in sr.rows if r["status"] in ("not_applicable", "excluded")]
    if listed:
        lines += ["", f"Not screened ({len(listed)}):"]
        lines += [f"  {r['provider_code']} {r['provider_name']}: {r['status'].replace('_', ' ')} - {r['reasons']}"
                  for r in listed]
    lines += ["", "Stranded %: NPV of stranded cost over the horizon as % of the base year's acute contract income. "
                  "Surplus %: cumulative surplus as % of the horizon's income. Ranked by acute-only stranded %, "
                  "then shift impact.", CAVEAT]
    return "\n".join(lines)


__all__ = ["CAVEAT", "COLUMNS", "Screen", "ScreenResult", "ranked_table_text", "screen_files", "shown_value"]

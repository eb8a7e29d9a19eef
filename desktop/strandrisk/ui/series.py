"""Read one provider's (or all providers') yearly series out of a RunResult for tables and charts."""

from __future__ import annotations

import numpy as np

from ..workspace.explain import providers_in

ALL = -1  # the "All providers" choice: money summed over the providers modelled in that form

YEARLY_ROWS = (
    ("income_gbp_k", "Income (£000)", "money"),
    ("cost_gbp_k", "Cost (£000)", "money"),
    ("stranded_cost_gbp_k", "Stranded cost (£000)", "money"),
    ("surplus_gbp_k", "Surplus / deficit (£000)", "money"),
    ("cash_gbp_k", "Cash (£000)", "money"),
    ("liquidity_days", "Cash cover (days of cost)", "days"),
    ("ie_margin", "I&E margin", "share"),
    ("capital_service_cover", "Capital service cover (times)", "number"),
    ("sof_liquidity_days", "SOF liquidity (days)", "days"),
    ("rating_finance", "Finance rating (1 best - 4)", "rating"),
)
MONEY = ("income_gbp_k", "cost_gbp_k", "stranded_cost_gbp_k", "surplus_gbp_k", "cash_gbp_k")


providers_in_form = providers_in  # mask (P,) of the providers modelled in a form


def forms_for(result, p: int) -> tuple[str, ...]:
    if p == ALL:
        return tuple(f for f in ("acute_only", "integrated") if f in result.forms)
    return result.provider_forms(p)


def yearly(result, form: str, p: int, metric: str) -> np.ndarray:
    m = result.forms[form]
    if p != ALL:
        return np.asarray(m[metric][p], dtype=float)
    mask = providers_in_form(result, form)
    if metric in MONEY:
        return np.nansum(np.asarray(m[metric], dtype=float)[mask], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric == "ie_margin":
            income = yearly(result, form, p, "income_gbp_k")
            return np.where(income != 0, yearly(result, form, p, "surplus_gbp_k") / income, np.nan)
        if metric == "liquidity_days":
            cost = yearly(result, form, p, "cost_gbp_k")
            return np.where(cost != 0, yearly(result, form, p, "cash_gbp_k") / (cost / 365.0), np.nan)
    return np.full(len(result.years), np.nan)  # ratios and ratings do not add up across providers


def scalar(result, form: str, p: int, metric: str) -> float:
    """One figure of a provider and form (money summed over providers for ALL). ``break_even`` is the
    multiplier (none for ALL); ``first_liquidity_risk_year`` the start year of the first financial year
    with cash below the minimum (for ALL the earliest of any provider), NaN when none."""
    if metric == "break_even":
        if p == ALL or form not in result.break_even:
            return float("nan")
        return float(result.break_even[form][p])
    if metric == "first_liquidity_risk_year":
        index = np.asarray(result.forms[form]["first_liquidity_risk_index"], dtype=float)
        index = index[providers_in_form(result, form)] if p == ALL else index[[p]]
        if np.all(np.isnan(index)):
            return float("nan")
        return float(result.system.base_year + 1 + np.nanmin(index))
    values = np.asarray(result.forms[form][metric], dtype=float)
    if p != ALL:
        return float(values[p])
    return float(np.nansum(values[providers_in_form(result, form)]))


def provider_label(result, p: int) -> str:
    if p == ALL:
        return "All providers"
    sy = result.system
    return f"{sy.provider_code[p]} - {sy.provider_name[p]}"


def shift_curve_view(result, p: int):
    """What the break-even chart shows for provider p: (multipliers, form -> cumulative surplus £000), the
    engine's grid from 0 to at least 3x and on past the furthest break-even, or None without a grid."""
    curve = getattr(result, "shift_curve", None)
    if curve is None or p == ALL:
        return None
    forms = [f for f in forms_for(result, p) if f in curve.cumulative_surplus]
    return curve.view(p, forms) if forms else None

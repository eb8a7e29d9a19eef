"""The Summary's Reading: plain-English sentences written from the numbers.

Where a figure follows from an assumption rather than from the inputs (the share of stranded cost
repurposed, capitation, outcomes achieved, the GP gain share), the sentence names the assumption and
its value, so a reader never takes it for a finding.
"""

from __future__ import annotations

import math

import numpy as np

from ...core.bridges import COMPONENT_ASSUMPTIONS, COMPONENT_LABELS, COMPONENTS
from ...core.scenario import SETTINGS
from ...core.schema import MODELLED_FORMS
from ...core.wording import in_sentence, setting_phrase

PROVIDERS_READ = 6  # providers whose bridges the Reading puts into words (the Bridges sheet has them all)
PARTS_NAMED = 4  # the largest parts of a bridge named in its sentence
# parts of the form bridge read together: community income comes with the cost of delivering it
PAIRED = {"community_income": ("community_income", "delivery_cost"), "delivery_cost": None}
PAIR_LABEL = "community income net of its delivery cost"
# the settings a bridge's sentence names: the form bridge those acting in the integrated form only; the
# shift bridge those deciding how fast cost follows activity (the shift itself is the service lines' rates)
INTEGRATION_SETTINGS = frozenset(s.key for s in SETTINGS if s.group == "Integration")
COST_BEHAVIOUR_SETTINGS = frozenset(s.key for s in SETTINGS if s.group == "Cost behaviour")


def reading(result) -> list[str]:
    """A few plain-English sentences generated from the numbers."""
    sy = result.system
    modelled = [p for p in range(sy.n_providers) if sy.form_actual[p] != "community_only"]
    out = []
    if not modelled:
        return ["No provider is modelled in both forms (all are community-only); see Results for cash and ratings."]
    ao, it = result.forms["acute_only"], result.forms["integrated"]
    idx = np.array(modelled)
    years = result.years
    span = f"{years[0]} to {years[-1]}"
    out += _stranded_sentences(result, idx, span)
    worst = idx[int(np.nanargmax(ao["npv_stranded_gbp_k"][idx]))]
    if ao["npv_stranded_gbp_k"][worst] > 0:
        out.append(f"The largest stranded-cost risk is at {sy.provider_name[worst]} ({sy.provider_code[worst]}): "
                   f"{money_words(float(ao['npv_stranded_gbp_k'][worst]))} in present value as acute-only, "
                   f"{money_words(float(it['npv_stranded_gbp_k'][worst]))} integrated.")
    deficit_ao = int(np.sum(ao["cumulative_surplus_gbp_k"][idx] < 0))
    deficit_it = int(np.sum(it["cumulative_surplus_gbp_k"][idx] < 0))
    out.append(f"{deficit_ao} of {len(modelled)} providers end the horizon with a cumulative deficit as acute-only, "
               f"against {deficit_it} if integrated.")
    risk_ao = int(np.sum(np.any(ao["liquidity_risk"][idx], axis=1)))
    risk_it = int(np.sum(np.any(it["liquidity_risk"][idx], axis=1)))
    out.append(f"Cash falls below {result.scenario.min_cash_days:g} days of cost in at least one year for "
               f"{risk_ao} provider(s) as acute-only and {risk_it} integrated.")
    out += _shift_sentences(result, modelled)
    out += _liquidity_sentences(result, modelled)
    be = result.break_even.get("acute_only")
    if be is not None:
        ok = [p for p in modelled if not math.isnan(be[p]) and be[p] > 0]
        if ok:
            p = min(ok, key=lambda q: be[q])
            out.append(f"The acute-only form of {sy.provider_name[p]} tips into a cumulative deficit if shift rates "
                       f"reach {be[p]:.2f} times the scenario's.")
    mc = result.monte_carlo
    if mc is not None:
        pdef = mc.probability_deficit["acute_only"][idx, -1]
        p = idx[int(np.argmax(pdef))]
        out.append(f"In {mc.simulations:,} simulations the highest chance of a deficit in {years[-1]} is "
                   f"{float(np.max(pdef)):.0%} ({sy.provider_name[p]}, acute-only).")
    out += bridge_sentences(result, modelled)
    return out


def _stranded_sentences(result, idx, span: str) -> list[str]:
    """Stranded cost in both forms, the difference read as what it is: the repurposing assumption."""
    ao, it = result.forms["acute_only"], result.forms["integrated"]
    npv_ao = float(np.nansum(ao["npv_stranded_gbp_k"][idx]))
    npv_it = float(np.nansum(it["npv_stranded_gbp_k"][idx]))
    if not (npv_ao > 0 or npv_it > 0):
        return [f"No modelled provider carries stranded cost over {span}: activity does not fall far enough "
                f"for fixed or stepped costs to outlast it."]
    first = (f"Across the {len(idx)} modelled providers, the present value of stranded cost over {span} is "
             f"{money_words(npv_ao)} as acute-only. Integrating does not change it before repurposing: activity "
             f"and cost are the same in both forms.")
    if abs(npv_ao - npv_it) < 0.5:
        return [first + f" With {setting_phrase(result.scenario, 'repurpose_share')} none of it is assumed redeployed, "
                        f"so integrated providers "
                        f"carry the same {money_words(npv_it)}."]
    return [first + f" The integrated figure of {money_words(npv_it)} assumes "
                    f"{setting_phrase(result.scenario, 'repurpose_share')}: that share "
                    f"of stranded cost is redeployed to community services (up to their delivery cost). The "
                    f"{money_words(npv_ao - npv_it)} between the two is that assumption, not a finding of the model."]


def bridge_sentences(result, modelled) -> list[str]:
    """Per provider: what the shift does as acute-only, and what integration's advantage is made of, each
    by its largest parts with the assumptions behind them."""
    from .bridges_sheet import charted_providers

    sy, sc = result.system, result.scenario
    out = []
    for p in charted_providers(result, modelled)[:PROVIDERS_READ]:
        code = str(sy.provider_code[p])
        shift = result.shift_bridge("acute_only", p)
        impact = float(result.forms["acute_only"]["shift_impact_gbp_k"][p])
        out.append(f"{code} acute-only: the shift itself {'adds' if impact >= 0 else 'takes'} "
                   f"{money_words(impact)} {'to' if impact >= 0 else 'from'} cumulative surplus: "
                   f"{_parts(shift, sc, paired=False, named=COST_BEHAVIOUR_SETTINGS)}.")
        form = result.form_bridge(p)
        gap = float(result.forms["integrated"]["cumulative_surplus_gbp_k"][p]
                    - result.forms["acute_only"]["cumulative_surplus_gbp_k"][p])
        out.append(f"{code} integrated ends {money_words(gap)} {'ahead of' if gap >= 0 else 'behind'} acute-only "
                   f"in cumulative surplus; the largest parts: {_parts(form, sc, paired=True, named=INTEGRATION_SETTINGS)}"
                   f". Those parts follow from the assumptions named with them, not from the inputs alone.")
    return out


def _parts(bridge: dict, scenario, paired: bool, named: frozenset) -> str:
    """The largest parts of a bridge in words, each with the settings of ``named`` behind it and their values."""
    items = []
    for name in COMPONENTS:
        if paired and name in PAIRED:
            names = PAIRED[name]
            if names is None:
                continue
            items.append((PAIR_LABEL, sum(float(bridge[n]) for n in names), names))
        else:
            items.append((in_sentence(COMPONENT_LABELS[name]), float(bridge[name]), (name,)))
    items = [i for i in items if abs(i[1]) >= 0.5]
    items.sort(key=lambda i: -abs(i[1]))
    words = []
    for label, value, names in items[:PARTS_NAMED]:
        keys = []
        for n in names:
            keys += [k for k in COMPONENT_ASSUMPTIONS.get(n, ()) if k in named and k not in keys]
        assumed = f" (assumes {', '.join(setting_phrase(scenario, k) for k in keys)})" if keys else ""
        words.append(f"{label} {change_words(value)}{assumed}")
    rest = len(items) - len(words)
    if rest > 0:
        words.append(f"{rest} smaller part{'s' if rest > 1 else ''} (Bridges sheet)")
    return "; ".join(words) if words else "no part larger than £0.5k"


def money_words(x: float) -> str:
    return f"£{abs(x) / 1000:,.1f}m" if abs(x) >= 1000 else f"£{abs(x):,.0f}k"


def change_words(x: float) -> str:
    """+£22.4m, or (£1.2m) for a loss: a change in money, negatives in brackets."""
    return f"({money_words(x)})" if x < 0 else f"+{money_words(x)}"


def _shift_sentences(result, modelled) -> list[str]:
    """What the shift of activity out of hospital itself does to cumulative surplus, per form."""
    sy = result.system
    idx = np.array(modelled)
    parts = []
    for form in MODELLED_FORMS:
        impact = np.asarray(result.forms[form]["shift_impact_gbp_k"])[idx]
        total = float(np.nansum(impact))
        gain, lose = int(np.sum(impact > 0.5)), int(np.sum(impact < -0.5))
        verb = "adds" if total >= 0 else "takes"
        parts.append(f"{verb} {money_words(total)} {'to' if total >= 0 else 'from'} the modelled providers' "
                     f"cumulative surplus as acute-only ({gain} gain, {lose} lose)" if form == "acute_only" else
                     f"{verb} {money_words(total)} if they integrate ({gain} gain, {lose} lose)")
    out = ["Compared with the same years with no shift, the shift of activity out of hospital itself "
           + " and ".join(parts) + "."]
    be = result.break_even.get("acute_only")
    if be is not None:
        ao = result.forms["acute_only"]
        zero = [p for p in modelled if be[p] == 0]
        if zero:
            names = _listed([f"{sy.provider_code[p]} {change_words(float(ao['shift_impact_gbp_k'][p]))}"
                             for p in zero])
            out.append(f"{len(zero)} of {len(modelled)} providers are already in deficit as acute-only with no shift "
                       f"(break-even 0); what the shift itself does to each: {names}.")
    return out


def _liquidity_sentences(result, modelled) -> list[str]:
    """The first year cash falls below the minimum, per form, earliest first."""
    sy = result.system
    days = f"{result.scenario.min_cash_days:g}"
    parts = []
    for form in MODELLED_FORMS:
        years = [(result.first_liquidity_risk_year(form, p), p) for p in modelled]
        years = sorted((y, p) for y, p in years if y is not None)
        label = "as acute-only" if form == "acute_only" else "if integrated"
        if years:
            parts.append(f"{label}: {_listed([f'{sy.provider_code[p]} in {y}' for y, p in years])}")
        else:
            parts.append(f"{label}: none")
    return [f"First year cash falls below {days} days of cost, " + "; ".join(parts) + "."]


def _listed(items: list[str], most: int = 6) -> str:
    if len(items) > most:
        return ", ".join(items[:most]) + f" and {len(items) - most} more"
    return ", ".join(items)



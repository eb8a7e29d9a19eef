"""Compile validated input tables and a scenario into the flat arrays the engine works on.

Contract lines are sorted by provider so that line figures add up to provider figures with one
``np.add.reduceat``; community holdings (a service held by a provider's integrated form) are a flat
list of (service, provider) pairs sorted the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .inputs import ModelInputs, cash_period_ends, fy_label, fy_of_date
from .scenario import Scenario
from .validation import model_gaps
from .schema import CONTRACT_PAYMENT_TYPES, SERVICE_LINES

PAY_ACTIVITY, PAY_BLOCK, PAY_BLENDED, PAY_CAPITATED = (CONTRACT_PAYMENT_TYPES.index(p) for p in
                                                       ("activity", "block", "blended", "capitated"))


class ModelInputError(ValueError):
    """Inputs the engine cannot run on (no providers, no base year); the message says what to do."""


@dataclass
class Segments:
    """Row i of a flat per-item array belongs to provider ``owner[i]``; items are sorted by owner."""

    owner: np.ndarray  # (N,) provider index, ascending
    starts: np.ndarray  # start offset of each provider that owns at least one item
    owners_with_items: np.ndarray  # provider index of each of those runs

    @classmethod
    def build(cls, owner: np.ndarray) -> "Segments":
        owner = np.asarray(owner, dtype=np.int64)
        if owner.size and np.any(np.diff(owner) < 0):
            raise ValueError("segments must be sorted by owner")
        if owner.size == 0:
            return cls(owner, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        change = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        return cls(owner, change, owner[change])

    def sum_to(self, values: np.ndarray, n_owners: int, axis: int = 1) -> np.ndarray:
        """Add item rows (along ``axis``) into one row per owner; owners without items get 0."""
        shape = list(values.shape)
        shape[axis] = n_owners
        out = np.zeros(shape, dtype=values.dtype)
        if self.owner.size == 0:
            return out
        summed = np.add.reduceat(values, self.starts, axis=axis)
        index = [slice(None)] * values.ndim
        index[axis] = self.owners_with_items
        out[tuple(index)] = summed
        return out


@dataclass
class System:
    """Everything the engine reads, as arrays. P providers, K contract lines, J services, H years."""

    base_year: int
    horizon: int
    # providers (P,)
    provider_code: np.ndarray
    provider_name: np.ndarray
    form_actual: np.ndarray
    income0: np.ndarray
    expenditure0: np.ndarray
    depreciation: np.ndarray
    capital_expenditure: np.ndarray
    interest: np.ndarray
    pdc_dividend: np.ndarray
    loan_repayment: np.ndarray
    working_capital: np.ndarray  # NaN when not given
    new_entity: np.ndarray  # bool
    kappa: np.ndarray  # cost-to-income ratio
    other_income0: np.ndarray
    opening_cash: np.ndarray  # NaN when no balance on or before the base year end
    provider_variable_share: np.ndarray  # the provider's own cost mix, NaN when not given
    provider_semi_fixed_share: np.ndarray
    # contract lines (K,), sorted by provider
    line_provider: np.ndarray
    line_service: np.ndarray
    line_payment: np.ndarray
    line_contract: np.ndarray  # index into contract_ids
    contract_ids: np.ndarray
    line_value: np.ndarray
    line_activity0: np.ndarray
    line_price0: np.ndarray  # GBP thousands per unit
    line_end: np.ndarray  # year index of end_fy; +inf when open-ended
    line_ceiling: np.ndarray  # +inf when none
    line_marginal_rate: np.ndarray
    line_variable_share: np.ndarray
    line_clawback_share: np.ndarray
    line_rebase: np.ndarray  # bool
    line_effect_group: np.ndarray  # index into effect groups (provider, service line)
    line_effect_weight: np.ndarray  # share of the group's avoided activity: A0 / sum A0
    line_segments: Segments
    # community services (J,)
    service_id: np.ndarray
    service_payment: np.ndarray
    service_budget: np.ndarray
    service_outcomes_start: np.ndarray
    service_outcomes_step: np.ndarray
    service_outcomes_cap: np.ndarray
    service_delivery_cost_ratio: np.ndarray
    service_avoided_per_m: np.ndarray
    service_ramp_years: np.ndarray
    service_t0: np.ndarray  # first year of effect, >= 1
    service_start: np.ndarray  # year index of start_fy, -inf when blank
    service_end: np.ndarray  # year index of end_fy, +inf when blank
    service_effect_group: np.ndarray  # -1 when the acute provider has no line of that service line
    n_effect_groups: int
    # holdings: service held by provider (sorted by provider)
    holding_service: np.ndarray
    holding_integrates: np.ndarray  # bool: the provider takes the service on (it is not its holder today)
    holding_segments: Segments

    @property
    def n_providers(self) -> int:
        return len(self.provider_code)

    @property
    def years(self) -> list[str]:
        return [fy_label(self.base_year + t) for t in range(1, self.horizon + 1)]

    @property
    def t(self) -> np.ndarray:
        return np.arange(1, self.horizon + 1, dtype=float)


def resolve_base_year(inputs: ModelInputs, scenario: Scenario) -> int:
    if scenario.base_year is not None:
        return int(scenario.base_year)
    ends = cash_period_ends(inputs.cash_balances)
    ends = ends[~np.isnat(ends)]
    return fy_of_date(ends.max())


def _num(arr: np.ndarray, default: float) -> np.ndarray:
    arr = np.asarray(arr, dtype=float)
    return np.where(np.isnan(arr), default, arr)


def compile_system(inputs: ModelInputs, scenario: Scenario) -> System:
    """Turn tables into engine arrays. Rows that reference unknown providers are left out here; the
    import validation reports them to the user."""
    prov = inputs.providers
    gaps = model_gaps(inputs, scenario.base_year)
    if gaps:
        raise ModelInputError(gaps[0].advice)
    base_year = resolve_base_year(inputs, scenario)
    horizon = int(scenario.horizon_years)
    codes = np.array([str(c) for c in prov["provider_code"]], dtype=object)
    index = {c: i for i, c in enumerate(codes)}
    n_prov = len(codes)

    income0 = _num(prov["operating_income_gbp_k"], 0.0)
    expenditure0 = _num(prov["operating_expenditure_gbp_k"], 0.0)
    depreciation = _num(prov["depreciation_gbp_k"], 0.0)
    capex = np.asarray(prov["capital_expenditure_gbp_k"], dtype=float)
    capex = np.where(np.isnan(capex), depreciation, capex)
    kappa = np.where((income0 > 0) & (expenditure0 > 0), expenditure0 / np.where(income0 > 0, income0, 1), 1.0)
    forms = np.array([f if f else "acute_only" for f in prov["form"]], dtype=object)
    names = np.array([n if n else c for n, c in zip(prov["provider_name"], codes)], dtype=object)
    vehicles = np.array([v if v else "foundation_trust" for v in prov["vehicle"]], dtype=object)

    # opening cash: latest balance on or before 31 March ending the base year
    cash = inputs.cash_balances
    opening = np.full(n_prov, np.nan)
    if cash.n_rows:
        ends = cash_period_ends(cash)
        limit = np.datetime64(f"{base_year + 1}-03-31", "D")
        cash_prov = np.array([index.get(str(c), -1) for c in cash["provider_code"]])
        ok = (cash_prov >= 0) & ~np.isnat(ends) & (ends <= limit) & ~np.isnan(cash["cash_gbp_k"])
        if ok.any():
            order = np.lexsort((ends[ok].astype("int64"), cash_prov[ok]))
            p_sorted = cash_prov[ok][order]
            values = cash["cash_gbp_k"][ok][order]
            last = np.r_[p_sorted[1:] != p_sorted[:-1], True]
            opening[p_sorted[last]] = values[last]

    # contract lines
    bc = inputs.block_contracts
    line_prov = np.array([index.get(str(c), -1) for c in bc["provider_code"]], dtype=np.int64)
    activity0 = np.asarray(bc["baseline_activity"], dtype=float)
    keep = (line_prov >= 0) & (activity0 > 0) & ~np.isnan(np.asarray(bc["annual_value_gbp_k"], dtype=float))
    keep &= np.array([s in SERVICE_LINES for s in bc["service_line"]], dtype=bool)
    keep &= np.array([p in CONTRACT_PAYMENT_TYPES for p in bc["payment_type"]], dtype=bool)
    sel = np.flatnonzero(keep)
    sel = sel[np.argsort(line_prov[sel], kind="stable")]
    line_prov = line_prov[sel]
    service = np.array([SERVICE_LINES.index(s) for s in bc["service_line"][sel]], dtype=np.int64)
    payment = np.array([CONTRACT_PAYMENT_TYPES.index(p) for p in bc["payment_type"][sel]], dtype=np.int64)
    value = np.asarray(bc["annual_value_gbp_k"], dtype=float)[sel]
    activity0 = activity0[sel]
    price_gbp = np.asarray(bc["unit_price_gbp"], dtype=float)[sel]
    price0 = np.where(np.isnan(price_gbp), value / activity0, price_gbp / 1000.0)
    end = np.asarray(bc["end_fy"], dtype=float)[sel] - base_year
    end = np.where(np.isnan(end), np.inf, end)
    ceiling = np.asarray(bc["activity_ceiling"], dtype=float)[sel]
    ceiling = np.where(np.isnan(ceiling), np.inf, ceiling)
    contract_keys = [f"{p}\x1f{c}" for p, c in zip(line_prov, bc["contract_id"][sel])]
    contract_ids, contract_idx = np.unique(np.array(contract_keys, dtype=object), return_inverse=True) \
        if contract_keys else (np.zeros(0, dtype=object), np.zeros(0, dtype=np.int64))
    contract_ids = np.array([k.split("\x1f", 1)[1] for k in contract_ids], dtype=object)
    rebase = np.array([True if r is None else bool(r) for r in bc["rebase_at_renewal"][sel]], dtype=bool)

    other_income0 = np.maximum(0.0, income0 - np.bincount(line_prov, weights=value, minlength=n_prov))

    # effect groups: (provider, service line) pairs that have lines
    group_key = line_prov * len(SERVICE_LINES) + service
    groups, line_group = np.unique(group_key, return_inverse=True)
    group_activity = np.bincount(line_group, weights=activity0, minlength=len(groups))
    line_weight = activity0 / group_activity[line_group] if len(groups) else activity0

    # community services
    cb = inputs.community_budgets
    acute = np.array([index.get(str(c), -1) if c else -1 for c in cb["acute_provider_code"]], dtype=np.int64)
    holder = np.array([index.get(str(c), -1) if c else -1 for c in cb["holder_provider_code"]], dtype=np.int64)
    budget = np.asarray(cb["annual_budget_gbp_k"], dtype=float)
    svc_keep = ((acute >= 0) | (holder >= 0)) & ~np.isnan(budget)
    s_sel = np.flatnonzero(svc_keep)
    acute, holder, budget = acute[s_sel], holder[s_sel], budget[s_sel]
    affected = np.array([SERVICE_LINES.index(x) if x in SERVICE_LINES else SERVICE_LINES.index("non_elective")
                         for x in cb["affected_service_line"][s_sel]], dtype=np.int64)
    s_start = np.asarray(cb["start_fy"], dtype=float)[s_sel] - base_year
    s_end = np.asarray(cb["end_fy"], dtype=float)[s_sel] - base_year
    t0 = np.where(np.isnan(s_start), 1.0, np.maximum(1.0, s_start))
    s_start = np.where(np.isnan(s_start), -np.inf, s_start)
    s_end = np.where(np.isnan(s_end), np.inf, s_end)
    svc_group_key = acute * len(SERVICE_LINES) + affected
    pos = np.searchsorted(groups, svc_group_key)
    found = (acute >= 0) & (pos < len(groups)) & (groups[np.minimum(pos, max(len(groups) - 1, 0))] == svc_group_key) \
        if len(groups) else np.zeros(len(acute), dtype=bool)
    svc_group = np.where(found, pos, -1)
    svc_pay = np.array([p if p else "block" for p in cb["payment_type"][s_sel]], dtype=object)

    # holdings: a provider's integrated form holds services where it is the acute provider or holder
    pairs = [(p, j) for j in range(len(s_sel)) for p in {acute[j], holder[j]} if p >= 0]
    pairs.sort()
    hold_prov = np.array([p for p, _ in pairs], dtype=np.int64)
    hold_svc = np.array([j for _, j in pairs], dtype=np.int64)
    hold_new = holder[hold_svc] != hold_prov

    return System(
        base_year=base_year, horizon=horizon,
        provider_code=codes, provider_name=names, form_actual=forms,
        income0=income0, expenditure0=expenditure0, depreciation=depreciation, capital_expenditure=capex,
        interest=_num(prov["interest_gbp_k"], 0.0), pdc_dividend=_num(prov["pdc_dividend_gbp_k"], 0.0),
        loan_repayment=_num(prov["loan_repayment_gbp_k"], 0.0),
        working_capital=np.asarray(prov["working_capital_gbp_k"], dtype=float),
        new_entity=vehicles == "new_entity", kappa=kappa, other_income0=other_income0, opening_cash=opening,
        provider_variable_share=np.asarray(prov["variable_share"], dtype=float),
        provider_semi_fixed_share=np.asarray(prov["semi_fixed_share"], dtype=float),
        line_provider=line_prov, line_service=service, line_payment=payment,
        line_contract=np.asarray(contract_idx, dtype=np.int64), contract_ids=contract_ids,
        line_value=value, line_activity0=activity0, line_price0=price0, line_end=end, line_ceiling=ceiling,
        line_marginal_rate=_num(bc["marginal_rate"][sel], 0.0),
        line_variable_share=_num(bc["variable_share"][sel], 0.5),
        line_clawback_share=_num(bc["clawback_share"][sel], 0.0),
        line_rebase=rebase, line_effect_group=np.asarray(line_group, dtype=np.int64),
        line_effect_weight=line_weight, line_segments=Segments.build(line_prov),
        service_id=np.asarray(cb["service_id"][s_sel], dtype=object), service_payment=svc_pay,
        service_budget=budget,
        service_outcomes_start=_num(cb["outcomes_share_start"][s_sel], 0.0),
        service_outcomes_step=_num(cb["outcomes_share_step"][s_sel], 0.0),
        service_outcomes_cap=_num(cb["outcomes_share_cap"][s_sel], 0.0),
        service_delivery_cost_ratio=_num(cb["delivery_cost_ratio"][s_sel], 1.0),
        service_avoided_per_m=_num(cb["activity_avoided_per_gbp_m"][s_sel], 0.0),
        service_ramp_years=_num(cb["ramp_years"][s_sel], 3.0),
        service_t0=t0, service_start=s_start, service_end=s_end,
        service_effect_group=np.asarray(svc_group, dtype=np.int64), n_effect_groups=len(groups),
        holding_service=hold_svc, holding_integrates=hold_new, holding_segments=Segments.build(hold_prov),
    )

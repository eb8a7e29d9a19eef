"""The stranded-cost engine of MODEL.md section 4, vectorised over draws x providers x years.

Every array carries a leading draws axis ``S`` (1 for the deterministic run, the grid for the
break-even search, a chunk of simulations for the Monte Carlo). Contract lines live on a flat axis
``K`` and are added up to providers with ``np.add.reduceat``; the only Python loops run over the
years of the horizon (the fixed-cost recursion) and the few offsets of the semi-fixed release lag.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields

import numpy as np

from .bridges import COMPONENTS
from .scenario import RATING_BAND_SETTINGS, Scenario
from .schema import SERVICE_LINES
from .system import PAY_ACTIVITY, PAY_BLENDED, PAY_BLOCK, PAY_CAPITATED, System

FORMS = ("acute_only", "integrated", "community_only")
YEARLY_METRICS = ("income_gbp_k", "cost_gbp_k", "stranded_cost_gbp_k", "surplus_gbp_k", "cash_gbp_k",
                  "liquidity_days", "ie_margin", "capital_service_cover", "sof_liquidity_days")
RATINGS = ("capital_service", "ie_margin", "liquidity", "finance")
BREAK_EVEN_GRID = np.round(np.arange(0, 1001) * 0.01, 2)


@dataclass(frozen=True)
class FormRules:
    """What a form holds and pays. The community-only form is StrandRisk's own: a community provider's
    status quo, holding its services, with no acute capitation, integration cost or gain share."""

    capitate_acute: bool
    hold_services: bool
    integration_costs: bool
    gain_share: bool


def form_rules(scenario: Scenario) -> dict[str, FormRules]:
    return {
        "acute_only": FormRules(False, False, False, False),
        "integrated": FormRules(bool(scenario.integrated_capitation), True, True, True),
        "community_only": FormRules(False, True, False, False),
    }


@dataclass
class Drivers:
    """The uncertain parameters of MODEL.md section 5, one value per draw (arrays of shape (S,))."""

    shift_rate_multiplier: np.ndarray
    demand_growth_multiplier: np.ndarray
    price_uplift: np.ndarray
    cost_inflation: np.ndarray
    variable_share_delta: np.ndarray
    fixed_release_rate: np.ndarray
    fixed_release_lag_years: np.ndarray
    fixed_build_rate: np.ndarray
    fixed_build_lag_years: np.ndarray
    ramp_years_multiplier: np.ndarray
    outcomes_achievement: np.ndarray
    activity_avoided_multiplier: np.ndarray
    clawback_miss: np.ndarray | None = None  # (S, contracts, H) of 0/1; None = expected value

    @property
    def n(self) -> int:
        return len(self.shift_rate_multiplier)

    @classmethod
    def deterministic(cls, scenario: Scenario, n: int = 1) -> "Drivers":
        one = np.ones(n)
        return cls(
            shift_rate_multiplier=one.copy(), demand_growth_multiplier=one.copy(),
            price_uplift=one * scenario.price_uplift, cost_inflation=one * scenario.cost_inflation,
            variable_share_delta=np.zeros(n), fixed_release_rate=one * scenario.fixed_release_rate,
            fixed_release_lag_years=np.full(n, int(scenario.fixed_release_lag_years)),
            fixed_build_rate=one * scenario.fixed_build_rate,
            fixed_build_lag_years=np.full(n, int(scenario.fixed_build_lag_years)),
            ramp_years_multiplier=one.copy(), outcomes_achievement=one * scenario.outcomes_achievement,
            activity_avoided_multiplier=one.copy(),
        )

    @classmethod
    def from_values(cls, scenario: Scenario, values: dict[str, np.ndarray], clawback_miss=None) -> "Drivers":
        """Deterministic drivers with some replaced by per-draw values."""
        n = len(next(iter(values.values()))) if values else 1
        base = cls.deterministic(scenario, n)
        for key, arr in values.items():
            setattr(base, key, np.asarray(arr, dtype=float))
        base.fixed_release_lag_years = np.rint(base.fixed_release_lag_years).astype(np.int64)
        base.fixed_build_lag_years = np.rint(base.fixed_build_lag_years).astype(np.int64)
        base.clawback_miss = clawback_miss
        return base

    def slice(self, start: int, stop: int) -> "Drivers":
        out = {}
        for f in fields(self):
            arr = getattr(self, f.name)
            out[f.name] = None if arr is None else arr[start:stop]
        return Drivers(**out)


@dataclass
class Projection:
    """Yearly provider totals of one form: arrays of shape (S, P, H). ``components`` (the parts of
    income and cost of core.bridges.COMPONENTS) only when asked for: the Monte Carlo and the break-even
    grid do without them."""

    income: np.ndarray
    cost: np.ndarray
    stranded: np.ndarray
    surplus: np.ndarray
    cash: np.ndarray
    components: dict[str, np.ndarray] | None = None


def _growth(rate: np.ndarray, t: np.ndarray) -> np.ndarray:
    """(1 + rate)^t with rate (S, ...) and t (H,): shape (S, ..., H)."""
    return (1.0 + rate[..., None]) ** t


class _Lines:
    """Line-level quantities shared by every form in one call: activity paths, prices, cost."""

    def __init__(self, system: System, scenario: Scenario, d: Drivers):
        sy = system
        H = sy.horizon
        t = sy.t  # (H,)
        S = d.n
        lines = scenario.service_lines
        shift_by_line = np.array([lines[l]["shift_rate"] for l in SERVICE_LINES])  # (service lines,)
        growth_by_line = np.array([lines[l]["demand_growth"] for l in SERVICE_LINES])
        growth = growth_by_line[sy.line_service]  # (K,)
        v_share = np.array([lines[l]["variable_share"] for l in SERVICE_LINES])[sy.line_service]
        sf_share = np.array([lines[l]["semi_fixed_share"] for l in SERVICE_LINES])[sy.line_service]
        step = np.array([lines[l]["step_share"] for l in SERVICE_LINES])[sy.line_service]
        self.planned_growth = growth

        # powers per service line (6 of them), then spread to the lines: far cheaper than per line
        shift_d = np.clip(shift_by_line[None, :] * d.shift_rate_multiplier[:, None], 0.0, 1.0)  # (S,lines)
        growth_d = growth_by_line[None, :] * d.demand_growth_multiplier[:, None]
        remain = ((1.0 - shift_d[..., None]) ** t)[:, sy.line_service, :]  # (S,K,H) = 1 - s
        G = _growth(growth_d, t)[:, sy.line_service, :]  # (S,K,H)
        A0 = sy.line_activity0
        # paths with the base year in column 0, (S,K,H+1), written in place (no copies)
        # drivers other than the shift may hold one value for all draws (the break-even grid): then the
        # twin and every path that does not depend on the shift is computed once and broadcast
        self.activity_twin = np.empty((G.shape[0], len(A0), H + 1))
        self.activity_twin[:, :, 0] = A0
        twin = np.multiply(A0[None, :, None], G, out=self.activity_twin[:, :, 1:])
        self.uplift = _growth(d.price_uplift, t)[:, None, :]  # (S,1,H)
        self.inflation = _growth(d.cost_inflation, t)[:, None, :]

        # community services: budgets and avoided activity
        budget = sy.service_budget[None, :, None] * self.uplift  # (S,J,H)
        active = (t[None, :] >= sy.service_start[:, None]) & (t[None, :] <= sy.service_end[:, None])  # (J,H)
        self.service_budget = budget * active[None]
        effect = np.zeros((self.service_budget.shape[0], sy.n_effect_groups, H))
        has_group = sy.service_effect_group >= 0
        if has_group.any():
            ramp = sy.service_ramp_years[None, :] * d.ramp_years_multiplier[:, None]  # (S,J)
            progress = (t[None, None, :] - sy.service_t0[None, :, None] + 1.0)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                frac = np.where(ramp[..., None] > 0, np.clip(progress / ramp[..., None], 0.0, 1.0), 1.0)
            avoided = (sy.service_avoided_per_m[None, :, None] * d.activity_avoided_multiplier[:, None, None]
                       * self.service_budget / 1000.0 * frac)  # (S,J,H)
            gsel = np.flatnonzero(has_group)
            order = gsel[np.argsort(sy.service_effect_group[gsel], kind="stable")]
            seg = _segments_of(sy.service_effect_group[order])
            effect[:, seg[1], :] = np.add.reduceat(avoided[:, order, :], seg[0], axis=1)
        self.activity = np.empty((S, len(A0), H + 1))
        self.activity[:, :, 0] = A0
        A = np.multiply(twin, remain, out=self.activity[:, :, 1:])
        if has_group.any():
            A -= effect[:, sy.line_effect_group, :] * sy.line_effect_weight[None, :, None]
        np.maximum(A, 0.0, out=A)

        self.value = sy.line_value[None, :, None] * self.uplift

        # cost behaviour: the scenario's profile, scaled to the provider's own mix where the register gives it
        v_share, sf_share = provider_cost_mix(sy, v_share, sf_share)
        v = np.clip(v_share[None, :] + d.variable_share_delta[:, None], 0.0, 1.0 - sf_share[None, :])  # (S,K)
        f = 1.0 - v - sf_share[None, :]
        self.v, self.sf, self.f = v[..., None], sf_share[None, :, None], f[..., None]
        kappa = sy.kappa[sy.line_provider]
        unit0 = kappa * sy.line_value / A0  # (K,)
        self.unit_cost = unit0[None, :, None] * _with_base(self.inflation * np.ones((1, 1, 1)), np.ones(1))  # (S,K,H+1)
        self.step = step * A0  # D, units (K,)
        self.semi_unit = self.step[None, :, None] * self.sf * self.unit_cost  # D * sf * c: (S,K,H+1)
        self.semi_fixed_lag = int(scenario.semi_fixed_release_lag_years)
        self.release_rate = d.fixed_release_rate
        self.release_lag = d.fixed_release_lag_years
        self.build_rate = d.fixed_build_rate
        self.build_lag = d.fixed_build_lag_years
        self.inflation_rate = d.cost_inflation
        self.t = t

    def _steps(self, activity: np.ndarray):
        """Semi-fixed steps needed N and retained R on an activity path, (S,K,H+1) each."""
        N = np.divide(activity, self.step[None, :, None])
        N -= 1e-9
        np.ceil(N, out=N)
        R = N.copy()  # retained over the release lag
        for lag in range(1, self.semi_fixed_lag + 1):
            np.maximum(R[:, :, lag:], N[:, :, :-lag], out=R[:, :, lag:])
        return N, R

    def cost(self, activity: np.ndarray):
        """Acute cost and stranded cost of every line on an activity path (S,K,H+1): (S,K,H) each."""
        # the same sums as E (v + f) + R D sf c + (F - F*), written in place: the break-even grid spends
        # most of its time here, and every full-size temporary saved is memory traffic saved
        E = np.multiply(self.unit_cost, activity)
        N, R = self._steps(activity)
        excess = self._fixed_excess(self.f * E)  # F - F*, below 0 while fixed cost lags growth
        np.subtract(R, N, out=N)
        N *= self.semi_unit  # stranded semi-fixed cost
        R *= self.semi_unit  # semi-fixed cost
        E *= self.v + self.f
        E += R
        E += excess
        np.maximum(excess, 0.0, out=excess)
        N += excess
        return E[:, :, 1:], N[:, :, 1:]

    def cost_parts(self, activity: np.ndarray):
        """Variable, semi-fixed and fixed cost and stranded cost of every line, (S,K,H) each: the same
        figures as ``cost`` kept apart (for the components; ``cost`` is the fast path)."""
        E = np.multiply(self.unit_cost, activity)
        N, R = self._steps(activity)
        F_star = self.f * E
        excess = self._fixed_excess(F_star)
        stranded = (R - N) * self.semi_unit + np.maximum(excess, 0.0)
        return ((self.v * E)[:, :, 1:], (R * self.semi_unit)[:, :, 1:], (F_star + excess)[:, :, 1:],
                stranded[:, :, 1:])

    def _fixed_excess(self, F_star: np.ndarray) -> np.ndarray:
        """F - F* of the fixed-cost recursion, (S,K,H+1). Walked year by year on a years-first copy so
        each step reads and writes contiguous (S,K) slices. With K_t = F_t-1 (1 + i), F - F* is
        (K_t - F*_t) (1 - r_t) when fixed cost is above its efficient level (released late) and
        (K_t - F*_t) (1 - b_t) when below it (built late)."""
        Fs = np.ascontiguousarray(np.moveaxis(F_star, 2, 0))  # (H+1,S,K)
        X = np.empty_like(Fs)
        X[0] = 0.0
        grow = (1.0 + self.inflation_rate)[:, None]  # (S,1)
        above = np.empty_like(Fs[0])
        for t in range(1, Fs.shape[0]):
            keep = np.where(t <= self.release_lag, 1.0, 1.0 - self.release_rate)[:, None]
            short = np.where(t <= self.build_lag, 1.0, 1.0 - self.build_rate)[:, None]
            gap = X[t]
            np.add(Fs[t - 1], X[t - 1], out=gap)
            gap *= grow
            gap -= Fs[t]  # K_t - F*_t
            # gap (1 - b) + max(0, gap) (b - r): one pass fewer than splitting the gap by its sign, and
            # none at all in the years where both rates are the same (inside both lags)
            step = keep - short
            if np.any(step != 0.0):
                np.maximum(gap, 0.0, out=above)
                above *= step
                if np.any(short != 1.0):
                    gap *= short
                gap += above
            elif np.any(keep != 1.0):
                gap *= keep
        return np.moveaxis(X, 0, 2)

    def income(self, sy: System, activity: np.ndarray, capitate_all: bool, clawback: np.ndarray) -> np.ndarray:
        """Acute income of every line on an activity path: (S,K,H).

        Every payment rule of section 4 is written as one sum with per-line, per-year coefficients:
        ``uplift * (fixed + price0 * (paid_share * min(A, C) + rebased * A_prev + over_share * X))`` where
        ``fixed`` holds the value-based parts (block, blended and capitated amounts at base prices). So the
        draws axis sees a handful of full-size operations and no branching."""
        t = self.t
        value, price0 = sy.line_value[:, None], sy.line_price0[:, None]  # (K,1)
        capitated = value * (1.0 + self.planned_growth[:, None]) ** t  # (K,H) at base prices
        if capitate_all:
            return capitated[None] * self.uplift - clawback
        pay = sy.line_payment[:, None]
        in_term = t[None, :] <= sy.line_end[:, None]  # (K,H)
        is_act, is_blend, is_block = pay == PAY_ACTIVITY, pay == PAY_BLENDED, pay == PAY_BLOCK
        rebased = is_block & ~in_term & sy.line_rebase[:, None]
        vshare = sy.line_variable_share[:, None]
        fixed = np.where(is_blend, value - vshare * price0 * sy.line_activity0[:, None], 0.0)
        fixed = fixed + np.where(is_block & ~rebased, value, 0.0) + np.where(pay == PAY_CAPITATED, capitated, 0.0)
        paid_share = np.where(is_act, 1.0, np.where(is_blend, vshare, 0.0))  # (K,1)
        # a block past its term without rebase rolls over on its in-term terms, above-ceiling payment included
        over_share = np.where(is_act | is_blend | (is_block & ~rebased), sy.line_marginal_rate[:, None], 0.0)  # (K,H)
        A = activity[:, :, 1:]
        C = sy.line_ceiling[None, :, None]
        ceilings = np.isfinite(sy.line_ceiling).any()
        paid = np.minimum(A, C) if ceilings else A.copy()  # written in place from here (fewer temporaries)
        paid *= paid_share[None]
        if np.any(over_share > 0) and ceilings:
            over = np.subtract(A, C)
            np.maximum(over, 0.0, out=over)
            over *= over_share[None]
            paid += over
        if rebased.any():
            paid += rebased[None] * activity[:, :, :-1]
        paid *= price0[None]
        paid += fixed[None]
        paid *= self.uplift
        paid -= clawback
        return paid


def _segments_of(sorted_keys: np.ndarray):
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    return starts, sorted_keys[starts]


def _with_base(path: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Prepend the base-year column: (S,K,H) and (K,) -> (S,K,H+1)."""
    S, K, H = path.shape[0], max(path.shape[1], base.shape[0]), path.shape[2]
    out = np.empty((S, K, H + 1))
    out[:, :, 0] = base[None, :]
    out[:, :, 1:] = path
    return out


MAX_OWN_VARIABLE_SHARE = 0.95  # MODEL.md section 4: a line's variable share scaled to the provider's mix


def provider_cost_mix(sy: System, v_default: np.ndarray, sf_default: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Variable and semi-fixed shares of every line, (K,) each (MODEL.md section 4). Where the register
    gives a provider's own ``variable_share`` V (or ``semi_fixed_share`` SF), the scenario's profile
    across service lines is kept but scaled so that its contract-value-weighted mean is V:
    ``v_l = min(0.95, v_def,l * V / sum_l w_l v_def,l)``; the same for SF, then ``sf_l <= 1 - v_l``."""
    P = sy.n_providers
    owner = sy.line_provider
    total = np.bincount(owner, weights=sy.line_value, minlength=P)

    def scaled(default: np.ndarray, given: np.ndarray, cap: float) -> tuple[np.ndarray, np.ndarray]:
        mean = np.bincount(owner, weights=sy.line_value * default, minlength=P)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            mean = np.where(total > 0, mean / np.where(total > 0, total, 1.0), np.nan)
            factor = (given / mean)[owner]
        use = np.isfinite(factor)
        return np.where(use, np.minimum(cap, default * np.where(use, factor, 1.0)), default), use

    v, v_given = scaled(v_default, sy.provider_variable_share, MAX_OWN_VARIABLE_SHARE)
    sf, sf_given = scaled(sf_default, sy.provider_semi_fixed_share, 1.0)
    sf = np.where(v_given | sf_given, np.minimum(sf, 1.0 - v), sf)
    return v, sf


def project(system: System, scenario: Scenario, drivers: Drivers, forms=FORMS,
            components: bool = False) -> dict[str, Projection]:
    """Income, cost, stranded cost, surplus and cash per provider and year for the given forms; with
    ``components`` also the parts of income and cost (core.bridges.COMPONENTS) that add up to surplus."""
    sy = system
    P, H = sy.n_providers, sy.horizon
    L = _Lines(sy, scenario, drivers)
    rules = form_rules(scenario)
    seg = sy.line_segments

    if drivers.clawback_miss is None:
        miss = scenario.clawback_miss_probability
    else:
        miss = drivers.clawback_miss[:, sy.line_contract, :]
    clawback = miss * sy.line_clawback_share[None, :, None] * L.value  # (S,K,H)

    if components:
        parts = [seg.sum_to(x, P) for x in L.cost_parts(L.activity)]
        variable_cost, semi_fixed_cost, fixed_cost, stranded = parts
        acute_cost = variable_cost + semi_fixed_cost + fixed_cost
    else:
        line_cost, line_stranded = L.cost(L.activity)
        acute_cost = seg.sum_to(line_cost, P)
        stranded = seg.sum_to(line_stranded, P)
    uplift = L.uplift[:, 0, :]  # (S,H)
    inflation = L.inflation[:, 0, :]
    other_income = sy.other_income0[None, :, None] * uplift[:, None, :]
    other_cost = (sy.kappa * sy.other_income0)[None, :, None] * inflation[:, None, :]

    twin_cost = None
    incomes: dict[bool, np.ndarray] = {}

    def acute_income(capitate: bool) -> np.ndarray:
        if capitate not in incomes:
            incomes[capitate] = seg.sum_to(L.income(sy, L.activity, capitate, clawback), P)
        return incomes[capitate]

    # community holdings
    hold = sy.holding_segments
    held_budget = L.service_budget[:, sy.holding_service, :]  # (S,Hh,H)
    t = sy.t
    o = np.minimum(sy.service_outcomes_cap[:, None],
                   sy.service_outcomes_start[:, None] + sy.service_outcomes_step[:, None] * (t[None, :] - 1))
    o_held = o[sy.holding_service][None]  # (1,Hh,H)
    ach = drivers.outcomes_achievement[:, None, None]
    community_income = hold.sum_to(held_budget * (1.0 - o_held + o_held * ach), P)
    delivery = hold.sum_to(held_budget * sy.service_delivery_cost_ratio[sy.holding_service][None, :, None], P)
    # integration cost falls on the services a provider takes on, not on those it already holds
    integrated_budget = hold.sum_to(held_budget * sy.holding_integrates[None, :, None], P)

    opening = sy.opening_cash[None, :, None]
    cash_flow = (sy.depreciation - sy.capital_expenditure - sy.loan_repayment)[None, :, None]
    zero = np.zeros((1, P, H))

    out = {}
    for form in forms:
        r = rules[form]
        parts = {"acute_income": acute_income(r.capitate_acute), "other_income": other_income,
                 "community_income": zero, "other_cost": other_cost, "delivery_cost": zero, "repurposed": zero,
                 "vat": zero, "integration_cost": zero, "gain_share": zero}
        form_stranded = stranded
        if r.hold_services:
            repurposed = np.minimum(scenario.repurpose_share * stranded, delivery)
            form_stranded = stranded - repurposed
            parts.update(community_income=community_income, delivery_cost=delivery, repurposed=repurposed,
                         vat=scenario.vat_rate * scenario.subcontract_share * delivery * sy.new_entity[None, :, None])
            if r.integration_costs:
                integration = scenario.integration_recurring_share * integrated_budget
                integration[:, :, 0] += scenario.integration_one_off_share * integrated_budget[:, :, 0]
                parts["integration_cost"] = integration
            if r.gain_share:
                if twin_cost is None:
                    twin_cost = seg.sum_to(L.cost(L.activity_twin)[0], P)
                if r.capitate_acute:  # capitated income does not depend on activity: the twin's is the same
                    twin_income = acute_income(True)
                else:
                    twin_income = seg.sum_to(L.income(sy, L.activity_twin, False, clawback), P)
                gain = np.maximum(0.0, (twin_cost - acute_cost) - (twin_income - acute_income(r.capitate_acute)))
                parts["gain_share"] = scenario.gp_gain_share * ach * gain
        # the sums run over the parts this form has, in the same order as the components' identity
        income = parts["acute_income"] + other_income
        cost = acute_cost + other_cost
        if r.hold_services:
            income = income + parts["community_income"]
            cost = cost + parts["delivery_cost"] - parts["repurposed"] + parts["vat"]
            if r.integration_costs:
                cost = cost + parts["integration_cost"]
            if r.gain_share:
                cost = cost + parts["gain_share"]
        surplus = income - cost
        cash = opening + np.cumsum(surplus + cash_flow, axis=2)
        shape = surplus.shape
        found = None
        if components:
            parts.update(variable_cost=variable_cost, semi_fixed_cost=semi_fixed_cost, fixed_cost=fixed_cost)
            found = {name: np.broadcast_to(parts[name], shape) for name in COMPONENTS}
        out[form] = Projection(np.broadcast_to(income, shape), np.broadcast_to(cost, shape),
                               np.broadcast_to(form_stranded, shape), surplus, cash, found)
    return out


def _rate(values: np.ndarray, thresholds, comparison: str) -> np.ndarray:
    """Rating 1..4 (NaN where the metric is missing)."""
    rating = np.full(values.shape, 4.0)
    for band, th in reversed(list(enumerate(thresholds, start=1))):
        hit = values >= th if comparison == ">=" else values > th
        rating = np.where(hit, float(band), rating)
    return np.where(np.isnan(values), np.nan, rating)


def metrics(system: System, scenario: Scenario, proj: Projection, ratings: bool = True) -> dict[str, np.ndarray]:
    """Every yearly metric of MODEL.md section 7 (S,P,H), NaN for a missing value, plus NPV and totals.
    ``ratings=False`` leaves out the ratings (the Monte Carlo reports no percentiles of them)."""
    sy = system
    with np.errstate(divide="ignore", invalid="ignore"):
        ie_margin = np.where(proj.income != 0, proj.surplus / proj.income, np.nan)
        liquidity_days = np.where(proj.cost != 0, proj.cash / (proj.cost / 365.0), np.nan)
        divisor = (sy.interest + sy.pdc_dividend + sy.loan_repayment)[None, :, None]
        csc = np.where(divisor != 0,
                       (proj.surplus + (sy.depreciation + sy.interest + sy.pdc_dividend)[None, :, None])
                       / np.where(divisor != 0, divisor, 1.0), np.nan)
        wc = sy.working_capital[None, :, None] + (proj.cash - sy.opening_cash[None, :, None])
        sof = np.where(proj.cost != 0, wc * 360.0 / proj.cost, np.nan)
    discount = (1.0 + scenario.discount_rate) ** -sy.t
    out = {
        "income_gbp_k": proj.income, "cost_gbp_k": proj.cost, "stranded_cost_gbp_k": proj.stranded,
        "surplus_gbp_k": proj.surplus, "cash_gbp_k": proj.cash, "liquidity_days": liquidity_days,
        "ie_margin": ie_margin, "capital_service_cover": csc, "sof_liquidity_days": sof,
        "liquidity_risk": liquidity_days < scenario.min_cash_days,
        "idle_cash": liquidity_days > scenario.idle_cash_days,
        "deficit": proj.surplus < 0,
        "npv_stranded_gbp_k": np.sum(proj.stranded * discount, axis=2),
        "cumulative_surplus_gbp_k": np.sum(proj.surplus, axis=2),
    }
    if not ratings:
        return out
    bands = scenario.rating_bands
    r_csc = _rate(csc, bands["capital_service_cover"], RATING_BAND_SETTINGS["capital_service_cover"]["comparison"])
    r_margin = _rate(ie_margin, bands["ie_margin"], RATING_BAND_SETTINGS["ie_margin"]["comparison"])
    r_liq = _rate(sof, bands["liquidity_days"], RATING_BAND_SETTINGS["liquidity_days"]["comparison"])
    stack = np.stack([r_csc, r_margin, r_liq])
    count = np.sum(~np.isnan(stack), axis=0)
    with np.errstate(invalid="ignore"):
        mean = np.nansum(stack, axis=0) / np.where(count > 0, count, 1)
    finance = np.floor(mean + 0.5 + 1e-12)
    any_four = np.any(stack == 4.0, axis=0)
    finance = np.where(any_four, np.maximum(finance, 3.0), finance)
    finance = np.where(count > 0, finance, np.nan)
    out.update({"rating_capital_service": r_csc, "rating_ie_margin": r_margin, "rating_liquidity": r_liq,
                "rating_finance": finance})
    return out


CURVE_MIN_MULTIPLIER = 3.0  # the shift curve is walked at least this far, whatever the break-evens


@dataclass
class ShiftCurve:
    """Cumulative surplus against the shift multiplier, on the break-even grid from 0 as far as it was
    walked (at least to ``CURVE_MIN_MULTIPLIER``, on to 10 while any provider has no break-even yet)."""

    multipliers: np.ndarray  # (M,)
    cumulative_surplus: dict[str, np.ndarray]  # form -> (M, P)
    break_even: dict[str, np.ndarray]  # form -> (P,), NaN when none on the grid

    def view(self, p: int, forms) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The part of provider p's curves worth showing: from 0 to at least 3x and half a multiple past the
        furthest finite break-even of the given forms (as far as the grid was walked)."""
        finite = [float(self.break_even[f][p]) for f in forms if not np.isnan(self.break_even[f][p])]
        top = max([CURVE_MIN_MULTIPLIER] + [np.ceil(2 * (be + 0.5)) / 2 for be in finite])
        keep = self.multipliers <= top + 1e-9
        return self.multipliers[keep], {f: self.cumulative_surplus[f][keep, p] for f in forms}

    def at(self, form: str, m: float) -> np.ndarray:
        """Cumulative surplus of every provider at grid multiplier m: (P,)."""
        i = int(np.flatnonzero(np.isclose(self.multipliers, m))[0])
        return self.cumulative_surplus[form][i]


def break_even_multipliers(system: System, scenario: Scenario, forms=("acute_only", "integrated"),
                           grid: np.ndarray = BREAK_EVEN_GRID, chunk: int | None = None,
                           workers: int | None = None) -> dict[str, np.ndarray]:
    """Smallest grid multiplier of every shift rate that makes cumulative surplus negative, per form and
    provider; NaN when none on the grid does (see ``shift_curve``)."""
    return shift_curve(system, scenario, forms, grid, chunk, workers, min_multiplier=0.0).break_even


def shift_curve(system: System, scenario: Scenario, forms=("acute_only", "integrated"),
                grid: np.ndarray = BREAK_EVEN_GRID, chunk: int | None = None,
                workers: int | None = None, min_multiplier: float = CURVE_MIN_MULTIPLIER) -> ShiftCurve:
    """Cumulative surplus on the grid of shift multipliers and, per form and provider, the smallest
    multiplier that makes it negative (NaN when none on the grid does). The grid is the draws axis,
    walked in chunks from 0 upward and stopped once every provider has its answer and
    ``min_multiplier`` is reached. By default a chunk's line arrays are kept to about 8 MB each:
    measured on 250 providers, smaller chunks pay numpy's per-call cost too often and larger ones only
    add memory (about 280 MB at this size with two threads). ``workers`` threads (default: one per
    core, up to 4) evaluate consecutive chunks side by side; the answer is the same."""
    P = system.n_providers
    if chunk is None:
        line_years = max(len(system.line_provider), 1) * (system.horizon + 1)
        chunk = int(min(len(grid), max(4, (8 << 20) // (8 * line_years))))
    found = {f: np.full(P, np.nan) for f in forms}
    walked: list[np.ndarray] = []
    curves: dict[str, list[np.ndarray]] = {f: [] for f in forms}
    starts = list(range(0, len(grid), chunk))
    workers = max(1, min(len(starts), min(4, os.cpu_count() or 1) if workers is None else int(workers)))

    def cumulative_at(start: int):
        m = grid[start:start + chunk]
        drivers = Drivers.deterministic(scenario, 1)  # one value of every other driver, shared by the grid
        drivers.shift_rate_multiplier = m
        proj = project(system, scenario, drivers, forms)
        return m, {f: np.sum(proj[f].surplus, axis=2) for f in forms}  # (S,P)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for i in range(0, len(starts), workers):
            for m, cumulative in pool.map(cumulative_at, starts[i:i + workers]):  # in grid order
                walked.append(m)
                for f in forms:
                    curves[f].append(cumulative[f])
                    negative = cumulative[f] < 0
                    hit = negative.any(axis=0) & np.isnan(found[f])
                    first = np.argmax(negative, axis=0)
                    found[f] = np.where(hit, m[first], found[f])
            if walked[-1][-1] >= min_multiplier and all(not np.isnan(found[f]).any() for f in forms):
                break
    return ShiftCurve(np.concatenate(walked), {f: np.concatenate(curves[f]) for f in forms}, found)

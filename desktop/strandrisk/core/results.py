"""A model run: deterministic results per provider and form, break-even, and the section-7 document."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .engine import BREAK_EVEN_GRID, FORMS, Drivers, ShiftCurve, metrics, project, shift_curve
from .inputs import ModelInputs, SourceFile
from .scenario import Scenario
from .schema import MODELLED_FORMS
from .system import System, compile_system

ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]


class RunCancelled(Exception):
    """The user cancelled a run."""


@dataclass
class RunResult:
    scenario: Scenario  # resolved: base year filled in
    system: System
    forms: dict[str, dict[str, np.ndarray]]  # form -> metric -> (P,H) or (P,)
    break_even: dict[str, np.ndarray]  # form -> (P,), NaN when none on the grid
    sources: list[SourceFile] = field(default_factory=list)
    monte_carlo: object | None = None  # a simulation.MonteCarloResult when simulations ran
    tornado: object | None = None  # a simulation.TornadoResult (computed from the scenario's ranges)
    shift_curve: ShiftCurve | None = None  # cumulative surplus on the break-even grid (None: not run)

    @property
    def years(self) -> list[str]:
        return self.system.years

    @property
    def provider_codes(self) -> list[str]:
        return list(self.system.provider_code)

    def provider_forms(self, p: int) -> tuple[str, ...]:
        """Forms shown for provider p: both modelled forms, or community_only alone."""
        if self.system.form_actual[p] == "community_only":
            return ("community_only",)
        return MODELLED_FORMS

    def value(self, form: str, metric: str, p: int):
        return self.forms[form][metric][p]

    def first_liquidity_risk_year(self, form: str, p: int) -> str | None:
        """The first year whose cash falls below the minimum days of cost; None when none does."""
        t = self.forms[form]["first_liquidity_risk_index"][p]
        return None if math.isnan(t) else self.years[int(t)]

    def to_document(self) -> dict:
        """The machine-readable results of MODEL.md section 7."""
        sy = self.system
        providers = []
        for p in range(sy.n_providers):
            forms = {}
            for form in self.provider_forms(p):
                forms[form] = self._form_document(form, p)
            providers.append({
                "provider_code": str(sy.provider_code[p]),
                "provider_name": str(sy.provider_name[p]),
                "form_actual": str(sy.form_actual[p]),
                "forms": forms,
            })
        return {
            "scenario": self.scenario.to_dict(),
            "inputs": [{"file": s.file, "sha256": s.sha256} for s in self.sources],
            "years": self.years,
            "providers": providers,
        }

    def _form_document(self, form: str, p: int) -> dict:
        m = self.forms[form]
        doc = {key: _floats(m[key][p]) for key in YEARLY_KEYS}
        doc["ratings"] = {name: _ints(m[f"rating_{name}"][p]) for name in RATING_NAMES}
        doc["liquidity_risk"] = [bool(x) for x in m["liquidity_risk"][p]]
        doc["idle_cash"] = [bool(x) for x in m["idle_cash"][p]]
        doc["npv_stranded_gbp_k"] = _float(m["npv_stranded_gbp_k"][p])
        doc["cumulative_surplus_gbp_k"] = _float(m["cumulative_surplus_gbp_k"][p])
        doc["break_even_shift_multiplier"] = _float(self.break_even[form][p]) if form in self.break_even else None
        doc["shift_impact_gbp_k"] = _float(m["shift_impact_gbp_k"][p])
        doc["first_liquidity_risk_year"] = self.first_liquidity_risk_year(form, p)
        if self.monte_carlo is not None:
            doc["monte_carlo"] = self.monte_carlo.form_document(form, p)
        return doc


YEARLY_KEYS = ("income_gbp_k", "cost_gbp_k", "stranded_cost_gbp_k", "surplus_gbp_k", "cash_gbp_k",
               "liquidity_days", "ie_margin", "capital_service_cover", "sof_liquidity_days")
RATING_NAMES = ("capital_service", "ie_margin", "liquidity", "finance")


def _float(x):
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def _floats(arr) -> list:
    return [_float(x) for x in arr]


def _ints(arr) -> list:
    return [None if math.isnan(x) else int(x) for x in arr]


def run_deterministic(inputs: ModelInputs, scenario: Scenario, *, break_even: bool = True) -> RunResult:
    """Compile the inputs and run the deterministic engine for every form, plus the break-even grid
    (its m = 0 point gives the shift impact; without the grid, one extra run with no shift does)."""
    system = compile_system(inputs, scenario)
    resolved = scenario.with_base_year(system.base_year)
    proj = project(system, resolved, Drivers.deterministic(resolved))
    forms = {}
    for form, pr in proj.items():
        forms[form] = {k: (v[0] if v.ndim >= 2 else v) for k, v in metrics(system, resolved, pr).items()}
    curve = shift_curve(system, resolved) if break_even else None
    no_shift = no_shift_cumulative_surplus(system, resolved, curve)
    for form, m in forms.items():
        m["shift_impact_gbp_k"] = m["cumulative_surplus_gbp_k"] - no_shift[form]
        m["first_liquidity_risk_index"] = first_flagged_year(m["liquidity_risk"])
    be = curve.break_even if curve is not None else {}
    return RunResult(resolved, system, forms, be, list(inputs.sources), shift_curve=curve)


def no_shift_cumulative_surplus(system: System, scenario: Scenario, curve: ShiftCurve | None) -> dict[str, np.ndarray]:
    """Cumulative surplus of every form with every shift rate multiplied by 0, form -> (P,): the grid's
    first point where the grid ran, one extra run for the other forms."""
    out = {}
    if curve is not None:
        for form, values in curve.cumulative_surplus.items():
            out[form] = values[0]  # the grid starts at m = 0
    rest = tuple(f for f in FORMS if f not in out)
    if rest:
        drivers = Drivers.deterministic(scenario)
        drivers.shift_rate_multiplier = np.zeros(1)
        for form, pr in project(system, scenario, drivers, rest).items():
            out[form] = np.sum(pr.surplus[0], axis=1)
    return out


def first_flagged_year(flags: np.ndarray) -> np.ndarray:
    """Index of the first True year per provider, (P,H) -> (P,) float, NaN when no year is flagged."""
    flags = np.asarray(flags, dtype=bool)
    return np.where(flags.any(axis=1), np.argmax(flags, axis=1), np.nan)


__all__ = ["BREAK_EVEN_GRID", "RunCancelled", "RunResult", "ShiftCurve", "run_deterministic"]

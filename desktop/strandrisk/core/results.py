"""A model run: deterministic results per provider and form, break-even, and the section-7 document."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .bridges import COMPONENTS, bridge
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
    components: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # form -> name -> (P,H), the run
    no_shift_components: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # the m = 0 twin

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

    def shift_bridge(self, form: str, p: int) -> dict[str, float]:
        """Provider p's run minus its no-shift twin, component by component over the horizon (GBP k);
        the values add up to its shift impact."""
        return bridge({c: self.components[form][c][p] for c in COMPONENTS},
                      {c: self.no_shift_components[form][c][p] for c in COMPONENTS})

    def form_bridge(self, p: int) -> dict[str, float]:
        """Integrated minus acute-only for provider p, both with the shift (GBP k); the values add up to
        the difference in cumulative surplus. Not defined for a community-only provider."""
        if "acute_only" not in self.provider_forms(p):
            raise ValueError(f"{self.system.provider_code[p]} is community-only: it has no acute-only and "
                             "integrated forms to compare")
        return bridge({c: self.components["integrated"][c][p] for c in COMPONENTS},
                      {c: self.components["acute_only"][c][p] for c in COMPONENTS})

    def to_document(self) -> dict:
        """The machine-readable results of MODEL.md section 7."""
        sy = self.system
        providers = []
        for p in range(sy.n_providers):
            forms = {}
            for form in self.provider_forms(p):
                forms[form] = self._form_document(form, p)
            entry = {
                "provider_code": str(sy.provider_code[p]),
                "provider_name": str(sy.provider_name[p]),
                "form_actual": str(sy.form_actual[p]),
                "forms": forms,
            }
            if "acute_only" in forms and self.components:
                entry["form_bridge_gbp_k"] = _bridge_document(self.form_bridge(p))
            providers.append(entry)
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
        if form in self.components:
            doc["components_gbp_k"] = {c: _floats(self.components[form][c][p]) for c in COMPONENTS}
            doc["no_shift_components_gbp_k"] = {c: _floats(self.no_shift_components[form][c][p]) for c in COMPONENTS}
            doc["shift_bridge_gbp_k"] = _bridge_document(self.shift_bridge(form, p))
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


def _bridge_document(values: dict[str, float]) -> dict:
    return {name: _float(x) for name, x in values.items()}


def _ints(arr) -> list:
    return [None if math.isnan(x) else int(x) for x in arr]


def run_deterministic(inputs: ModelInputs, scenario: Scenario, *, break_even: bool = True) -> RunResult:
    """Compile the inputs and run the deterministic engine for every form with its components, the
    no-shift twin with its components (one extra deterministic projection) and the break-even grid
    (its m = 0 point gives the shift impact; without the grid, the twin does)."""
    system = compile_system(inputs, scenario)
    resolved = scenario.with_base_year(system.base_year)
    proj = project(system, resolved, Drivers.deterministic(resolved), components=True)
    forms = {}
    for form, pr in proj.items():
        forms[form] = {k: (v[0] if v.ndim >= 2 else v) for k, v in metrics(system, resolved, pr).items()}
    curve = shift_curve(system, resolved) if break_even else None
    twin = no_shift_projection(system, resolved)
    for form, m in forms.items():
        # the twin's cumulative surplus is the grid's m = 0 point where the grid ran (the twin's parts
        # add up to it to rounding)
        no_shift = curve.cumulative_surplus[form][0] if curve is not None and form in curve.cumulative_surplus \
            else np.sum(twin[form].surplus[0], axis=1)
        m["shift_impact_gbp_k"] = m["cumulative_surplus_gbp_k"] - no_shift
        m["first_liquidity_risk_index"] = first_flagged_year(m["liquidity_risk"])
    be = curve.break_even if curve is not None else {}
    return RunResult(resolved, system, forms, be, list(inputs.sources), shift_curve=curve,
                     components={f: _first_draw(pr.components) for f, pr in proj.items()},
                     no_shift_components={f: _first_draw(pr.components) for f, pr in twin.items()})


def no_shift_projection(system: System, scenario: Scenario, forms=FORMS) -> dict:
    """Every form with every shift rate multiplied by 0 (community effects kept), with its components."""
    drivers = Drivers.deterministic(scenario)
    drivers.shift_rate_multiplier = np.zeros(1)
    return project(system, scenario, drivers, forms, components=True)


def _first_draw(components: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {name: np.array(values[0]) for name, values in components.items()}


def first_flagged_year(flags: np.ndarray) -> np.ndarray:
    """Index of the first True year per provider, (P,H) -> (P,) float, NaN when no year is flagged."""
    flags = np.asarray(flags, dtype=bool)
    return np.where(flags.any(axis=1), np.argmax(flags, axis=1), np.nan)


__all__ = ["BREAK_EVEN_GRID", "RunCancelled", "RunResult", "ShiftCurve", "run_deterministic"]

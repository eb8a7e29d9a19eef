"""The components of surplus and the bridges built from them (MODEL.md section 4, "Components").

One source of truth for the parts of income and cost: their order, the sign with which each adds to
surplus, the finance team's name for it and the scenario settings that drive it. The engine fills
them per form, provider and year for the run and for its no-shift twin; a bridge is the signed
effect of each part on cumulative surplus between two runs, so its values add up exactly to the
difference in cumulative surplus.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

COMPONENTS: tuple[str, ...] = (
    "acute_income", "other_income", "community_income", "variable_cost", "semi_fixed_cost", "fixed_cost",
    "other_cost", "delivery_cost", "repurposed", "vat", "integration_cost", "gain_share",
)

INCOME_COMPONENTS = ("acute_income", "other_income", "community_income")

# +1 adds to surplus (the incomes, and the repurposed stranded cost taken off cost), -1 takes from it
COMPONENT_SIGN: dict[str, int] = {name: (1 if name in INCOME_COMPONENTS or name == "repurposed" else -1)
                                  for name in COMPONENTS}

COMPONENT_LABELS: dict[str, str] = {
    "acute_income": "Acute contract income",
    "other_income": "Other income",
    "community_income": "Community income",
    "variable_cost": "Variable cost",
    "semi_fixed_cost": "Semi-fixed cost",
    "fixed_cost": "Fixed cost",
    "other_cost": "Other cost",
    "delivery_cost": "Community delivery cost",
    "repurposed": "Repurposed stranded cost",
    "vat": "VAT",
    "integration_cost": "Integration cost",
    "gain_share": "GP gain share",
}

# The scenario settings behind each part (service-line settings named by their key). "acute_income"
# depends on the form: the integrated form is paid by capitation when integrated_capitation is true.
COMPONENT_ASSUMPTIONS: dict[str, tuple[str, ...]] = {
    "acute_income": ("integrated_capitation", "shift_rate", "demand_growth", "price_uplift",
                     "clawback_miss_probability"),
    "other_income": ("price_uplift",),
    "community_income": ("outcomes_achievement",),
    "variable_cost": ("variable_share", "cost_inflation"),
    "semi_fixed_cost": ("semi_fixed_share", "step_share", "semi_fixed_release_lag_years"),
    "fixed_cost": ("fixed_release_lag_years", "fixed_release_rate", "fixed_build_lag_years", "fixed_build_rate"),
    "other_cost": ("cost_inflation",),
    "delivery_cost": ("price_uplift",),
    "repurposed": ("repurpose_share",),
    "vat": ("vat_rate", "subcontract_share"),
    "integration_cost": ("integration_one_off_share", "integration_recurring_share"),
    "gain_share": ("gp_gain_share", "outcomes_achievement"),
}


def surplus_of(components: Mapping[str, np.ndarray]) -> np.ndarray:
    """Surplus from the components: sum of SIGN * component (any matching shapes)."""
    return sum(COMPONENT_SIGN[name] * np.asarray(components[name], dtype=float) for name in COMPONENTS)


def bridge(components_a: Mapping[str, np.ndarray], components_b: Mapping[str, np.ndarray]) -> dict[str, float]:
    """The signed effect of each component on cumulative surplus going from b to a: sum over the years
    of SIGN * (a - b). The values add up to cumulative surplus of a minus that of b."""
    return {name: float(COMPONENT_SIGN[name] * np.sum(np.asarray(components_a[name], dtype=float)
                                                       - np.asarray(components_b[name], dtype=float)))
            for name in COMPONENTS}


__all__ = ["COMPONENTS", "COMPONENT_ASSUMPTIONS", "COMPONENT_LABELS", "COMPONENT_SIGN", "bridge", "surplus_of"]

"""What a headline is made of, in the words the app and the command line share: the engine's bridges for
one provider or summed over providers, the assumptions behind each component with their values, and the
assumption that moves each tornado metric most. Qt-free; the figures themselves come from core."""

from __future__ import annotations

import math

import numpy as np

from ..core.bridges import COMPONENT_ASSUMPTIONS, COMPONENT_LABELS, COMPONENTS, bridge
from ..core.simulation import TORNADO_METRIC_LABELS, TORNADO_METRICS
from ..core.wording import largest_effects, setting_text


def providers_in(result, form: str) -> np.ndarray:
    """Mask (P,) of the providers modelled in a form."""
    return np.array([form in result.provider_forms(p) for p in range(result.system.n_providers)], dtype=bool)


def shift_bridge(result, form: str, p: int | None) -> dict[str, float]:
    """The shift bridge of one provider, or (p None) of the providers modelled in the form taken together:
    then it adds up to their summed shift impact."""
    if p is not None:
        return {name: float(v) for name, v in result.shift_bridge(form, p).items()}
    mask = providers_in(result, form)
    return bridge({c: result.components[form][c][mask] for c in COMPONENTS},
                  {c: result.no_shift_components[form][c][mask] for c in COMPONENTS})


def form_bridge(result, p: int | None) -> dict[str, float] | None:
    """The form bridge (integrated minus acute-only) of one provider, or of the providers modelled in both
    forms taken together; None for a community-only provider, which has one form."""
    if p is not None:
        if "integrated" not in result.provider_forms(p):
            return None
        return {name: float(v) for name, v in result.form_bridge(p).items()}
    mask = providers_in(result, "integrated")
    return bridge({c: result.components["integrated"][c][mask] for c in COMPONENTS},
                  {c: result.components["acute_only"][c][mask] for c in COMPONENTS})


def assumptions_for(name: str) -> tuple[str, ...]:
    """The scenario keys behind a component (core.bridges.COMPONENT_ASSUMPTIONS)."""
    return tuple(COMPONENT_ASSUMPTIONS.get(name, ()))


def assumption_text(scenario, name: str) -> str:
    """The assumptions behind a component with their values, joined: '' when none drives it."""
    return "; ".join(setting_text(scenario, key) for key in assumptions_for(name))


def component_label(name: str) -> str:
    return COMPONENT_LABELS[name]


def biggest_drivers(tornado, form: str, p: int) -> list[tuple[str, str, float]]:
    """For each tornado metric: (metric label, the assumption with the largest swing, the swing £000);
    the assumption is '-' when nothing moves the metric."""
    out = []
    for metric in TORNADO_METRICS:
        rows = tornado.ranked(form, p, by=metric)
        top = rows[0] if rows else None
        swing = float(top[f"swing_{metric}"]) if top is not None else math.nan
        label = top["label"] if top is not None and np.isfinite(swing) and swing > 0.5 else "-"
        out.append((TORNADO_METRIC_LABELS[metric], label, swing if label != "-" else 0.0))
    return out


def metric_value(result, form: str, p: int, metric: str) -> float:
    """The deterministic value of a tornado metric for one provider and form: NPV of stranded cost,
    cumulative surplus, or closing cash (the last year's cash)."""
    m = result.forms[form]
    if metric == "closing_cash":
        return float(np.asarray(m["cash_gbp_k"][p], dtype=float)[-1])
    return float(m[f"{metric}_gbp_k"][p])


__all__ = ["assumption_text", "assumptions_for", "biggest_drivers", "component_label", "form_bridge",
           "largest_effects", "metric_value", "providers_in", "setting_text", "shift_bridge"]

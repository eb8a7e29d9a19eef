"""What a headline is made of, in the words the app and the command line share: the engine's bridges for
one provider or summed over providers, the assumptions behind each component with their values, and the
assumption that moves each tornado metric most. Qt-free; the figures themselves come from core."""

from __future__ import annotations

import math

import numpy as np

from ..core.bridges import COMPONENT_ASSUMPTIONS, COMPONENT_LABELS, COMPONENTS, bridge
from ..core.scenario import DEFAULT_SERVICE_LINES, SERVICE_LINE_SETTINGS, SETTINGS_BY_KEY, UNCERTAIN_PARAMETERS
from ..core.simulation import TORNADO_METRIC_LABELS, TORNADO_METRICS

_LINE_SETTINGS = {s.key: s for s in SERVICE_LINE_SETTINGS}


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


def largest_effects(bridge: dict[str, float], named: int = 3) -> tuple[list[tuple[str, float]], int, float]:
    """The ``named`` largest effects (by size, in COMPONENTS order on ties), how many others there are
    (effects under £0.5k not counted) and the sum of all the others, so the parts add up to the total."""
    shown = [(name, float(bridge[name])) for name in COMPONENTS if abs(bridge.get(name, 0.0)) >= 0.5]
    shown.sort(key=lambda item: -abs(item[1]))
    first = shown[:named]
    rest = float(sum(bridge.values())) - sum(v for _n, v in first)
    return first, len(shown) - len(first), rest


def assumptions_for(name: str) -> tuple[str, ...]:
    """The scenario keys behind a component (core.bridges.COMPONENT_ASSUMPTIONS)."""
    return tuple(COMPONENT_ASSUMPTIONS.get(name, ()))


def setting_text(scenario, key: str) -> str:
    """One assumption with its value in the scenario, in the Assumptions page's words: 'Repurposed
    stranded cost: 50%', 'Shift rate: 0%-3% by service line'."""
    if key in SETTINGS_BY_KEY:
        setting = SETTINGS_BY_KEY[key]
        value = getattr(scenario, key, setting.default)
        return f"{setting.label}: {_value_text(value, setting.type, setting.unit)}"
    if key in _LINE_SETTINGS:
        setting = _LINE_SETTINGS[key]
        given = getattr(scenario, "service_lines", {}) or {}
        values = [float({**DEFAULT_SERVICE_LINES[line], **given.get(line, {})}[key])
                  for line in DEFAULT_SERVICE_LINES]
        low, high = _value_text(min(values), setting.type), _value_text(max(values), setting.type)
        return f"{setting.label}: {low if low == high else f'{low}-{high}'} by service line"
    if key in UNCERTAIN_PARAMETERS:
        return UNCERTAIN_PARAMETERS[key]["label"]
    return key.replace("_", " ")


def _value_text(value, kind: str, unit: str = "") -> str:
    if isinstance(value, bool) or kind == "bool":
        return "yes" if value else "no"
    if value is None:
        return "not set"
    v = float(value)
    if kind in ("share", "rate"):
        return f"{v * 100:.3g}%"
    if unit == "years":
        return f"{v:g} year{'s' if v != 1 else ''}"
    return f"{v:g}"


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

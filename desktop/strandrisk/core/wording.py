"""Words shared by the app, the CLI and the report: counts with the right plural, and assumptions and
bridge parts named and valued the same way wherever a headline is explained."""

from __future__ import annotations

from .bridges import COMPONENTS
from .scenario import DEFAULT_SERVICE_LINES, SERVICE_LINE_SETTINGS, SETTINGS_BY_KEY, UNCERTAIN_PARAMETERS

_LINE_SETTINGS = {s.key: s for s in SERVICE_LINE_SETTINGS}


def counted(n: int, word: str, plural: str | None = None) -> str:
    """'1 problem', '0 problems', '1,204 problems'; ``plural`` for words that do not just take an 's'."""
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def setting_text(scenario, key: str) -> str:
    """One assumption with its value in the scenario, in the Assumptions page's words: 'Repurposed
    stranded cost: 50%', 'Shift rate: 0%-3% by service line'. (A setting's words with its key, for
    messages about scenario files, are core.scenario.setting_name.)"""
    if key in SETTINGS_BY_KEY:
        setting = SETTINGS_BY_KEY[key]
        value = getattr(scenario, key, setting.default)
        return f"{setting.label}: {value_text(value, setting.type, setting.unit)}"
    if key in _LINE_SETTINGS:
        setting = _LINE_SETTINGS[key]
        given = getattr(scenario, "service_lines", {}) or {}
        values = [float({**DEFAULT_SERVICE_LINES[line], **given.get(line, {})}[key])
                  for line in DEFAULT_SERVICE_LINES]
        low, high = value_text(min(values), setting.type), value_text(max(values), setting.type)
        return f"{setting.label}: {low if low == high else f'{low}-{high}'} by service line"
    if key in UNCERTAIN_PARAMETERS:
        return UNCERTAIN_PARAMETERS[key]["label"]
    return key.replace("_", " ")


def in_sentence(label: str) -> str:
    """A label inside a sentence: 'Fixed cost' -> 'fixed cost'; 'GP gain share', 'PDC dividend' and 'VAT'
    keep their capitals."""
    return label[0].lower() + label[1:] if label[1:2].islower() else label


def setting_phrase(scenario, key: str) -> str:
    """An assumption inside a sentence: 'repurposed stranded cost 50%', 'capitated integrated form: yes'.
    The scenario key is left to the Assumptions sheet, which lists each label beside its key."""
    text = setting_text(scenario, key)
    label, _, value = text.partition(": ")
    words = in_sentence(label)
    if not value:
        return words
    return f"{words}: {value}" if value in ("yes", "no", "not set") else f"{words} {value}"


def value_text(value, kind: str, unit: str = "") -> str:
    """A setting's value as the Assumptions page shows it: 50%, 2 years, yes."""
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


def largest_effects(bridge: dict[str, float], named: int = 3) -> tuple[list[tuple[str, float]], int, float]:
    """The ``named`` largest effects (by size, in COMPONENTS order on ties), how many others there are
    (effects under £0.5k not counted) and the sum of all the others, so the parts add up to the total."""
    shown = [(name, float(bridge[name])) for name in COMPONENTS if abs(bridge.get(name, 0.0)) >= 0.5]
    shown.sort(key=lambda item: -abs(item[1]))
    first = shown[:named]
    rest = float(sum(bridge.values())) - sum(v for _n, v in first)
    return first, len(shown) - len(first), rest

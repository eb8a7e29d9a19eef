"""The scenario: every assumption of the model, its default, unit, range and meaning, and validation.

``SETTINGS``, ``SERVICE_LINE_SETTINGS``, ``RATING_BAND_SETTINGS`` and ``UNCERTAIN_PARAMETERS`` are the
single definition used by the scenario file, the app's Assumptions pane, the report's Assumptions
sheet and the help text.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

from .inputs import fy_label, parse_fy_label
from .labels import value_label
from .schema import SERVICE_LINES


class ScenarioError(ValueError):
    """A scenario value that cannot be used; the message names the key."""


@dataclass(frozen=True)
class Setting:
    key: str
    label: str
    type: str  # "share", "rate", "number", "int", "bool", "text", "fy", "days", "years"
    default: object
    unit: str
    group: str
    help: str
    minimum: float | None = None
    maximum: float | None = None


SETTINGS: tuple[Setting, ...] = (
    Setting("name", "Scenario name", "text", "Base case", "", "General",
            "Shown on every report page and in the app."),
    Setting("base_year", "Base year", "fy", None, "financial year", "General",
            "Year 0 whose figures the inputs give; blank means the latest year with a cash balance."),
    Setting("horizon_years", "Horizon", "int", 5, "years", "General",
            "Number of years projected after the base year.", 1, 30),
    Setting("discount_rate", "Discount rate", "rate", 0.035, "a year", "General",
            "Discounts stranded cost to a present value (HM Treasury Green Book 3.5%).", 0, 1),
    Setting("price_uplift", "Price uplift", "rate", 0.02, "a year", "Prices and costs",
            "Yearly uplift of tariff prices, contract values and budgets.", -0.5, 1),
    Setting("cost_inflation", "Cost inflation", "rate", 0.02, "a year", "Prices and costs",
            "Yearly growth of unit costs.", -0.5, 1),
    Setting("semi_fixed_release_lag_years", "Semi-fixed release lag", "int", 1, "years", "Cost behaviour",
            "Years a ward or team step is kept after activity no longer needs it.", 0, 30),
    Setting("fixed_release_lag_years", "Fixed cost release lag", "int", 2, "years", "Cost behaviour",
            "Years before any fixed cost (estate, overheads) can be taken out.", 0, 30),
    Setting("fixed_release_rate", "Fixed cost release rate", "share", 0.25, "share a year",
            "Cost behaviour", "Share of the excess fixed cost taken out each year after the lag.", 0, 1),
    Setting("fixed_build_lag_years", "Fixed cost build lag", "int", 1, "years", "Cost behaviour",
            "Years before fixed cost (estate, overheads) grows with demand: growth is first absorbed by "
            "the capacity the trust already has.", 0, 30),
    Setting("fixed_build_rate", "Fixed cost build rate", "share", 0.5, "share a year", "Cost behaviour",
            "Share of the shortfall of fixed cost against the efficient level added each year after the "
            "build lag.", 0, 1),
    Setting("clawback_miss_probability", "Clawback miss probability", "share", 0.3, "probability",
            "Contracts", "Chance that a contract misses the targets its clawback depends on.", 0, 1),
    Setting("outcomes_achievement", "Outcomes achievement", "share", 0.8, "share", "Integration",
            "Share of outcomes-linked community payments earned.", 0, 1),
    Setting("gp_gain_share", "GP gain share", "share", 0.5, "share", "Integration",
            "Share of the acute net gain from lower activity paid to GPs, scaled by outcomes achieved.",
            0, 1),
    Setting("repurpose_share", "Repurposed stranded cost", "share", 0.5, "share", "Integration",
            "Share of stranded estate and staff an integrated provider redeploys to community services.",
            0, 1),
    Setting("integrated_capitation", "Capitated integrated form", "bool", True, "", "Integration",
            "Yes: the integrated form is paid a whole-population capitated budget for acute lines."),
    Setting("vat_rate", "VAT rate", "share", 0.2, "share", "Integration",
            "VAT a new entity cannot recover on subcontracted community delivery.", 0, 1),
    Setting("subcontract_share", "Subcontracted share", "share", 0.3, "share", "Integration",
            "Share of community delivery cost that a new entity subcontracts.", 0, 1),
    Setting("integration_one_off_share", "Integration one-off cost", "share", 0.05,
            "share of year-1 budget", "Integration",
            "One-off cost of integrating, as a share of the community budgets held in year 1.", 0, 1),
    Setting("integration_recurring_share", "Integration recurring cost", "share", 0.01,
            "share of budget a year", "Integration",
            "Recurring cost of running integrated services, as a share of the budgets held.", 0, 1),
    Setting("min_cash_days", "Minimum cash", "number", 10, "days of cost", "Cash",
            "Liquidity risk is flagged when cash covers fewer days of cost than this.", 0, 365),
    Setting("idle_cash_days", "Idle cash threshold", "number", 60, "days of cost", "Cash",
            "Idle cash is flagged when cash covers more days of cost than this.", 0, 3650),
    Setting("simulations", "Simulations", "int", 10000, "draws", "Uncertainty",
            "Monte Carlo draws; 0 runs the deterministic model only.", 0, 1_000_000),
    Setting("seed", "Random seed", "int", 2014, "", "Uncertainty",
            "The same seed gives identical results on any machine.", 0, 2**63 - 1),
)

SETTINGS_BY_KEY = {s.key: s for s in SETTINGS}

SERVICE_LINE_SETTINGS: tuple[Setting, ...] = (
    Setting("demand_growth", "Demand growth", "rate", None, "a year", "Service lines",
            "Underlying growth of demand before any shift out of hospital.", -0.5, 1),
    Setting("shift_rate", "Shift rate", "share", None, "share a year", "Service lines",
            "Share of remaining activity that moves out of hospital each year.", 0, 1),
    Setting("variable_share", "Variable cost share", "share", None, "share of cost", "Service lines",
            "Cost that moves one for one with activity.", 0, 1),
    Setting("semi_fixed_share", "Semi-fixed cost share", "share", None, "share of cost", "Service lines",
            "Cost that moves in steps (wards, teams).", 0, 1),
    Setting("step_share", "Step size", "share", None, "share of base activity", "Service lines",
            "Size of one semi-fixed step as a share of base-year activity.", 1e-6, 1),
)

DEFAULT_SERVICE_LINES: dict[str, dict[str, float]] = {
    "elective": dict(demand_growth=0.02, shift_rate=0.00, variable_share=0.50, semi_fixed_share=0.25,
                     step_share=0.05),
    "non_elective": dict(demand_growth=0.025, shift_rate=0.02, variable_share=0.30, semi_fixed_share=0.30,
                         step_share=0.05),
    "outpatients": dict(demand_growth=0.02, shift_rate=0.03, variable_share=0.40, semi_fixed_share=0.30,
                        step_share=0.05),
    "a_and_e": dict(demand_growth=0.02, shift_rate=0.01, variable_share=0.30, semi_fixed_share=0.30,
                    step_share=0.05),
    "community": dict(demand_growth=0.02, shift_rate=0.00, variable_share=0.60, semi_fixed_share=0.20,
                      step_share=0.05),
    "other": dict(demand_growth=0.0, shift_rate=0.0, variable_share=0.40, semi_fixed_share=0.30,
                  step_share=0.05),
}

# Rating bands: for each metric, the thresholds for ratings 1, 2 and 3 (below the last is 4) and how
# a value is compared with them. MODEL.md section 4 gives the defaults.
RATING_BAND_SETTINGS = {
    "capital_service_cover": dict(thresholds=(2.5, 1.75, 1.25), comparison=">=",
                                  label="Capital service cover", unit="times"),
    "ie_margin": dict(thresholds=(0.01, 0.0, -0.01), comparison=">", label="I&E margin", unit="share"),
    "liquidity_days": dict(thresholds=(0.0, -7.0, -14.0), comparison=">=", label="Liquidity (SOF)",
                           unit="days"),
}
DEFAULT_RATING_BANDS = {k: list(v["thresholds"]) for k, v in RATING_BAND_SETTINGS.items()}

# Uncertain parameters of MODEL.md section 5, in the order of the draws. "scale" parameters multiply a
# per-line input; "value" parameters replace a scenario value. Default ranges are StrandRisk's own
# (resources/help/uncertainty.md): symmetric triangles whose mode is the scenario's value, so that the
# Monte Carlo median of a figure sits near its deterministic value; a range is cut only where a natural
# bound (a share of 1, a lag of 0 years) leaves no room, and then on both sides.
UNCERTAIN_PARAMETERS = {
    "shift_rate_multiplier": dict(label="Shift rate multiplier", kind="scale", integer=False,
                                  default=dict(dist="triangular", low=0.5, mode=1.0, high=1.5),
                                  help="Multiplies every service line's shift rate."),
    "demand_growth_multiplier": dict(label="Demand growth multiplier", kind="scale", integer=False,
                                     default=dict(dist="triangular", low=0.5, mode=1.0, high=1.5),
                                     help="Multiplies every service line's demand growth (not the "
                                          "planned growth that sets capitated income)."),
    "price_uplift": dict(label="Price uplift", kind="value", integer=False, spread=(-0.01, 0.01),
                         help="Yearly price uplift."),
    "cost_inflation": dict(label="Cost inflation", kind="value", integer=False, spread=(-0.01, 0.01),
                           help="Yearly cost inflation."),
    "variable_share_delta": dict(label="Variable cost share change", kind="scale", integer=False,
                                 default=dict(dist="triangular", low=-0.1, mode=0.0, high=0.1),
                                 help="Added to every line's variable cost share (taken from fixed)."),
    "fixed_release_rate": dict(label="Fixed cost release rate", kind="value", integer=False,
                               spread=(-0.15, 0.15), bounds=(0, 1), help="Yearly fixed-cost release."),
    "fixed_release_lag_years": dict(label="Fixed cost release lag", kind="value", integer=True,
                                    spread=(-1, 1), bounds=(0, 30), help="Years before release (whole)."),
    "fixed_build_rate": dict(label="Fixed cost build rate", kind="value", integer=False,
                             spread=(-0.25, 0.25), bounds=(0, 1), help="Yearly fixed-cost build towards demand."),
    "fixed_build_lag_years": dict(label="Fixed cost build lag", kind="value", integer=True,
                                  spread=(-1, 1), bounds=(0, 30), help="Years before fixed cost grows (whole)."),
    "ramp_years_multiplier": dict(label="Community ramp multiplier", kind="scale", integer=False,
                                  default=dict(dist="triangular", low=0.75, mode=1.0, high=1.25),
                                  help="Multiplies each community service's years to full effect."),
    "outcomes_achievement": dict(label="Outcomes achievement", kind="value", integer=False,
                                 spread=(-0.2, 0.2), bounds=(0, 1), help="Outcomes-linked payment earned."),
    "activity_avoided_multiplier": dict(label="Activity avoided multiplier", kind="scale", integer=False,
                                        default=dict(dist="triangular", low=0.75, mode=1.0, high=1.25),
                                        help="Multiplies activity avoided per £1m of community budget."),
}
DISTRIBUTIONS = ("triangular", "uniform", "normal")


def default_uncertainty(values: dict) -> dict:
    """Default ranges: fixed ones for multipliers, the scenario's value +/- a spread for the rest."""
    out = {}
    for key, spec in UNCERTAIN_PARAMETERS.items():
        if "default" in spec:
            out[key] = dict(spec["default"])
            continue
        mode = float(values[key])
        lo, hi = mode + spec["spread"][0], mode + spec["spread"][1]
        if "bounds" in spec:  # cut symmetrically, so the mode stays the middle of the range
            half = min(mode - lo, hi - mode, mode - spec["bounds"][0], spec["bounds"][1] - mode)
            lo, hi = mode - half, mode + half
        out[key] = dict(dist="triangular", low=min(round(lo, 10), mode), mode=mode, high=max(round(hi, 10), mode))
    return out


def distribution_mode(dist: dict) -> float:
    """The central value: mode of a triangular, mean of a normal, midpoint of a uniform."""
    if dist["dist"] == "triangular":
        return float(dist["mode"])
    if dist["dist"] == "normal":
        return float(dist["mean"])
    return (float(dist["low"]) + float(dist["high"])) / 2.0


def distribution_range(dist: dict) -> tuple[float, float]:
    """Low and high ends used by the tornado: the bounds, or mean +/- 2 sd for an unbounded normal."""
    if dist["dist"] == "normal":
        lo = dist.get("low")
        hi = dist.get("high")
        mean, sd = float(dist["mean"]), float(dist["sd"])
        return (float(lo) if lo is not None else mean - 2 * sd, float(hi) if hi is not None else mean + 2 * sd)
    return float(dist["low"]), float(dist["high"])


class Scenario:
    """A resolved, validated scenario. Read values as attributes: ``scenario.discount_rate``."""

    def __init__(self, values: dict, explicit: frozenset[str] = frozenset()):
        self._values = values
        self.explicit = explicit  # keys the user gave (the rest are defaults)

    def __getattr__(self, key):
        try:
            return self.__dict__["_values"][key]
        except KeyError:
            raise AttributeError(key) from None

    @property
    def values(self) -> dict:
        return self._values

    def to_dict(self) -> dict:
        """The resolved scenario as JSON-ready values (base year as '2025/26')."""
        out = copy.deepcopy(self._values)
        if out.get("base_year") is not None:
            out["base_year"] = fy_label(out["base_year"])
        return out

    def replace(self, **changes) -> "Scenario":
        data = self.to_dict()
        data.update(changes)
        return Scenario.from_dict(data, explicit=self.explicit | frozenset(changes))

    def with_base_year(self, base_year: int) -> "Scenario":
        values = copy.deepcopy(self._values)
        values["base_year"] = int(base_year)
        return Scenario(values, self.explicit)

    def is_default(self, key: str) -> bool:
        """Whether a setting (or service_lines, rating_bands, uncertainty) holds its default value, whether
        or not the scenario file wrote it: numbers compared with a tolerance, groups value by value."""
        if key == "base_year":  # the default is 'the latest cash year', which a run fills in
            return key not in self.explicit or self._values.get(key) is None
        if key in SETTINGS_BY_KEY:
            default = SETTINGS_BY_KEY[key].default
        elif key == "service_lines":
            default = DEFAULT_SERVICE_LINES
        elif key == "rating_bands":
            default = DEFAULT_RATING_BANDS
        elif key == "uncertainty":
            default = default_uncertainty(self._values)
        else:
            raise KeyError(key)
        return same_value(self._values.get(key), default)

    @classmethod
    def default(cls) -> "Scenario":
        return cls.from_dict({})

    @classmethod
    def from_dict(cls, data: dict, explicit: frozenset[str] | None = None) -> "Scenario":
        if not isinstance(data, dict):
            raise ScenarioError("the scenario must be a JSON object of settings")
        known = set(SETTINGS_BY_KEY) | {"service_lines", "rating_bands", "uncertainty"}
        for key in data:
            if key not in known:
                hint = _close_match(key, known)
                raise ScenarioError(f"unknown scenario key '{key}'" + (f" (did you mean '{hint}'?)" if hint else ""))
        values: dict = {}
        for s in SETTINGS:
            raw = data.get(s.key, s.default)
            values[s.key] = _check_setting(s, raw, s.key)
        values["service_lines"] = _check_service_lines(data.get("service_lines", {}))
        values["rating_bands"] = _check_rating_bands(data.get("rating_bands", {}))
        defaults = default_uncertainty(values)
        given = data.get("uncertainty", {})
        if not isinstance(given, dict):
            raise ScenarioError("'uncertainty' must be an object mapping a parameter to a distribution")
        unc = {}
        for key in given:
            if key not in UNCERTAIN_PARAMETERS:
                hint = _close_match(key, set(UNCERTAIN_PARAMETERS))
                raise ScenarioError(f"unknown uncertainty parameter 'uncertainty.{key}'"
                                    + (f" (did you mean '{hint}'?)" if hint else ""))
        for key in UNCERTAIN_PARAMETERS:
            unc[key] = _check_distribution(given[key], f"uncertainty.{key}") if key in given else defaults[key]
        values["uncertainty"] = unc
        if explicit is None:
            explicit = frozenset(data)
        return cls(values, frozenset(explicit))


def same_value(a, b) -> bool:
    """Equal settings: numbers within a relative 1e-9 (0.1 + 0.2 is 0.3), dicts and lists item by item,
    true/false only to true/false."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return a == b


def _close_match(key: str, known: set[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return found[0] if found else None


def _number(raw, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise ScenarioError(f"{setting_name(where)} must be a number, not {json_type(raw)}")
    if not math.isfinite(raw):
        raise ScenarioError(f"{setting_name(where)} must be a finite number")
    return float(raw)


def json_type(raw) -> str:
    if raw is None:
        return "null"
    if isinstance(raw, bool):
        return "true/false"
    if isinstance(raw, str):
        return f"text '{raw}'"
    if isinstance(raw, (list, tuple)):
        return "a list"
    if isinstance(raw, dict):
        return "an object"
    return type(raw).__name__


def _check_range(value: float, s: Setting, where: str) -> None:
    name = setting_name(where)
    if s.key == "horizon_years" and value < 0:
        raise ScenarioError(f"{name} is {value:g}: the horizon cannot be negative")
    low, high = s.minimum, s.maximum
    if s.type == "share":
        low, high = max(0.0, low or 0.0), min(1.0, 1.0 if high is None else high)
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            rule = f"it must be between {low:g} and {high:g}" + (
                f" ({low * 100:g}% to {high * 100:g}%)" if s.type in ("share", "rate") else "")
        elif low is not None:
            rule = f"it must be at least {_shown(low, s)}"
        else:
            rule = f"it must be at most {_shown(high, s)}"
        raise ScenarioError(f"{name} is {_shown(value, s)}: {rule}")


def _shown(value: float, s: Setting) -> str:
    """2 as '2', a share or rate 0.035 as '0.035 (3.5%)': the file holds the fraction, people read percent."""
    return f"{value:g} ({value * 100:g}%)" if s.type in ("share", "rate") else f"{value:g}"


def _listed(codes) -> str:
    """'Elective (elective), Non-elective (non_elective), ...': words, each with the exact text a scenario
    file must hold (even where the words say it: the file's text is case-sensitive)."""
    return ", ".join(f"{value_label(c)} ({c})" if value_label(c) != c else c for c in codes)


_DISTRIBUTION_PARTS = {"dist": "distribution", "sd": "SD"}


def setting_name(where: str) -> str:
    """A scenario key in words with the key in brackets: 'Discount rate (discount_rate)',
    'Elective shift rate (service_lines.elective.shift_rate)'. A key it does not know stays quoted."""
    parts = where.split(".")
    words = None
    if len(parts) == 1 and parts[0] in SETTINGS_BY_KEY:
        words = SETTINGS_BY_KEY[parts[0]].label
    elif parts[0] == "service_lines" and len(parts) in (2, 3) and parts[1] in SERVICE_LINES:
        line = value_label(parts[1])
        setting = next((x for x in SERVICE_LINE_SETTINGS if len(parts) == 3 and x.key == parts[2]), None)
        words = f"{line} service line" if len(parts) == 2 else (f"{line} {setting.label.lower()}" if setting else None)
    elif parts[0] == "rating_bands" and len(parts) == 2 and parts[1] in RATING_BAND_SETTINGS:
        words = f"{RATING_BAND_SETTINGS[parts[1]]['label']} rating bands"
    elif parts[0] == "uncertainty" and len(parts) in (2, 3) and parts[1] in UNCERTAIN_PARAMETERS:
        words = f"{UNCERTAIN_PARAMETERS[parts[1]]['label']} range"
        if len(parts) == 3:
            words += f" {_DISTRIBUTION_PARTS.get(parts[2], parts[2])}"
    return f"{words} ({where})" if words else f"'{where}'"


def _check_setting(s: Setting, raw, where: str):
    if s.type == "text":
        if not isinstance(raw, str):
            raise ScenarioError(f"{setting_name(where)} must be text, not {json_type(raw)}")
        return raw
    if s.type == "fy":
        if raw is None:
            return None
        if isinstance(raw, str):
            try:
                return parse_fy_label(raw)
            except ValueError:
                raise ScenarioError(f"{setting_name(where)} is '{raw}': write a financial year like 2025/26") from None
        if isinstance(raw, int) and not isinstance(raw, bool) and 1990 <= raw <= 2100:
            return raw
        raise ScenarioError(f"{setting_name(where)} must be a financial year like \"2025/26\", not {json_type(raw)}")
    if s.type == "bool":
        if not isinstance(raw, bool):
            raise ScenarioError(f"{setting_name(where)} must be true or false, not {json_type(raw)}")
        return raw
    value = _number(raw, where)
    if s.type == "int":
        if value != int(value):
            raise ScenarioError(f"{setting_name(where)} is {value:g}: it must be a whole number")
        _check_range(value, s, where)
        return int(value)
    _check_range(value, s, where)
    return value


def _check_service_lines(given) -> dict:
    if not isinstance(given, dict):
        raise ScenarioError("'service_lines' must be an object keyed by service line")
    out = copy.deepcopy(DEFAULT_SERVICE_LINES)
    names = {s.key: s for s in SERVICE_LINE_SETTINGS}
    for line, params in given.items():
        if line not in SERVICE_LINES:
            raise ScenarioError(f"unknown service line 'service_lines.{line}': use one of {_listed(SERVICE_LINES)}")
        if not isinstance(params, dict):
            raise ScenarioError(f"{setting_name(f'service_lines.{line}')} must be an object of settings")
        for key, raw in params.items():
            if key not in names:
                hint = _close_match(key, set(names))
                raise ScenarioError(f"unknown scenario key 'service_lines.{line}.{key}'"
                                    + (f" (did you mean '{hint}'?)" if hint else ""))
            value = _number(raw, f"service_lines.{line}.{key}")
            _check_range(value, names[key], f"service_lines.{line}.{key}")
            out[line][key] = value
    for line, params in out.items():
        total = params["variable_share"] + params["semi_fixed_share"]
        if total > 1.0 + 1e-12:
            raise ScenarioError(
                f"{setting_name(f'service_lines.{line}')}: variable cost share (variable_share) + semi-fixed "
                f"cost share (semi_fixed_share) is {total:g}, above 1; "
                "lower one of them so the fixed share is not negative")
    return out


def _check_rating_bands(given) -> dict:
    if not isinstance(given, dict):
        raise ScenarioError("'rating_bands' must be an object keyed by metric")
    out = copy.deepcopy(DEFAULT_RATING_BANDS)
    for key, raw in given.items():
        if key not in RATING_BAND_SETTINGS:
            raise ScenarioError(f"unknown rating band 'rating_bands.{key}': use one of "
                                f"{', '.join(RATING_BAND_SETTINGS)}")
        if not isinstance(raw, (list, tuple)) or len(raw) != 3:
            raise ScenarioError(f"{setting_name(f'rating_bands.{key}')} must be a list of three thresholds "
                                "(ratings 1, 2, 3)")
        vals = [_number(v, f"rating_bands.{key}") for v in raw]
        if not vals[0] >= vals[1] >= vals[2]:
            raise ScenarioError(f"{setting_name(f'rating_bands.{key}')} must be in falling order (rating 1 first)")
        out[key] = vals
    return out


def _check_distribution(raw, where: str) -> dict:
    if not isinstance(raw, dict):
        raise ScenarioError(f"{setting_name(where)} must be an object like {{\"dist\": \"triangular\", \"low\": ..., "
                            "\"mode\": ..., \"high\": ...}}")
    dist = raw.get("dist")
    if dist not in DISTRIBUTIONS:
        raise ScenarioError(f"{setting_name(where + '.dist')} must be one of {_listed(DISTRIBUTIONS)}")
    need = {"triangular": ("low", "mode", "high"), "uniform": ("low", "high"),
            "normal": ("mean", "sd")}[dist]
    allowed = set(need) | {"dist"} | ({"low", "high"} if dist == "normal" else set())
    for key in raw:
        if key not in allowed:
            raise ScenarioError(f"unknown key '{where}.{key}' for a {dist} distribution")
    out = {"dist": dist}
    for key in need:
        if key not in raw:
            raise ScenarioError(f"{setting_name(where)} needs '{key}' for a {dist} distribution")
        out[key] = _number(raw[key], f"{where}.{key}")
    if dist == "normal":
        for key in ("low", "high"):
            out[key] = None if raw.get(key) is None else _number(raw[key], f"{where}.{key}")
        if out["sd"] < 0:
            raise ScenarioError(f"{setting_name(where + '.sd')} cannot be negative")
        lo = -math.inf if out["low"] is None else out["low"]
        hi = math.inf if out["high"] is None else out["high"]
        if lo > hi:
            raise ScenarioError(f"{setting_name(where)}: low must not be above high")
    elif dist == "triangular":
        if not out["low"] <= out["mode"] <= out["high"]:
            raise ScenarioError(f"{setting_name(where)}: need low <= mode <= high")
    elif out["low"] > out["high"]:
        raise ScenarioError(f"{setting_name(where)}: low must not be above high")
    return out

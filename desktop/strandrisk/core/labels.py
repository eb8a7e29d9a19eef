"""The words and colours a finance team sees for each coded value: one place for the app, the CLI and the report.

Codes (`non_elective`, `acute_only`) stay what files, JSON and the engine use; these labels are what a
person reads in drop-downs, messages, tables and charts. `value_label(code, with_key=True)` keeps the code
in brackets where a user may need to type it or find it in a file.
"""

from __future__ import annotations

from .schema import COMMUNITY_PAYMENT_TYPES, CONTRACT_PAYMENT_TYPES, FORMS, SERVICE_LINES, VEHICLES

FORM_LABELS = {"acute_only": "Acute-only", "integrated": "Integrated", "community_only": "Community-only"}
# One colour per form everywhere (app charts, report charts, exported images): "#rrggbb".
FORM_COLOURS = {"acute_only": "#c0504d", "integrated": "#1f6fb2", "community_only": "#6a8f3a"}
# Bridges (waterfalls) in the app and the report: what adds to surplus, what takes from it, the total.
BRIDGE_COLOURS = {"increase": "#3a8a4f", "decrease": "#c8553d", "total": "#34495e"}
# The deterministic projection drawn over simulated ranges; a tornado's low-end bars (its high end: the form's).
DETERMINISTIC_COLOUR = "#222222"
TORNADO_LOW_COLOUR = "#9e9e9e"
SERVICE_LINE_LABELS = {"elective": "Elective", "non_elective": "Non-elective", "outpatients": "Outpatients",
                       "a_and_e": "A&E", "community": "Community", "other": "Other"}
VEHICLE_LABELS = {"foundation_trust": "Foundation trust", "nhs_trust": "NHS trust", "new_entity": "New entity"}
PAYMENT_TYPE_LABELS = {"activity": "Activity-based", "block": "Block", "blended": "Blended",
                       "capitated": "Capitated"}
# The England screen's verdict on each trust (io/tac/derive.py STATUSES; the code community_only is also a form,
# so these words are kept apart from VALUE_LABELS).
SCREEN_STATUS_LABELS = {"screened": "Screened (both forms)", "community_only": "Community-only (cash view)",
                        "not_applicable": "Not applicable", "excluded": "Excluded"}

# The scenario's uncertainty distributions (core/scenario.DISTRIBUTIONS), as the Assumptions page lists them.
DISTRIBUTION_LABELS = {"triangular": "Triangular", "uniform": "Uniform", "normal": "Normal"}

VALUE_LABELS: dict[str, str] = {**FORM_LABELS, **SERVICE_LINE_LABELS, **VEHICLE_LABELS, **PAYMENT_TYPE_LABELS,
                                **DISTRIBUTION_LABELS}

assert set(FORM_LABELS) == set(FORMS) == set(FORM_COLOURS)
assert set(SERVICE_LINE_LABELS) == set(SERVICE_LINES)
assert set(VEHICLE_LABELS) == set(VEHICLES)
assert set(PAYMENT_TYPE_LABELS) == set(CONTRACT_PAYMENT_TYPES) | set(COMMUNITY_PAYMENT_TYPES)


def value_label(code, with_key: bool = False) -> str:
    """'non_elective' -> 'Non-elective'; with_key adds the code in brackets where the words do not already
    say it ('Non-elective (non_elective)', 'A&E (a_and_e)', but 'Block'). An unknown value is shown as written."""
    if code is None:
        return ""
    text = str(code)
    label = VALUE_LABELS.get(text)
    if label is None:
        return text
    if with_key and text.replace("_", " ").lower() not in label.lower():
        return f"{label} ({text})"
    return label


def colour_hex(form: str) -> str:
    """The form's colour without '#', as Excel charts take it ('C0504D')."""
    return excel_colour(FORM_COLOURS.get(form, "#777777"))


def excel_colour(colour: str) -> str:
    """'#c0504d' -> 'C0504D', as Excel charts take a colour."""
    return colour.lstrip("#").upper()

"""Issue 21: messages and drop-downs name values and settings in words (the key in brackets where it helps),
and "Default?" compares values, not whether the scenario file wrote them."""

from __future__ import annotations

import pytest
from openpyxl import Workbook, load_workbook

from strandrisk.core.labels import SERVICE_LINE_LABELS
from strandrisk.core.results import run_deterministic
from strandrisk.core.scenario import SETTINGS_BY_KEY, UNCERTAIN_PARAMETERS, Scenario, ScenarioError, same_value
from strandrisk.io.report.workbook import write_report
from strandrisk.io.spreadsheets.load import load_inputs, load_sample


# --- Default? ----------------------------------------------------------------------------------------

def test_a_value_written_equal_to_its_default_is_the_default():
    sc = Scenario.from_dict({"discount_rate": 0.035, "price_uplift": 0.01 + 0.01, "horizon_years": 5.0,
                             "integrated_capitation": True,
                             "service_lines": {"elective": {"shift_rate": 0.0}},
                             "rating_bands": {"ie_margin": [0.01, 0, -0.01]}})
    for key in ("discount_rate", "price_uplift", "horizon_years", "integrated_capitation", "service_lines",
                "rating_bands", "uncertainty", "base_year"):
        assert sc.is_default(key), key
    other = Scenario.from_dict({"discount_rate": 0.04, "service_lines": {"elective": {"shift_rate": 0.01}},
                                "rating_bands": {"ie_margin": [0.02, 0, -0.01]}, "integrated_capitation": False,
                                "uncertainty": {"price_uplift": {"dist": "uniform", "low": 0.0, "high": 0.03}}})
    for key in ("discount_rate", "service_lines", "rating_bands", "integrated_capitation", "uncertainty"):
        assert not other.is_default(key), key


def test_the_base_year_a_run_fills_in_is_the_default():
    assert Scenario.default().with_base_year(2025).is_default("base_year")
    assert not Scenario.from_dict({"base_year": "2025/26"}).is_default("base_year")


def test_uncertainty_that_follows_a_changed_value_is_still_its_default():
    """The default range of the price uplift is centred on the scenario's uplift: moving the uplift moves it."""
    assert Scenario.from_dict({"price_uplift": 0.03}).is_default("uncertainty")


def test_same_value_rules():
    assert same_value(0.1 + 0.2, 0.3) and same_value(5, 5.0) and same_value({"a": [1, 2.0]}, {"a": (1.0, 2)})
    assert not same_value(True, 1) and not same_value(0.3, 0.31) and not same_value({"a": 1}, {"a": 1, "b": 2})
    assert not same_value(None, 0) and same_value(None, None)


def test_report_assumptions_sheet_says_default_for_a_value_equal_to_it(tmp_path):
    imported = load_sample()
    sc = Scenario.from_dict({"discount_rate": 0.035, "price_uplift": 0.03,
                             "service_lines": {"elective": {"shift_rate": 0.0}}})
    out = tmp_path / "r.xlsx"
    write_report(run_deterministic(imported.inputs, sc), out, imported=imported)
    rows = list(load_workbook(out)["Assumptions"].iter_rows(values_only=True))
    default_of = {}
    for r in rows:  # the settings table comes first (the uncertainty table names some settings again)
        if r[0] in ("Discount rate", "Price uplift", "Cost inflation", "Base year"):
            default_of.setdefault(r[0], r[3])
    assert default_of == {"Discount rate": "yes", "Price uplift": "no", "Cost inflation": "yes", "Base year": "yes"}
    assert {r[0] for r in rows} >= set(SERVICE_LINE_LABELS.values())  # the service lines in words
    groups = {r[0]: r[3] for r in rows if r[0] in ("Service lines", "Finance rating bands")}
    assert groups == {"Service lines": "Default? yes", "Finance rating bands": "Default? yes"}


# --- messages ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, words", [
    ({"discount_rate": 2}, "Discount rate (discount_rate) is 2 (200%): it must be between 0 and 1 (0% to 100%)"),
    ({"min_cash_days": -1}, "Minimum cash (min_cash_days) is -1: it must be between 0 and 365"),
    ({"service_lines": {"a_and_e": {"shift_rate": 2}}}, "A&E shift rate (service_lines.a_and_e.shift_rate) is 2"),
    ({"uncertainty": {"price_uplift": {"dist": "beta"}}},
     "must be one of Triangular (triangular), Uniform (uniform), Normal (normal)"),
])
def test_scenario_messages_name_settings_in_words_with_the_key(data, words):
    with pytest.raises(ScenarioError) as err:
        Scenario.from_dict(data)
    assert words in str(err.value)
    assert "'discount_rate'" not in str(err.value)


def test_import_messages_name_values_in_words_and_keep_the_cell_and_what_to_do(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Contract id", "Provider code", "Service line", "Payment type", "Annual value", "Baseline activity"])
    ws.append(["C1", "ZA1", "Frailty", "block", 10, 5])
    ws.append(["C1", "ZA1", "elective", "block", 10, 5])
    ws.append(["C1", "ZA1", "Elective", "block", 10, 5])
    path = tmp_path / "c.xlsx"
    wb.save(path)
    texts = {p.cell: p.message for p in load_inputs([path]).problems if p.cell}
    listed = ", ".join(SERVICE_LINE_LABELS.values())
    assert texts["C2"].startswith(f"Service line: 'Frailty' is not one of {listed}: say what it means on the "
                                  "Data page")
    twice = next(m for m in texts.values() if "twice" in m)
    assert "has the Elective line for ZA1 twice" in twice


def test_a_defaulted_list_value_is_named_in_words(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Provider code", "Operating income", "Operating expenditure"])
    ws.append(["ZA1", 100, 90])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    said = [p.message for p in load_inputs([path]).problems if "Legal vehicle" in p.message]
    assert said and "legal vehicle Foundation trust used for 1 provider." in said[0]


# --- the Assumptions page ----------------------------------------------------------------------------

def test_assumptions_drop_downs_show_words_and_keep_codes(window, qtbot):
    from PySide6.QtWidgets import QComboBox

    pane = window.assumptions_pane
    pane.refresh()
    combo = pane.unc.cellWidget(0, 0)
    assert [combo.itemText(i) for i in range(combo.count())] == ["Triangular", "Uniform", "Normal"]
    assert [combo.itemData(i) for i in range(combo.count())] == ["triangular", "uniform", "normal"]
    assert combo.sizeAdjustPolicy() == QComboBox.SizeAdjustPolicy.AdjustToContents
    assert pane.scenario_box.sizeAdjustPolicy() == QComboBox.SizeAdjustPolicy.AdjustToContents
    key = next(iter(UNCERTAIN_PARAMETERS))
    combo.setCurrentIndex(combo.findData("uniform"))
    assert window.workspace.scenario_dict()["uncertainty"][key]["dist"] == "uniform"
    assert not pane.set_value("discount_rate", "2")
    err = pane.editor("discount_rate").property("error_label").text()
    assert f"{SETTINGS_BY_KEY['discount_rate'].label} (discount_rate) is 2" in err


def test_a_code_is_added_in_brackets_only_where_the_words_do_not_say_it():
    from strandrisk.core.labels import value_label

    assert value_label("non_elective", with_key=True) == "Non-elective (non_elective)"
    assert value_label("a_and_e", with_key=True) == "A&E (a_and_e)"
    assert value_label("block", with_key=True) == "Block"
    assert value_label("nhs_trust", with_key=True) == "NHS trust"
    assert value_label("Critical care", with_key=True) == "Critical care"  # not a code: as written

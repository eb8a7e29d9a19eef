"""Assumptions are named the same way in the app, the CLI and the report's Reading (core/wording.py)."""

from __future__ import annotations

import pytest

from strandrisk.core.scenario import Scenario, setting_name
from strandrisk.core.wording import largest_effects, setting_phrase, setting_text


def test_a_setting_is_named_in_words_with_its_value_and_the_key_only_when_asked():
    sc = Scenario.default().replace(repurpose_share=0.35)
    assert setting_text(sc, "repurpose_share") == "Repurposed stranded cost: 35%"
    assert setting_name("repurpose_share") == "Repurposed stranded cost (repurpose_share)"
    assert setting_text(sc, "fixed_release_lag_years") == "Fixed cost release lag: 2 years"


def test_a_setting_inside_a_sentence_reads_as_words():
    sc = Scenario.default()
    assert setting_phrase(sc, "gp_gain_share") == "GP gain share 50%"
    assert setting_phrase(sc, "integrated_capitation") == "capitated integrated form: yes"
    assert setting_phrase(sc.replace(integrated_capitation=False), "integrated_capitation") == \
        "capitated integrated form: no"


def test_service_line_settings_give_their_range():
    assert setting_text(Scenario.default(), "shift_rate") == "Shift rate: 0%-3% by service line"


def test_the_largest_effects_and_the_rest_add_up_to_the_total():
    bridge = {"acute_income": -100.0, "variable_cost": 40.0, "semi_fixed_cost": 30.0, "fixed_cost": 20.0,
              "gain_share": 0.2}
    first, others, rest = largest_effects(bridge, named=2)
    assert [n for n, _v in first] == ["acute_income", "variable_cost"]
    assert others == 2  # semi-fixed and fixed cost; the £0.2k effect is too small to count
    assert sum(v for _n, v in first) + rest == pytest.approx(sum(bridge.values()), abs=1e-9)

"""The one status rule (core/status.py): cash decides first, then the worst finance rating."""

import numpy as np
import pytest

from strandrisk.core.results import run_deterministic
from strandrisk.core.scenario import Scenario
from strandrisk.core.status import STATUS_RULE_TEXT, status_of, statuses
from strandrisk.io.spreadsheets.load import load_sample

OK_DAYS, OK_CASH = [30.0, 25.0, 20.0], [5000.0, 4000.0, 3000.0]


@pytest.mark.parametrize("worst, days, cash, expected", [
    (1, OK_DAYS, OK_CASH, "green"),
    (2, OK_DAYS, OK_CASH, "green"),
    (3, OK_DAYS, OK_CASH, "amber"),
    (4, OK_DAYS, OK_CASH, "red"),
    (1, [30.0, 9.9, 20.0], OK_CASH, "amber"),  # below the minimum cash days in one year: not green
    (2, [30.0, 20.0, -3.0], [5000.0, 4000.0, -600.0], "red"),  # negative cash: red whatever the rating
    (3, [30.0, 20.0, -3.0], [5000.0, 4000.0, -600.0], "red"),
    (float("nan"), OK_DAYS, OK_CASH, "green"),  # no rating: cash alone decides
    (float("nan"), [30.0, 5.0, 20.0], OK_CASH, "amber"),
    (float("nan"), [30.0, 20.0, -1.0], [1.0, 1.0, -10.0], "red"),
])
def test_status_of(worst, days, cash, expected):
    assert status_of(worst, np.array(days), np.array(cash), 10) == expected


def test_status_of_the_sample_follows_cash():
    result = run_deterministic(load_sample().inputs, Scenario.default(), break_even=False)
    for form in ("acute_only", "integrated"):
        found = statuses(result, form)
        m = result.forms[form]
        for p in range(result.system.n_providers):
            worst = np.nanmax(m["rating_finance"][p]) if not np.all(np.isnan(m["rating_finance"][p])) else np.nan
            assert found[p] == status_of(worst, m["liquidity_days"][p], m["cash_gbp_k"][p], 10)
            if np.any(m["cash_gbp_k"][p] < 0):
                assert found[p] == "red"
            elif np.any(m["liquidity_days"][p] < 10):
                assert found[p] != "green"
    assert "cash" in STATUS_RULE_TEXT and "minimum days" in STATUS_RULE_TEXT


def test_help_states_the_rule_as_the_code_does():
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "resources" / "help" / "model.md").read_text("utf-8")
    assert " ".join(STATUS_RULE_TEXT.split()) in " ".join(page.split())

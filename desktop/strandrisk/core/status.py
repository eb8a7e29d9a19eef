"""One status rule for a provider and form (green, amber or red), used by the app, the CLI and the report.

The finance rating alone hid cash trouble: a trust rated 1-2 with cash below the minimum days of cost
showed green. So cash decides first: negative cash in any year is red, cash below ``min_cash_days``
in any year is at best amber; then the worst finance rating: 4 red, 3 amber, 1-2 green.
"""

from __future__ import annotations

import numpy as np

GREEN, AMBER, RED = "green", "amber", "red"
STATUSES = (GREEN, AMBER, RED)

STATUS_RULE_TEXT = ("Red when cash is negative in any year or the worst finance rating is 4; otherwise amber "
                    "when cash falls below the minimum days of cost in any year or the worst finance rating "
                    "is 3; otherwise green.")


def status_of(finance_rating_worst: float, liquidity_days, cash, min_cash_days: float) -> str:
    """The status of one provider and form from its worst finance rating over the horizon (1 best .. 4;
    NaN when none: then cash alone decides), its yearly liquidity days and cash (H,)."""
    return str(_statuses(np.array([finance_rating_worst], dtype=float),
                         np.asarray(liquidity_days, dtype=float)[None, :],
                         np.asarray(cash, dtype=float)[None, :], float(min_cash_days))[0])


def _statuses(worst: np.ndarray, liquidity_days: np.ndarray, cash: np.ndarray, min_cash_days: float) -> np.ndarray:
    """Vectorised rule: worst (P,), liquidity_days and cash (P, H) -> (P,) of strings."""
    negative = np.any(cash < 0, axis=1)  # NaN compares False: unknown cash is not negative
    short = np.any(liquidity_days < min_cash_days, axis=1)
    red = negative | (worst == 4)
    amber = short | (worst == 3)
    return np.where(red, RED, np.where(amber, AMBER, GREEN)).astype(object)


def statuses(result, form: str) -> np.ndarray:
    """Status of every provider in one form of a RunResult, (P,) of strings; providers not modelled in
    the form (a community-only provider in acute_only) follow the same rule on that form's figures."""
    m = result.forms[form]
    finance = np.asarray(m["rating_finance"], dtype=float)
    with np.errstate(invalid="ignore"):
        worst = np.where(np.all(np.isnan(finance), axis=1), np.nan,
                         np.nanmax(np.where(np.isnan(finance), -np.inf, finance), axis=1))
    return _statuses(worst, np.asarray(m["liquidity_days"], dtype=float), np.asarray(m["cash_gbp_k"], dtype=float),
                     float(result.scenario.min_cash_days))


__all__ = ["AMBER", "GREEN", "RED", "STATUSES", "STATUS_RULE_TEXT", "status_of", "statuses"]

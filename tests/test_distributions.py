"""Sampling of the uncertainty distributions against their analytic means and variances."""

import math
from statistics import NormalDist

import numpy as np
import pytest

from strandrisk.core import distributions as dd

N = 200_000

CASES = [
    {"dist": "triangular", "low": 0.5, "mode": 1.0, "high": 2.0},
    {"dist": "triangular", "low": -0.1, "mode": -0.1, "high": 0.1},
    {"dist": "uniform", "low": 0.01, "high": 0.03},
    {"dist": "normal", "mean": 0.02, "sd": 0.01, "low": None, "high": None},
    {"dist": "normal", "mean": 0.25, "sd": 0.1, "low": 0.0, "high": 0.3},
    {"dist": "normal", "mean": 1.0, "sd": 0.5, "low": 1.2, "high": None},
    {"dist": "normal", "mean": 0.0, "sd": 1.0, "low": 3.0, "high": 4.0},
]


@pytest.mark.parametrize("dist", CASES, ids=lambda d: f"{d['dist']}-{d.get('low')}-{d.get('high')}")
def test_sample_moments_match_analytic(dist):
    x = dd.sample(dist, N, np.random.Generator(np.random.PCG64(11)))
    mean, var = dd.mean(dist), dd.variance(dist)
    se_mean = math.sqrt(var / N)
    assert abs(x.mean() - mean) < 5 * se_mean + 1e-12
    # the variance of a sample variance is about 2 var^2 / N for these light-tailed shapes; allow 6 of them
    assert abs(x.var() - var) < 6 * var * math.sqrt(2.0 / N) + 1e-15
    lo = -math.inf if dist.get("low") is None else dist["low"]
    hi = math.inf if dist.get("high") is None else dist["high"]
    assert x.min() >= lo and x.max() <= hi


def test_collapsed_distributions_give_the_point_exactly():
    u = np.linspace(0, 0.999, 50)
    for dist, value in [({"dist": "triangular", "low": 0.3, "mode": 0.3, "high": 0.3}, 0.3),
                        ({"dist": "uniform", "low": 2.0, "high": 2.0}, 2.0),
                        ({"dist": "normal", "mean": 0.7, "sd": 0.0, "low": None, "high": None}, 0.7),
                        ({"dist": "normal", "mean": 0.7, "sd": 0.2, "low": 0.4, "high": 0.4}, 0.4)]:
        assert np.all(dd.from_uniform(dist, u) == value)


def test_normal_quantile_matches_the_standard_library():
    u = np.array([1e-12, 1e-6, 0.001, 0.02, 0.02425, 0.1, 0.5, 0.77, 0.975, 0.999, 1 - 1e-9])
    expected = np.array([NormalDist().inv_cdf(p) for p in u])
    np.testing.assert_allclose(dd.normal_quantile(u), expected, rtol=2e-8, atol=1e-8)


def test_triangular_quantiles_follow_the_cdf():
    dist = {"dist": "triangular", "low": 0.0, "mode": 1.0, "high": 4.0}
    # CDF at the mode is (c - a) / (b - a) = 0.25
    assert dd.from_uniform(dist, np.array([0.25]))[0] == pytest.approx(1.0)
    assert dd.from_uniform(dist, np.array([0.0]))[0] == 0.0
    assert dd.from_uniform(dist, np.array([1.0]))[0] == pytest.approx(4.0)

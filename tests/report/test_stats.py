"""The claims' shared statistics against values computed by hand or in closed form."""

from __future__ import annotations

import math

import pytest

from ganrepro.report import stats


def test_exact_permutation_p_counts_splits_by_hand():
    # 5 vs 5 fully separated: of the 252 splits only the observed one and its mirror are as
    # extreme, p = 2 / 252; 3 vs 3 separated: 2 / 20 = 0.1 (never below 0.05)
    assert stats.permutation_p([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]) == (2 / 252, 252)
    assert stats.permutation_p([1, 2, 3], [4, 5, 6]) == (0.1, 20)
    # [0, 0] vs [1, 3]: the 6 splits give |differences| 2, 1, 1, 1, 1, 2 -> p = 2/6 at 2
    assert stats.permutation_p([0, 0], [1, 3]) == pytest.approx((2 / 6, 6))


def test_welch_p_against_a_hand_computed_value_and_never_zero_for_constant_groups():
    # a = [1, 2, 3], b = [4, 5, 6]: t = -3 / sqrt(1/3 + 1/3) = -3.674, Welch df = 4; the
    # two-sided p of Student's t with 4 df at |t| = 3.674 is 0.02131 (tables / closed form).
    assert stats.welch_p([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]) == pytest.approx(0.021312, abs=1e-6)
    assert math.isnan(stats.welch_p([1.0, 1.0], [2.0, 2.0]))  # no noise: no p = 0
    assert math.isnan(stats.welch_p([1.0, 1.0], [1.0, 1.0]))


def test_difference_interval_and_detectable_size_in_closed_form():
    a, b = [1.0, 2.0, 3.0], [4.0, 5.0, 6.0]
    d = stats.difference(a, b)
    se = math.sqrt(2 / 3)  # each variance 1, n 3
    t975, t80 = 2.776445, 0.940965  # Student's t quantiles with 4 df
    assert d.estimate == -3.0
    assert (d.lo, d.hi) == pytest.approx((-3 - t975 * se, -3 + t975 * se), abs=1e-5)
    assert d.mde == pytest.approx((t975 + t80) * se, abs=1e-5)
    assert "Welch" in d.test and d.p == pytest.approx(0.021312, abs=1e-6)  # 20 splits: Welch
    # 5 + 5 seeds: the exact test decides, with no normality, and its interval is the same
    # test inverted: shifts of a by d in (-7.5, -2.5) leave the observed split not extreme
    e = stats.difference([1.0, 2, 3, 4, 5], [6.0, 7, 8, 9, 10])
    assert e.p == 2 / 252 and "exact permutation (252 splits)" in e.test
    assert (e.lo, e.hi) == pytest.approx((-7.5, -2.5), abs=1e-6)
    # the verdict and the interval agree wherever the exact test decides
    import random

    rng = random.Random(0)
    for _ in range(200):
        a = [rng.lognormvariate(0, 1) for _ in range(5)]
        b = [rng.lognormvariate(0.8, 1) for _ in range(5)]
        d = stats.difference(a, b)
        assert (d.p < 0.05) == (d.hi < 0 or d.lo > 0), (a, b)
    assert stats.exact_possible(5, 5) and stats.exact_possible(3, 4)
    assert not stats.exact_possible(3, 3)
    # two constant groups: the exact test still gives a p above 0
    c = stats.difference([1.0] * 5, [2.0] * 5)
    assert c.p == 2 / 252 and c.mde == 0.0 and c.lo == c.hi == -1.0


def test_an_inconclusive_difference_says_what_it_rules_out():
    d = stats.Diff(-2.0, -5.0, 1.0, 4.0, 0.2, "t")
    assert d.rules_out(-1) == "no difference larger than 5 in the claimed direction"
    assert d.rules_out(1) == "no difference larger than 1 in the claimed direction"
    against = stats.Diff(-2.0, -5.0, -1.0, 4.0, 0.01, "t")
    assert "excludes any difference in the claimed direction" in against.rules_out(1)


def test_benjamini_hochberg_by_hand():
    # sorted 0.01, 0.03, 0.04 (m = 3): 0.03, 0.045, 0.04 -> step-up minimum 0.03, 0.04, 0.04
    assert stats.bh([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.04, 0.04])
    assert stats.bh([0.5, None, math.nan]) == [0.5, None, None]
    assert stats.bh([0.9, 0.8]) == pytest.approx([0.9, 0.9])


def test_holm_adjusts_step_down():
    assert stats.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert stats.holm([0.5]) == [0.5]


def test_counts_fisher_and_clopper_pearson_by_hand():
    # 5/5 vs 0/5: one table of C(10, 5) = 252 is as extreme; 3/3 vs 0/3: 1 / C(6, 3) = 0.05
    assert stats.fisher_greater(5, 5, 0, 5) == pytest.approx(1 / 252)
    assert stats.fisher_greater(3, 3, 0, 3) == pytest.approx(1 / 20)
    # 0 of n: the one-sided 95% upper bound solves (1 - u)^n = 0.05
    assert stats.rate_upper(0, 5) == pytest.approx(1 - 0.05 ** (1 / 5))
    assert stats.rate_upper(0, 3) == pytest.approx(1 - 0.05 ** (1 / 3))
    assert stats.rate_lower(5, 5) == pytest.approx(0.05 ** (1 / 5))
    assert stats.rate_upper(5, 5) == 1.0 and stats.rate_lower(0, 5) == 0.0
    assert stats.binom_le(0, 5, 0.5) == pytest.approx(1 / 32)  # the test 0/5 < 50% inverts


def test_spearman_exact_and_its_critical_value():
    rho, p, needed = stats.spearman([1, 2, 3, 4, 5, 6, 7], [1, 2, 3, 4, 5, 6, 7])
    assert rho == pytest.approx(1.0) and p == pytest.approx(2 / 5040)
    assert needed == pytest.approx(0.7857, abs=1e-4)  # the tables' two-sided 0.05 value, n = 7
    rho, p, _ = stats.spearman([1, 2, 3, 4, 5, 6, 7], [2, 1, 4, 3, 6, 5, 7])
    assert rho == pytest.approx(1 - 6 * 6 / (7 * 48))  # 6 swaps of 1: sum d^2 = 6
    assert stats.ranks([3.0, 1.0, 3.0]) == [2.5, 1.0, 2.5]

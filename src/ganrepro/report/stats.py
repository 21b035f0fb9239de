"""The statistics every claim shares, fixed before any result (issue 26).

Two runs are compared on their per-seed values. The p-value comes from an **exact permutation
test** of the difference of means wherever the seeds allow it to reach ``ALPHA`` (its smallest
p, 2 / splits for equal groups and 1 / splits otherwise, below it: 4 + 4 or 3 + 4 seeds and
more; 5 + 5 gives 252 splits), so a verdict there needs no normality, and its 95% interval is
the same test inverted (the shifts it does not reject); with fewer seeds it is Welch's t-test
and its t interval, and the text says they assume normal seed noise. Every difference comes
with the smallest difference the design could detect at 80% power (a t approximation at the
observed standard error), so an "inconclusive" says how large a difference it rules out.
Two constant runs never give p = 0: Welch's t cannot be formed (NaN); the exact test gives the
share of splits at least as extreme, as always. Counts (collapsed seeds) use Fisher's exact
test and Clopper-Pearson bounds; the claims table's p-values get Benjamini-Hochberg q-values.
"""

from __future__ import annotations

import bisect
import itertools
import math
import statistics
from dataclasses import dataclass

ALPHA = 0.05  # significance level of every test
POWER = 0.80  # the power at which the detectable difference is quoted
LEVEL = 0.95  # every interval's coverage
EXACT_MAX = 200_000  # beyond this many splits, a fixed-seed random sample of them


def _close(x: float, y: float) -> bool:
    return abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y))


def permutation_p(a: list[float], b: list[float]) -> tuple[float, int]:
    """Two-sided p of the difference of means under exchangeable labels, and the splits it
    counted: every way of choosing ``len(a)`` of the pooled values (ties count as extreme)."""
    pooled, k = [*a, *b], len(a)
    n, total = len(pooled), sum(pooled)
    observed = abs(statistics.fmean(a) - statistics.fmean(b))

    def extreme(idx) -> bool:
        s = sum(pooled[i] for i in idx)
        d = abs(s / k - (total - s) / (n - k))
        return d >= observed or _close(d, observed)

    splits = math.comb(n, k)
    if splits <= EXACT_MAX:
        hits = sum(extreme(idx) for idx in itertools.combinations(range(n), k))
        return hits / splits, splits
    import numpy as np

    rng = np.random.default_rng(0)
    draws = [rng.permutation(n)[:k] for _ in range(EXACT_MAX)]
    return (1 + sum(extreme(idx) for idx in draws)) / (1 + EXACT_MAX), EXACT_MAX


def welch_parts(a: list[float], b: list[float]) -> tuple[float, float]:
    """(standard error of the difference of means, Welch-Satterthwaite df); df is inf when
    neither run varies."""
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return 0.0, math.inf
    den = (va * va / (len(a) - 1) if va else 0.0) + (vb * vb / (len(b) - 1) if vb else 0.0)
    return se, (va + vb) ** 2 / den


def t_quantile(q: float, df: float) -> float:
    from scipy import stats

    return float(stats.norm.ppf(q) if math.isinf(df) else stats.t.ppf(q, df))


def welch_p(a: list[float], b: list[float]) -> float:
    """Two-sided p of Welch's t-test; NaN when neither run varies (no p = 0 from two constant
    groups: the test has no noise to measure the difference against)."""
    se, df = welch_parts(a, b)
    if se == 0:
        return math.nan
    from scipy import stats

    t = (statistics.fmean(a) - statistics.fmean(b)) / se
    return float(2 * stats.t.sf(abs(t), df))


def detectable(se: float, df: float, alpha: float = ALPHA, power: float = POWER) -> float:
    """The smallest true difference a two-sided test at ``alpha`` detects with ``power``,
    at the observed standard error: (t_{1-alpha/2} + t_{power}) x SE."""
    return (t_quantile(1 - alpha / 2, df) + t_quantile(power, df)) * se


@dataclass(frozen=True)
class Diff:
    """mean(a) - mean(b) over seeds, with everything a reader needs to weigh it."""

    estimate: float
    lo: float  # LEVEL interval (the test's own; the estimate itself when neither run varies)
    hi: float
    mde: float  # smallest |difference| detectable at POWER
    p: float  # two-sided; NaN when no test can be formed
    test: str  # "exact permutation, 252 splits" or "Welch's t (assumes normal seed noise)"

    def text(self, fmt: str = ".3g") -> str:
        p = "n/a" if math.isnan(self.p) else f"{self.p:.3g}"
        return (
            f"difference {self.estimate:{fmt}}, 95% CI [{self.lo:{fmt}}, {self.hi:{fmt}}], "
            f"detectable at 80% power: ±{self.mde:{fmt}}; {self.test} p = {p}"
        )

    def rules_out(self, claimed_sign: int, fmt: str = ".3g") -> str:
        """What an inconclusive comparison still says: no difference in the claimed direction
        larger than the interval's bound on that side."""
        bound = self.lo if claimed_sign < 0 else self.hi
        if (bound < 0) != (claimed_sign < 0) and bound != 0:
            return "the interval excludes any difference in the claimed direction"
        return f"no difference larger than {abs(bound):{fmt}} in the claimed direction"


def exact_possible(na: int, nb: int) -> bool:
    """Can the exact permutation test of na + nb seeds reach p < ALPHA at all?"""
    return (2 if na == nb else 1) / math.comb(na + nb, na) < ALPHA


def permutation_interval(a: list[float], b: list[float], level: float = LEVEL):
    """The ``level`` interval of mean(a) - mean(b) that inverts the exact test: the shifts d
    for which a - d against b is not rejected at 1 - level (bisection on each side)."""
    est = statistics.fmean(a) - statistics.fmean(b)
    width = (max(a + b) - min(a + b)) or 1.0

    def accepted(d: float) -> bool:
        return permutation_p([x - d for x in a], b)[0] >= 1 - level

    bounds = []
    for side in (-1, 1):
        inside, outside = est, est + side * 4 * width
        while accepted(outside):  # widen until rejected
            outside += side * 4 * width
        for _ in range(40):
            mid = (inside + outside) / 2
            inside, outside = (mid, outside) if accepted(mid) else (inside, mid)
        bounds.append(inside)
    return bounds[0], bounds[1]


def p_value(a: list[float], b: list[float]) -> float:
    """The two-sided p of the test :func:`difference` uses for these seeds, without its
    interval: the exact permutation test where it can reach ALPHA, else Welch's t."""
    return permutation_p(a, b)[0] if exact_possible(len(a), len(b)) else welch_p(a, b)


def difference(a: list[float], b: list[float]) -> Diff:
    """The comparison of two runs' seeds (each needs at least two)."""
    se, df = welch_parts(a, b)
    d = statistics.fmean(a) - statistics.fmean(b)
    p = p_value(a, b)
    if exact_possible(len(a), len(b)):
        lo, hi = permutation_interval(a, b) if se > 0 else (d, d)
        counted = min(math.comb(len(a) + len(b), len(a)), EXACT_MAX)
        test = f"exact permutation ({counted} splits)"
    else:
        half = t_quantile((1 + LEVEL) / 2, df) * se
        lo, hi = d - half, d + half
        test = f"Welch's t, df {df:.3g} (assumes normal seed noise)"
    return Diff(d, lo, hi, detectable(se, df), p, test)


def fisher_greater(k1: int, n1: int, k2: int, n2: int) -> float:
    """One-sided Fisher exact p that group 1's rate (k1 of n1) exceeds group 2's."""
    from scipy import stats

    return float(stats.fisher_exact([[k1, n1 - k1], [k2, n2 - k2]], alternative="greater")[1])


def binom_le(k: int, n: int, rate: float) -> float:
    """One-sided binomial p of seeing k or fewer in n at ``rate``."""
    from scipy import stats

    return float(stats.binom.cdf(k, n, rate))


def rate_upper(k: int, n: int, level: float = LEVEL) -> float:
    """One-sided Clopper-Pearson upper bound on a rate seen k times in n."""
    if k >= n:
        return 1.0
    from scipy import stats

    return float(stats.beta.ppf(level, k + 1, n - k))


def rate_lower(k: int, n: int, level: float = LEVEL) -> float:
    """One-sided Clopper-Pearson lower bound on a rate seen k times in n."""
    if k <= 0:
        return 0.0
    from scipy import stats

    return float(stats.beta.ppf(1 - level, k, n - k + 1))


def ranks(values: list[float]) -> list[float]:
    """1-based ranks, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(x: list[float], y: list[float]) -> tuple[float, float, float]:
    """(Spearman's rho, its exact two-sided permutation p over every ordering of y, the
    smallest |rho| that can reach p < ALPHA with this many points)."""
    rx, ry = ranks(x), ranks(y)

    def rho(a, b):
        ma, mb = statistics.fmean(a), statistics.fmean(b)
        num = sum((u - ma) * (v - mb) for u, v in zip(a, b, strict=True))
        den = math.sqrt(sum((u - ma) ** 2 for u in a) * sum((v - mb) ** 2 for v in b))
        return num / den if den else 0.0

    observed = rho(rx, ry)
    null = sorted(abs(rho(rx, list(p))) for p in itertools.permutations(ry))
    p = sum(r >= abs(observed) or _close(r, abs(observed)) for r in null) / len(null)
    # the smallest |rho| whose tail share (itself and every larger one) is below ALPHA
    needed = math.inf
    for r in null:
        if (len(null) - bisect.bisect_left(null, r - 1e-9)) / len(null) < ALPHA:
            needed = r
            break
    return observed, p, needed


def bh(pvalues: list[float | None]) -> list[float | None]:
    """Benjamini-Hochberg q-values (false-discovery rate) over the p-values given; None and NaN
    stay None and do not count."""
    idx = [i for i, p in enumerate(pvalues) if p is not None and not math.isnan(p)]
    m = len(idx)
    out: list[float | None] = [None] * len(pvalues)
    running = 1.0
    for rank, i in sorted(enumerate(sorted(idx, key=lambda i: pvalues[i]), 1), reverse=True):
        running = min(running, pvalues[i] * m / rank)
        out[i] = running
    return out


def holm(pvalues: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error at the nominal level)."""
    order = sorted(range(len(pvalues)), key=lambda i: pvalues[i])
    adjusted, running = [math.nan] * len(pvalues), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(pvalues) - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted

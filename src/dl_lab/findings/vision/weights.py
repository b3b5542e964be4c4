"""Course 1.12 from the regularizer study's weights: L1 sparsity, L2 shrinkage, lambda.

The weight statistics (``near_zero_fraction``, ``zero_fraction``, ``weight_l2_norm``) are
columns of the comparison table; the quantiles of |w| come from the weight histograms.
The course's claims are tested as corrected (CURRICULUM §4): L1 under a plain optimizer
gives near-zero weights, not exact zeros; L2 decay is proportional to each weight.
"""

from __future__ import annotations

import pandas as pd

from dl_lab.course.rules import describe, direction, within
from dl_lab.findings.vision.config import FindingsConfig
from dl_lab.findings.vision.regularizers import PENALTIES, Family
from dl_lab.findings.vision.tables import (
    COMPARISON,
    WEIGHT_HISTOGRAMS,
    WEIGHT_HISTOGRAMS_PLOT,
    Claim,
    abs_quantiles,
)

EVIDENCE = (WEIGHT_HISTOGRAMS_PLOT, WEIGHT_HISTOGRAMS, COMPARISON)


def _no_exact_zeros(claim: Claim, family: Family, reg: str, cfg: FindingsConfig) -> None:
    """Under a plain (not proximal) optimizer no weight lands exactly on 0.

    A trained network's fraction: one seed does not decide. It is not unsettled by a network
    still improving: no epoch of a plain optimizer's updates lands a weight on 0.
    """
    zeros = family.values(reg, "zero_fraction")
    what = f"{family.arch} {reg} fraction of weights exactly 0"
    claim.add(
        within(zeros, 0.0, cfg.exact_zero_fraction, what),
        f"{family.arch} {reg} exactly 0: {describe(zeros)}",
        family.m.run_ids(family.study, family.labels[reg]),
    )


def l1_sparse(fams: list[Family], near_zero_threshold: float, cfg: FindingsConfig) -> Claim:
    """L1 leaves more near-zero weights (|w| below the threshold) than L2, and (plain
    optimizer) no exact zeros."""
    what = f"fraction of weights with |w| < {near_zero_threshold:g}"
    claim = Claim("1.12-l1-sparse", what, EVIDENCE)
    for f in (f for f in fams if "l1" in f and "l2" in f):
        pair = f.m.paired(f.study, f.labels["l1"], f.labels["l2"], "near_zero_fraction")
        sides = (f"{f.arch} l1", f"{f.arch} l2")
        verdict = direction(pair.a, pair.b, "a>b", cfg.fraction_margin, sides)
        claim.add(
            f.settled(verdict, "l1", "l2"),
            f"{f.arch} l1 {describe(pair.a)} vs l2 {describe(pair.b)}",
            pair.run_ids,
        )
        _no_exact_zeros(claim, f, "l1", cfg)
    return claim


def _shrink(f: Family, histograms: pd.DataFrame, q: float) -> pd.Series:
    """How much the ``q``-quantile of |w| is smaller with L2 than without, per seed."""
    none, l2 = (abs_quantiles(histograms, f.study, f.labels[r], q) for r in ("none", "l2"))
    return (none - l2).dropna()


def l2_shrink(fams: list[Family], histograms: pd.DataFrame, cfg: FindingsConfig) -> Claim:
    """L2 shrinks the large weights most (in |w|) and leaves none exactly at zero."""
    q = cfg.large_weight_quantile
    what = f"shrink of |w| vs none at the {q:g} quantile and at the median"
    claim = Claim("1.12-l2-shrink", what, EVIDENCE)
    for f in (f for f in fams if "l2" in f):
        large, median = _shrink(f, histograms, q), _shrink(f, histograms, 0.5)
        names, measured = ("large-|w| shrink", "median shrink"), "{arch} {a} vs {b}"
        f.by_seed(claim, large, median, "a>b", cfg.shrink_margin, names, measured, ("l2", "none"))
        _no_exact_zeros(claim, f, "l2", cfg)
    return claim


def lambda_norm(fams: list[Family], cfg: FindingsConfig) -> Claim:
    """A larger lambda (each penalty's vs none's 0) gives a smaller weight L2 norm."""
    claim = Claim("1.12-lambda-norm", "weight L2 norm", EVIDENCE[1:])
    for f in fams:
        for reg in (r for r in PENALTIES if r in f):
            margin = cfg.norm_relative_margin * float(f.values("none", "weight_l2_norm").mean())
            f.versus_none(claim, reg, "weight_l2_norm", "a<b", margin)
    if claim.verdicts:
        claim.note("two lambdas per penalty, 0 and the study's: no finer sweep")
    return claim

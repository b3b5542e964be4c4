"""Course claims the architecture studies answer: 1.18, 1.24, 3.24 (accuracy and cost).

The zoo is trained at scaled-down widths on the pipeline's data set, so these are the
course's claims about depth and connectivity at that scale, not on ImageNet.
"""

from __future__ import annotations

import pandas as pd

from dl_lab.course.rules import describe, direction
from dl_lab.findings.vision.config import DepthPair, FindingsConfig
from dl_lab.findings.vision.tables import (
    ACCURACY_VS_COST,
    COMPARISON,
    PAIRED_TESTS,
    SEED_BOXPLOTS,
    Claim,
    Measurements,
)

COSTS = ("params", "epoch_time_s")  # what a network costs, not what its training reached


def _check(
    claim: Claim, m: Measurements, study: str, a: str, b: str, metric: str, expect: str,
    margin: float,
) -> None:  # fmt: skip
    """``metric`` of variant ``a`` against ``b``, paired by seed (a count: once, exactly).

    What training gives (accuracy) is unsettled where a network was still improving at its
    last epoch; what a network costs (its parameters, its epoch time) is not.
    """
    pair = m.paired(study, a, b, metric)
    if metric == "params":  # the architecture's, the same for every seed: a count, exact
        va, vb = pair.a[:1], pair.b[:1]
        text = f"{metric} {a} {int(va[0]):,} vs {b} {int(vb[0]):,}"
        verdict = direction(va, vb, expect, margin, (a, b), exact=True)
    else:  # trained (or timed): one seed is inconclusive
        va, vb = pair.a, pair.b
        text = f"{metric} {a} {describe(va)} vs {b} {describe(vb)}"
        verdict = direction(va, vb, expect, margin, (a, b))
    if metric not in COSTS:
        verdict = m.settled(verdict, study, a, b)
    claim.add(verdict, text, pair.run_ids)


def _slower(claim: Claim, m: Measurements, pair: DepthPair, cfg: FindingsConfig) -> None:
    """The deep net's epoch takes longer than the shallow one's by the relative margin."""
    shallow = m.values(pair.study, pair.shallow, "epoch_time_s")
    margin = cfg.time_relative_margin * float(shallow.mean())
    _check(claim, m, pair.study, pair.shallow, pair.deep, "epoch_time_s", "a<b", margin)


def _paired_test(paired_tests: pd.DataFrame, pair: DepthPair) -> str | None:
    """The comparison stage's paired test of the pair, in words, if it ran one."""
    if paired_tests.empty:
        return None
    rows = paired_tests[
        (paired_tests["study"] == pair.study)
        & (paired_tests["baseline"] == pair.shallow)
        & (paired_tests["candidate"] == pair.deep)
    ]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return (
        f"paired t p={row['t_pvalue']:.3g}, Wilcoxon p={row['wilcoxon_pvalue']:.3g} (its floor "
        f"{row['wilcoxon_min_p']:.3g}), Cohen's d={row['cohens_d']:.3g} over {int(row['n'])} seeds"
    )


def deep_better(m: Measurements, paired_tests: pd.DataFrame, cfg: FindingsConfig) -> Claim:
    """1.18: the deep CNN's test accuracy beats the shallow one's, seed by seed."""
    claim = Claim("1.18-deep-better", "test accuracy", (PAIRED_TESTS, SEED_BOXPLOTS, COMPARISON))
    pair = cfg.shallow_vs_deep
    if pair and m.has(pair.study, pair.shallow, pair.deep):
        _check(
            claim, m, pair.study, pair.shallow, pair.deep, "test_acc", "a<b", cfg.accuracy_margin
        )
        if test := _paired_test(paired_tests, pair):
            claim.note(test)
    return claim


def deep_costs_more(m: Measurements, cfg: FindingsConfig) -> Claim:
    """1.18: the deep CNN has more parameters and a slower epoch."""
    claim = Claim("1.18-cost", "cost", (ACCURACY_VS_COST, COMPARISON))
    pair = cfg.shallow_vs_deep
    if pair and m.has(pair.study, pair.shallow, pair.deep):
        _check(claim, m, pair.study, pair.shallow, pair.deep, "params", "a<b", cfg.params_margin)
        _slower(claim, m, pair, cfg)
    return claim


def depth(m: Measurements, cfg: FindingsConfig) -> Claim:
    """1.24: deeper nets are more accurate and slower than shallow ones of their family."""
    claim = Claim("1.24-depth", "deeper vs shallower", (ACCURACY_VS_COST, COMPARISON))
    for pair in cfg.depth_pairs:
        if m.has(pair.study, pair.shallow, pair.deep):
            _check(
                claim,
                m,
                pair.study,
                pair.shallow,
                pair.deep,
                "test_acc",
                "a<b",
                cfg.accuracy_margin,
            )
            _slower(claim, m, pair, cfg)
    return claim


def connectivity(m: Measurements, cfg: FindingsConfig) -> Claim:
    """1.24: residual connections beat plain stacking (dense connectivity is not in the zoo)."""
    claim = Claim("1.24-connectivity", "residual vs plain", (ACCURACY_VS_COST, COMPARISON))
    pair = cfg.residual_pair
    if pair and m.has(pair.study, pair.plain, pair.residual):
        _check(
            claim, m, pair.study, pair.plain, pair.residual, "test_acc", "a<b", cfg.accuracy_margin
        )
        claim.note("only the residual half: the zoo has no densely connected network")
    return claim


def tradeoff(m: Measurements, cfg: FindingsConfig) -> Claim:
    """3.24: GoogLeNet and ResNet beat VGG in accuracy with fewer parameters."""
    claim = Claim("3.24-tradeoff", "against the reference", (ACCURACY_VS_COST, COMPARISON))
    t = cfg.tradeoff
    if t is None:
        return claim
    for net in (n for n in t.efficient if m.has(t.study, n, t.reference)):
        _check(claim, m, t.study, net, t.reference, "params", "a<b", cfg.params_margin)
        _check(claim, m, t.study, net, t.reference, "test_acc", "a>b", cfg.accuracy_margin)
    if claim.verdicts:
        claim.note("scaled-down widths on the pipeline's digits, not ImageNet")
    return claim

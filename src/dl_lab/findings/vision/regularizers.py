"""Course claims the regularizer study answers: 1.4, 1.7, 1.10a, 1.12, 1.21.

Each architecture of the study (``findings.regularizer_architectures``) is its own family:
a regularizer's variant is compared with the same architecture's ``none`` variant, seed by
seed. Accuracies and gaps are measured on the tested weights in eval mode. Every one of them
is a trained network's: one seed does not decide (the rules say ``inconclusive``), nor does a
network still improving at its last epoch (``Measurements.settled``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dl_lab.course.questions import Course
from dl_lab.course.rules import Verdict, describe, direction, within
from dl_lab.findings.vision.config import FindingsConfig
from dl_lab.findings.vision.tables import (
    COMPARISON,
    GAP_PER_REGULARIZER,
    HISTORIES,
    LEARNING_CURVES,
    SUMMARY,
    Claim,
    Measurements,
    at_epoch,
)

PENALTIES = ("l1", "l2", "elastic_net")  # the weight penalties of 1.12, each with its lambda


@dataclass(frozen=True)
class Family:
    """One architecture of the regularizer study: its variants by regularizer label."""

    m: Measurements
    study: str
    arch: str
    labels: dict[str, str]

    def __contains__(self, regularizer: str) -> bool:
        return regularizer in self.labels

    def values(self, regularizer: str, metric: str) -> np.ndarray:
        return self.m.values(self.study, self.labels[regularizer], metric)

    def settled(self, verdict: Verdict, *regularizers: str) -> Verdict:
        """``verdict``, unsettled where a network of ``regularizers`` was still improving."""
        return self.m.settled(verdict, self.study, *(self.labels[r] for r in regularizers))

    def versus_none(
        self, claim: Claim, reg: str, metric: str, expect: str, margin: float, label: str = ""
    ) -> None:
        """One check: ``reg``'s ``metric`` against the ``none`` variant's, by seed."""
        pair = self.m.paired(self.study, self.labels[reg], self.labels["none"], metric)
        who = f"{self.arch} {label}".strip()
        verdict = direction(pair.a, pair.b, expect, margin, (f"{who} {reg}", f"{who} none"))
        claim.add(
            self.settled(verdict, reg, "none"),
            f"{who} {reg} {describe(pair.a)} vs none {describe(pair.b)}",
            pair.run_ids,
        )

    def by_seed(
        self,
        claim: Claim,
        a: pd.Series,
        b: pd.Series,
        expect: str,
        margin: float,
        names: tuple[str, str],
        measured: str,
        regularizers: tuple[str, str],
        settle: bool = True,
    ) -> None:
        """One check: two by-seed series on the seeds they share (none shared: no check).

        ``names`` are the two sides after the architecture's name; ``measured`` is formatted
        with ``arch`` and the two sides described (``a``, ``b``); the runs are those of
        ``regularizers``' variants, unsettled where one was still improving at its last epoch
        (unless ``settle`` is False: a measurement at a given epoch, not at the end).
        """
        seeds = sorted(set(a.index) & set(b.index))
        if seeds:
            a, b = a[seeds], b[seeds]
            sides = (f"{self.arch} {names[0]}", f"{self.arch} {names[1]}")
            verdict = direction(a, b, expect, margin, sides)
            claim.add(
                self.settled(verdict, *regularizers) if settle else verdict,
                measured.format(arch=self.arch, a=describe(a), b=describe(b)),
                self.m.run_ids(self.study, *(self.labels[r] for r in regularizers)),
            )


def families(m: Measurements, study: str, cfg: FindingsConfig) -> list[Family]:
    """The study's architectures that have a ``none`` variant to compare with."""
    found = [
        Family(m, study, arch, m.labelled(study, arch)) for arch in cfg.regularizer_architectures
    ]
    return [family for family in found if "none" in family]


def gap_shrinks(fams: list[Family], cfg: FindingsConfig) -> Claim:
    """1.4: every course regularizer narrows the train-val gap of the overfit baseline."""
    claim = Claim("1.4-gap-shrinks", "train-val accuracy gap", (GAP_PER_REGULARIZER, SUMMARY))
    for family in fams:
        for reg in (r for r in cfg.gap_regularizers if r in family):
            family.versus_none(claim, reg, "train_val_gap_eval", "a<b", cfg.accuracy_margin)
    return claim


def bn_convergence(fams: list[Family], histories: pd.DataFrame, cfg: FindingsConfig) -> Claim:
    """1.4: batch norm lowers the training loss reached after the first epoch(s)."""
    epoch = cfg.convergence_epoch
    what = f"training loss after epoch {epoch}"
    claim = Claim("1.4-bn-convergence", what, (LEARNING_CURVES, HISTORIES))
    for f in (f for f in fams if "batch_norm" in f):
        bn, none = (
            at_epoch(histories, f.study, f.labels[r], epoch, "train_loss")
            for r in ("batch_norm", "none")
        )
        sides = ("batch_norm", "none")
        measured = "{arch} batch_norm {a} vs none {b}"
        # the loss after epoch N, not at the end: how far training went later does not matter
        f.by_seed(claim, bn, none, "a<b", cfg.loss_margin, sides, measured, sides, settle=False)
    return claim


def dropout_gap(fams: list[Family], cfg: FindingsConfig) -> Claim:
    """1.7: dropout lowers training accuracy and raises validation and test accuracy."""
    claim = Claim("1.7-gap", "accuracy with dropout vs without", (GAP_PER_REGULARIZER, COMPARISON))
    checks = [("train", "train_acc_eval", "a<b"), ("val", "val_acc_eval", "a>b")]
    checks += [("test", "test_acc", "a>b")]
    for family in (f for f in fams if "dropout" in f):
        for split, metric, expect in checks:
            family.versus_none(claim, "dropout", metric, expect, cfg.accuracy_margin, split)
    claim.note(
        "train/val accuracy in eval mode on the tested weights; illustrative: direction only"
    )
    return claim


def mlp_accuracy(m: Measurements, cfg: FindingsConfig, course: Course) -> Claim:
    """1.10a: the MNIST MLP's training and test accuracy against the course's bands (%)."""
    claim = Claim("1.10a-accuracy", "accuracy", (COMPARISON,))
    ref = cfg.mnist_mlp
    if ref is None or not m.has(ref.study, ref.variant):
        return claim
    bands = course.claim("1.10a-accuracy").value
    for split, metric in (("train", "train_acc_eval"), ("test", "test_acc")):
        low, high = (v / 100 for v in bands[split])
        values = m.values(ref.study, ref.variant, metric)
        tolerance = (high - low) / 2 + cfg.accuracy_tolerance
        verdict = within(values, (low + high) / 2, tolerance, f"{split} accuracy")
        claim.add(m.settled(verdict, ref.study, ref.variant), f"{split} {describe(values)}")
    claim.runs += m.run_ids(ref.study, ref.variant)
    claim.evidence = (COMPARISON, LEARNING_CURVES)  # each run's own curves: in its MLflow run
    claim.note(f"{ref.study}.{ref.variant}, its data set and budget, not 70,000-image MNIST")
    return claim


def bn_regularizes(fams: list[Family], cfg: FindingsConfig) -> Claim:
    """1.21: batch norm regularizes mildly (a narrower gap); dropout and L2 shown beside it."""
    claim = Claim("1.21-bn-lr", "train-val accuracy gap", (GAP_PER_REGULARIZER, SUMMARY))
    for family in (f for f in fams if "batch_norm" in f):
        family.versus_none(claim, "batch_norm", "train_val_gap_eval", "a<b", cfg.accuracy_margin)
        beside = [r for r in ("dropout", "l2") if r in family]
        if beside:
            gaps = [f"{r} {describe(family.values(r, 'train_val_gap_eval'))}" for r in beside]
            claim.note(f"{family.arch} beside it: {', '.join(gaps)}")
    claim.note("only the mild-regularization half: the vision studies sweep no learning rate")
    return claim

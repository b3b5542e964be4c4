"""The vision pipeline's answers to the course (DESIGN §9): one ``Claim`` per course claim
its runs measure, each checked by the shared rules of ``dl_lab.course.rules`` with the
tolerances of ``vision.findings``. ``claims`` gathers them; ``answer`` turns them into rows.
"""

from __future__ import annotations

import pandas as pd

from dl_lab.course.findings import findings_table
from dl_lab.course.questions import Course, load_course
from dl_lab.findings.vision import architectures, regularizers, weights
from dl_lab.findings.vision.config import FindingsConfig
from dl_lab.findings.vision.counts import count_claims
from dl_lab.findings.vision.tables import Claim, Measurements


def claims(
    comparison: pd.DataFrame,
    paired_tests: pd.DataFrame,
    histories: pd.DataFrame,
    histograms: pd.DataFrame,
    cfg: FindingsConfig,
    course: Course,
    *,
    regularizer_study: str,
    near_zero_threshold: float,
) -> list[Claim]:
    """Every claim the vision tables answer; those whose runs are absent have no checks."""
    m = Measurements(comparison, histories, cfg.plateau_window, cfg.plateau_margin)
    fams = regularizers.families(m, regularizer_study, cfg)
    return [
        regularizers.gap_shrinks(fams, cfg),
        regularizers.bn_convergence(fams, histories, cfg),
        regularizers.dropout_gap(fams, cfg),
        regularizers.mlp_accuracy(m, cfg, course),
        weights.l1_sparse(fams, near_zero_threshold, cfg),
        weights.l2_shrink(fams, histograms, cfg),
        weights.lambda_norm(fams, cfg),
        architectures.deep_better(m, paired_tests, cfg),
        architectures.deep_costs_more(m, cfg),
        regularizers.bn_regularizes(fams, cfg),
        architectures.depth(m, cfg),
        architectures.connectivity(m, cfg),
        architectures.tradeoff(m, cfg),
        *count_claims(cfg, course),
    ]


def answer(
    comparison: pd.DataFrame,
    paired_tests: pd.DataFrame,
    histories: pd.DataFrame,
    histograms: pd.DataFrame,
    config: FindingsConfig,
    *,
    regularizer_study: str,
    near_zero_threshold: float,
) -> pd.DataFrame:
    """The findings table: verdicts from the shared rules on the comparison's tables.

    ``regularizer_study`` is the study whose regularizers are compared, and
    ``near_zero_threshold`` the |w| below which the comparison counted a weight as ~0.
    """
    course = load_course()
    answered = claims(
        comparison,
        paired_tests,
        histories,
        histograms,
        config,
        course,
        regularizer_study=regularizer_study,
        near_zero_threshold=near_zero_threshold,
    )
    return findings_table(row for claim in answered if (row := claim.row(course)))


__all__ = ["FindingsConfig", "answer", "claims"]

"""Parameter blocks of the vision pipeline besides variants and trainer (``training.config``)
and findings (``findings.vision.config``), and the checks of both against the studies."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import Field, model_validator

from dl_lab.config import RegisteredList, StrictModel
from dl_lab.findings.vision.config import FindingsConfig
from dl_lab.pipelines._kit import VariantRun
from dl_lab.training.regularizers import REGULARIZERS


class PairedTest(StrictModel):
    """Compare ``candidate`` with ``baseline`` (two variants of ``study``) seed by seed."""

    study: str
    baseline: str
    candidate: str
    metric: str = "test_acc"

    @model_validator(mode="after")
    def _two_variants(self) -> PairedTest:
        if self.baseline == self.candidate:
            raise ValueError(f"a paired test compares two variants, got {self.baseline!r} twice")
        return self


class ReportConfig(StrictModel):
    """What the comparison stage computes and plots."""

    near_zero_threshold: float = Field(1e-3, gt=0, description="|w| below it counts as ~0")
    histogram_range: tuple[float, float] = Field((-8.0, 1.0), description="log10|w| limits")
    histogram_bins: int = Field(90, ge=2)
    regularizer_study: str = Field("regularizers", description="study of the gap/weight plots")
    cost_studies: list[str] = Field(
        ["architectures", "shallow_vs_deep"], description="studies in the accuracy-cost plot"
    )
    histogram_regularizers: RegisteredList(REGULARIZERS) = ["none", "l1", "l2"]
    paired_tests: list[PairedTest] = []
    confidence: float = Field(0.95, gt=0, lt=1)
    bootstrap_resamples: int = Field(10_000, ge=100)

    @model_validator(mode="after")
    def _increasing_range(self) -> ReportConfig:
        low, high = self.histogram_range
        if not low < high:
            raise ValueError(f"histogram_range must be increasing, got {self.histogram_range}")
        return self


def check_paired_tests(report: Mapping[str, Any], runs: Iterable[VariantRun]) -> list[PairedTest]:
    """The report's paired tests, if each names a study of ``runs`` and two of its variants.

    Called when the pipeline is created, so a test that could never run fails before any
    training, naming the test and the variants its study has.
    """
    variants: dict[str, set[str]] = {}
    for run in runs:
        variants.setdefault(run.study, set()).add(run.variant)
    tests = [PairedTest.model_validate(raw) for raw in report.get("paired_tests") or []]
    for test in tests:
        have = variants.get(test.study, set())
        missing = [name for name in (test.baseline, test.candidate) if name not in have]
        if missing:
            where = (
                f"study {test.study!r} has {', '.join(sorted(have))}"
                if have
                else f"no study {test.study!r}; studies: {', '.join(variants)}"
            )
            raise ValueError(
                f"vision.report.paired_tests: {test.study}: {test.candidate} vs "
                f"{test.baseline} names {', '.join(missing)}, which vision.studies lacks "
                f"({where})"
            )
    return tests


def check_findings(findings: Mapping[str, Any], runs: Iterable[VariantRun]) -> FindingsConfig:
    """The findings block, if every variant it names is one of ``runs``' (else fails early)."""
    config = FindingsConfig.model_validate(findings)
    have = {(run.study, run.variant) for run in runs}
    missing = [
        f"{r.study}.{r.variant}" for r in config.variants() if (r.study, r.variant) not in have
    ]
    if missing:
        raise ValueError(f"vision.findings names {', '.join(missing)}, which vision.studies lacks")
    return config

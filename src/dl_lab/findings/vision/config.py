"""The ``vision.findings`` block: which runs answer which course claim, and the tolerance of
every rule."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from dl_lab.config import Registered, RegisteredList, StrictModel
from dl_lab.models import ARCHITECTURES
from dl_lab.training.regularizers import REGULARIZERS


class VariantRef(StrictModel):
    """One variant of one study."""

    study: str
    variant: str


class DepthPair(StrictModel):
    """A shallow and a deep variant of one study, trained alike."""

    study: str
    shallow: str
    deep: str


class ResidualPair(StrictModel):
    """The same network with and without skip connections."""

    study: str
    plain: str
    residual: str


class Tradeoff(StrictModel):
    """Networks the course says beat ``reference`` with fewer parameters (course 3.24)."""

    study: str
    reference: str
    efficient: list[str] = Field(min_length=1)


class CourseNet(StrictModel):
    """A network of the course built from our zoo, on the course's 28x28 digits."""

    architecture: Registered(ARCHITECTURES)
    model: dict[str, Any] = {}


class CourseNets(StrictModel):
    """The zoo's builds of the networks the course counts (3.8, 3.18, 3.20)."""

    simple_cnn: CourseNet
    lenet_28: CourseNet
    lenet_classic: CourseNet


class FindingsConfig(StrictModel):
    """Which runs answer which course claim, and the tolerance of every rule.

    The regularizer study is the comparison's (``answer``'s ``regularizer_study``);
    ``variants`` lists every variant the block names, for the caller to check against the
    studies it runs.
    """

    regularizer_architectures: RegisteredList(ARCHITECTURES) = Field(min_length=1)
    gap_regularizers: RegisteredList(REGULARIZERS) = Field(min_length=1)
    convergence_epoch: int = Field(ge=1)
    mnist_mlp: VariantRef | None = None
    shallow_vs_deep: DepthPair | None = None
    depth_pairs: list[DepthPair] = []
    residual_pair: ResidualPair | None = None
    tradeoff: Tradeoff | None = None
    course_nets: CourseNets
    accuracy_margin: float = Field(ge=0)
    accuracy_tolerance: float = Field(ge=0)
    fraction_margin: float = Field(ge=0)
    exact_zero_fraction: float = Field(ge=0, le=1)
    norm_relative_margin: float = Field(ge=0)
    large_weight_quantile: float = Field(gt=0.5, lt=1)
    shrink_margin: float = Field(ge=0)
    # A run counts as still improving when its best val_acc in the last plateau_window of
    # the epochs beats the best before them by more than plateau_margin (None: when its
    # last epoch is its best).
    plateau_window: float | None = Field(None, gt=0, lt=1)
    plateau_margin: float = Field(0.0, ge=0)
    loss_margin: float = Field(ge=0)
    params_margin: float = Field(ge=0)
    time_relative_margin: float = Field(ge=0)
    exact_count_tolerance: float = Field(ge=0)
    count_relative_tolerance: float = Field(ge=0)

    def variants(self) -> list[VariantRef]:
        """Every variant the block names, to check against the studies."""
        named = [self.mnist_mlp] if self.mnist_mlp else []
        for pair in [self.shallow_vs_deep, *self.depth_pairs]:
            if pair:
                named += [
                    VariantRef(study=pair.study, variant=v) for v in (pair.shallow, pair.deep)
                ]
        if self.residual_pair:
            p = self.residual_pair
            named += [VariantRef(study=p.study, variant=v) for v in (p.plain, p.residual)]
        if self.tradeoff:
            t = self.tradeoff
            named += [VariantRef(study=t.study, variant=v) for v in (t.reference, *t.efficient)]
        return named

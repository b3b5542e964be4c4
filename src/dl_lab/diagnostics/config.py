"""The parameter blocks of the diagnostics experiments (``diagnostics.<block>`` in YAML).

Library dataclasses (``FitThresholds``, ``LoopConfig``, ``FlowCase``, ...) are used as
field types directly: their own checks run during validation, so the defaults and rules
live in one place.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from dl_lab.config import Registered, RegisteredList, Seed, StrictModel
from dl_lab.diagnostics.bias_variance import RegressionProblem
from dl_lab.diagnostics.classical import CLASSIFIERS
from dl_lab.diagnostics.conv import LayerGeometry
from dl_lab.diagnostics.conv_check import SizeGrid
from dl_lab.diagnostics.gradient_flow import FlowCase, FlowSettings
from dl_lab.diagnostics.losses import REGRESSION_LOSSES, RobustRegression
from dl_lab.diagnostics.optimization import Quadratic, QuadraticRun
from dl_lab.evaluation.fit import FitThresholds
from dl_lab.models import ACTIVATIONS, ARCHITECTURES
from dl_lab.training.config import TrainerConfig, VariantSpec
from dl_lab.training.loops import LoopConfig
from dl_lab.training.optimizers import OPTIMIZERS
from dl_lab.training.schedules import SCHEDULES

TrainSize = int | None  # None: the whole training split


class Seeds(StrictModel):
    """The seeds every experiment a verdict reads runs on (``diagnostics.replicates``):
    distinct integers; each (seed, sweep point) trains as one job."""

    seeds: list[Seed] = Field(min_length=1)

    @field_validator("seeds")
    @classmethod
    def _distinct(cls, seeds: list[int]) -> list[int]:
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds must be distinct, got {seeds}")
        return seeds

    def __iter__(self):
        return iter(self.seeds)

    def __len__(self) -> int:
        return len(self.seeds)


class FitParams(StrictModel):
    """Fit-diagnosis thresholds (used by every sweep) and the synthetic demo curves."""

    thresholds: FitThresholds = FitThresholds()
    synthetic_epochs: int = Field(20, ge=2)


class TrackedRun(StrictModel):
    """A tracked Lightning run (MLflow child run) on a training subset."""

    train_size: TrainSize = Field(None, ge=20)
    variant: VariantSpec


class TrackedRunsParams(StrictModel):
    """Real runs whose curves are diagnosed (1.17) and early-stopped (1.16)."""

    trainer: TrainerConfig
    runs: dict[str, TrackedRun] = Field(min_length=1)


class EarlyStoppingParams(StrictModel):
    """The scripted validation-loss sequence and the rule's settings; which real run to show."""

    scripted_val_loss: list[float] = Field(min_length=1)
    patience: int = Field(3, ge=0)
    min_delta: float = Field(0.0, ge=0)
    real_run: str


class ConvParams(StrictModel):
    """Output-size grid, stride/padding cost sweep and receptive-field stacks."""

    grid: SizeGrid = SizeGrid()
    input_size: int = Field(28, ge=1)
    kernel: int = Field(5, ge=1)
    channels: tuple[int, int] = (1, 16)
    strides: list[int] = [1, 2, 3]
    batch: int = Field(256, ge=1)
    repeats: int = Field(5, ge=1)
    stacks: dict[str, list[LayerGeometry]] = Field(min_length=1)


class CnnParams(StrictModel):
    """Pooling and shift invariance, feature maps, and LRN vs batch norm."""

    train_size: TrainSize = Field(None, ge=20)
    loop: LoopConfig = LoopConfig()
    pooling_variants: dict[str, dict[str, Any]] = Field(min_length=1)
    shifts: list[int] = [0, 1, 2, 3]
    feature_map_images: int = Field(3, ge=1)
    norms: list[Literal["none", "lrn", "batch"]] = ["none", "lrn", "batch"]
    norm_lrs: list[float] = Field([0.05, 0.5], min_length=1)
    norm_train_size: TrainSize = Field(None, ge=20)
    norm_loop: LoopConfig = LoopConfig(optimizer="sgd")


class GradientFlowParams(StrictModel):
    """Deep-MLP cases; ``baseline`` is the plain sigmoid case the cures are compared with."""

    train_size: TrainSize = Field(None, ge=20)
    settings: FlowSettings = FlowSettings()
    cases: list[FlowCase] = Field(min_length=1)
    baseline: str = "sigmoid"
    cures: list[str] = ["relu_bn", "sigmoid_residual", "relu_residual"]


class LrSweepParams(StrictModel):
    """Rates per optimizer; the loop's other settings; 'good' tolerance."""

    rates: dict[Registered(OPTIMIZERS), list[float]] = Field(min_length=1)
    loop: LoopConfig = LoopConfig()
    tolerance: float = Field(0.25, gt=0)


class SchedulesParams(StrictModel):
    names: RegisteredList(SCHEDULES) = ["constant", "step", "cosine", "one_cycle", "plateau"]
    loop: LoopConfig = LoopConfig(optimizer="sgd_momentum", lr=0.05, epochs=8)


class BatchSizeParams(StrictModel):
    sizes: list[int | None] = [1, 32, None]
    lr: float = Field(0.01, gt=0)
    epochs: int = Field(3, ge=1)
    evals_per_epoch: int = Field(20, ge=1)


class EpochsParams(StrictModel):
    train_size: TrainSize = Field(500, ge=20)
    loop: LoopConfig = LoopConfig(epochs=30)


class OptimizersParams(StrictModel):
    """Learning rate per optimizer (each at a rate usual for it)."""

    rates: dict[Registered(OPTIMIZERS), float] = Field(min_length=1)
    loop: LoopConfig = LoopConfig()


class QuadraticParams(StrictModel):
    quadratic: Quadratic = Quadratic()
    runs: list[QuadraticRun] = Field(min_length=1)
    steps: int = Field(150, ge=1)
    tolerance: float = Field(1e-3, gt=0)


class HyperparamsParams(StrictModel):
    """Learning rate, schedules, batch size, epochs and optimizers on one MLP."""

    train_size: TrainSize = Field(None, ge=20)
    model: dict[str, int] = {"depth": 2, "width": 128}
    lr_sweep: LrSweepParams
    schedules: SchedulesParams = SchedulesParams()
    batch_size: BatchSizeParams = BatchSizeParams()
    epochs: EpochsParams = EpochsParams()
    optimizers: OptimizersParams


class BiasVarianceParams(StrictModel):
    """Regression decomposition (polynomial degree, MLP width) and the 0-1 one (depth)."""

    problem: RegressionProblem = RegressionProblem()
    sampling: Literal["bootstrap", "fresh"] = "bootstrap"
    k: int = Field(50, ge=2)
    degrees: list[int] = Field(min_length=2)
    mlp_widths: list[int] = Field(min_length=2)
    mlp_k: int = Field(20, ge=2)
    mlp_steps: int = Field(1500, ge=1)
    mlp_lr: float = Field(0.01, gt=0)
    classifier_train_size: TrainSize = Field(None, ge=20)
    classifier_depths: list[int] = Field(min_length=2)
    classifier_width: int = Field(64, ge=1)
    classifier_k: int = Field(5, ge=2)
    classifier_loop: LoopConfig = LoopConfig()


class ComplexityParams(StrictModel):
    """Depth and width sweeps of the registered MLP and of SmallCNN."""

    train_size: TrainSize = Field(None, ge=20)
    loop: LoopConfig = LoopConfig()
    mlp_depths: list[int] = [1, 2, 4, 8]
    mlp_width: int = 128
    mlp_widths: list[int] = [8, 32, 128, 512]
    mlp_depth: int = 2
    cnn_depths: list[int] = [1, 2, 3]
    cnn_width: int = 16
    cnn_widths: list[int] = [4, 8, 16, 32]
    cnn_depth: int = 2


class DeepModel(StrictModel):
    architecture: Registered(ARCHITECTURES)
    options: dict[str, Any] = {}


class ClassicalParams(StrictModel):
    """Classical models on pixels and HOG vs deep models, across training-set sizes."""

    sizes: list[TrainSize] = Field(min_length=1)
    classifiers: RegisteredList(CLASSIFIERS) = Field(min_length=1)
    features: list[Literal["pixels", "hog"]] = ["pixels", "hog"]
    deep: dict[str, DeepModel] = Field(min_length=1)
    loop: LoopConfig = LoopConfig()
    min_updates: int = Field(300, ge=1)


class ActivationsParams(StrictModel):
    names: RegisteredList(ACTIVATIONS) = Field(min_length=1)
    depth: int = Field(8, ge=1)
    width: int = Field(64, ge=1)
    train_size: TrainSize = Field(None, ge=20)
    target: float = Field(0.9, gt=0, le=1)
    loop: LoopConfig = LoopConfig()
    curve_range: tuple[float, float] = (-5.0, 5.0)


class LossesParams(StrictModel):
    """MSE vs CE on one classifier; regression losses with and without outliers."""

    train_size: TrainSize = Field(None, ge=20)
    model: dict[str, int] = {"depth": 2, "width": 64}
    loop: LoopConfig = LoopConfig(optimizer="sgd", lr=0.1)
    target: float = Field(0.85, gt=0, le=1)
    wrong_below: float = Field(0.1, gt=0, lt=1)
    saturation_probabilities: list[float] = [0.99, 0.9, 0.5, 0.1, 0.01]
    regression: RobustRegression = RobustRegression()
    regression_losses: RegisteredList(REGRESSION_LOSSES) = ["mse", "mae", "huber", "log_cosh"]
    outlier_fractions: list[float] = [0.0, 0.1, 0.2]

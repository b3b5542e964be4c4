"""Model complexity vs fit (course 1.9, 1.20, 1.24): depth/width sweeps and 0-1 bias-variance.

``capacity_sweep`` trains one network per named variant and seed with the same loop and
reports its size (parameters, FLOPs per sample), cost (training time) and fit (train and
val accuracy after training, and the fit diagnosis of its curves). ``depth_bias_variance``
trains ``K`` networks per depth on bootstrap resamples of the training set and applies
Domingos' 0-1 decomposition to their predictions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from dl_lab.diagnostics.bias_variance import zero_one_decomposition
from dl_lab.diagnostics.jobs import SEED
from dl_lab.evaluation.fit import FitThresholds, diagnose_fit
from dl_lab.models import build_model, count_parameters, flops_per_sample
from dl_lab.models.probes import DeepMLP, SmallCNN
from dl_lab.parallel import run_points
from dl_lab.training.loops import LoopConfig, Splits, evaluate, train_classifier

ModelFactory = Callable[[], nn.Module]
"""A builder of a fresh network; the factories below are picklable (a job can carry one)."""


def _registered_mlp(channels: int, num_classes: int, image_size: tuple[int, int], depth: int,
                    width: int) -> nn.Module:  # fmt: skip
    return build_model("mlp", in_channels=channels, num_classes=num_classes,
                       image_size=image_size, depth=depth, width=width)  # fmt: skip


def mlp_factory(splits: Splits, depth: int, width: int) -> ModelFactory:
    """The project's registered ``mlp`` (ReLU hidden layers) for these splits."""
    channels, height, width_px = splits.x_train.shape[1:]
    return partial(_registered_mlp, channels, splits.num_classes, (height, width_px), depth, width)


def deep_mlp_factory(
    splits: Splits, depth: int, width: int, activation: str = "relu"
) -> ModelFactory:
    """A ``DeepMLP`` (``depth`` hidden layers of ``activation``) for these splits."""
    features = int(np.prod(splits.x_train.shape[1:]))
    return partial(DeepMLP, features, splits.num_classes, depth, width, activation)


def cnn_factory(splits: Splits, channels: tuple[int, ...], **options: Any) -> ModelFactory:
    """A ``SmallCNN`` with the given per-block channels for these splits."""
    in_channels, size = splits.x_train.shape[1], splits.x_train.shape[-1]
    return partial(SmallCNN, in_channels, splits.num_classes, size, tuple(channels), **options)


def train_variant(
    name: str, factory: ModelFactory, splits: Splits, cfg: LoopConfig, seed: int,
    thresholds: FitThresholds,
) -> tuple[dict[str, Any], pd.DataFrame, nn.Module]:  # fmt: skip
    """Train one variant; its summary row, its per-epoch history and the trained model."""
    torch.manual_seed(seed)
    model = factory()
    sample_shape = tuple(splits.x_train.shape[1:])
    row: dict[str, Any] = {
        "variant": name, "params": count_parameters(model),
        "flops": flops_per_sample(model, sample_shape),
    }  # fmt: skip
    result = train_classifier(model, splits, cfg, seed)
    _, train_acc = evaluate(model, splits.x_train, splits.y_train)
    val_loss, val_acc = evaluate(model, splits.x_eval, splits.y_eval)
    diagnosis = diagnose_fit(result.history, thresholds)
    row.update(
        train_acc=train_acc, val_acc=val_acc, val_loss=val_loss, gap=train_acc - val_acc,
        train_time_s=result.train_time_s, diverged=result.diverged,
        fit_diagnosis=diagnosis.label,
    )  # fmt: skip
    return row, result.history.assign(variant=name), model


def variant_row(
    name: str, factory: ModelFactory, splits: Splits, cfg: LoopConfig, seed: int,
    thresholds: FitThresholds,
) -> dict[str, Any]:  # fmt: skip
    """One job of a sweep: the summary row of one trained variant."""
    return train_variant(name, factory, splits, cfg, seed, thresholds)[0]


def _same_network(factory: ModelFactory) -> Any:
    """What identifies the network a factory builds: its builder and arguments (a partial),
    else the factory itself."""
    if isinstance(factory, partial):
        return (factory.func, factory.args, tuple(sorted(factory.keywords.items())))
    return factory


def capacity_sweep(
    sweeps: Mapping[str, Mapping[str, ModelFactory]], splits: Mapping[int, Splits],
    cfg: LoopConfig, thresholds: FitThresholds,
) -> pd.DataFrame:  # fmt: skip
    """One row per seed, sweep and variant: ``splits`` maps each seed to its training subset;
    every (seed, network) trains as one job on the worker pool, once where two sweeps share
    a network (the depth sweep's d2 is the width sweep's w16 when both have two layers of 16)."""
    points = [(seed, sweep, name, factory) for seed in splits
              for sweep, variants in sweeps.items() for name, factory in variants.items()]  # fmt: skip
    unique = {(seed, _same_network(factory)): (name, factory) for seed, _, name, factory in points}
    jobs = [{"name": name, "factory": factory, "splits": splits[seed], "cfg": cfg, "seed": seed,
             "thresholds": thresholds} for (seed, _), (name, factory) in unique.items()]  # fmt: skip
    trained = dict(zip(unique, run_points(variant_row, jobs), strict=True))
    rows = [{SEED: seed, "sweep": sweep, **trained[(seed, _same_network(factory))], "variant": name}
            for seed, sweep, name, factory in points]  # fmt: skip
    return pd.DataFrame(rows)


def _bootstrap(splits: Splits, rng: np.random.Generator) -> Splits:
    pick = torch.from_numpy(rng.integers(0, len(splits.y_train), len(splits.y_train)))
    return Splits(splits.x_train[pick], splits.y_train[pick], splits.x_eval, splits.y_eval)


@torch.no_grad()
def _predict(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    model.eval()
    return torch.cat([model(chunk).argmax(1) for chunk in x.split(1024)]).numpy()


def zero_one_point(
    factory: ModelFactory, splits: Splits, k: int, cfg: LoopConfig, seed: int
) -> dict[str, float]:
    """One job: Domingos' decomposition of one model over ``k`` bootstrap fits."""
    rng = np.random.default_rng(seed)
    predictions = []
    for b in range(k):
        torch.manual_seed(seed + b)
        model = factory()
        train_classifier(model, _bootstrap(splits, rng), cfg, seed + b)
        predictions.append(_predict(model, splits.x_eval))
    return {"k": k, **zero_one_decomposition(np.stack(predictions), splits.y_eval.numpy())}


def depth_bias_variance(
    factories: dict[str, ModelFactory], splits: Splits, k: int, cfg: LoopConfig, seed: int
) -> pd.DataFrame:
    """0-1 loss, bias and variance (Domingos) per named model, over ``k`` bootstrap fits
    (one job per model)."""
    if k < 2:
        raise ValueError(f"need at least 2 bootstrap models per depth, got k={k}")
    jobs = [{"factory": f, "splits": splits, "k": k, "cfg": cfg, "seed": seed}
            for f in factories.values()]  # fmt: skip
    rows = run_points(zero_one_point, jobs)
    return pd.DataFrame([{"model": name, **row} for name, row in zip(factories, rows, strict=True)])

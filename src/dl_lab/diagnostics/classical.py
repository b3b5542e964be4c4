"""Classical machine learning vs deep learning (course 1.1, 1.27), across training-set sizes.

The classical models (scikit-learn) see raw pixels or HOG features; the deep ones (the
registered ``mlp`` and ``lenet5``) see the standardized images and learn their own
features. Every model reports test accuracy, training and inference time and a size:

* ``n_parameters``: numbers the fitted model stores to predict. Linear models:
  coefficients + intercepts. Trees: two per split node (feature, threshold) plus one
  per class per leaf. Random forest: the sum over trees. k-NN: the stored training set
  (features + labels). Gaussian naive Bayes: per-class means and variances + priors.
  Networks: trainable parameters.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import ClassifierMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from dl_lab.data.bundle import ModelInput
from dl_lab.diagnostics.jobs import SEED
from dl_lab.models import build_model, count_parameters
from dl_lab.parallel import run_calls
from dl_lab.registry import Registry
from dl_lab.training.loops import LoopConfig, Splits, evaluate, prepare_splits, train_classifier

CLASSIFIERS: Registry[ClassifierMixin] = Registry("classifier")
CLASSIFIERS.register("logistic_regression")(lambda seed: LogisticRegression(max_iter=300))
CLASSIFIERS.register("linear_svm")(lambda seed: LinearSVC(C=0.1, random_state=seed))
CLASSIFIERS.register("decision_tree")(lambda seed: DecisionTreeClassifier(random_state=seed))
CLASSIFIERS.register("random_forest")(
    lambda seed: RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=1)
)
CLASSIFIERS.register("knn")(lambda seed: KNeighborsClassifier(n_neighbors=3))
CLASSIFIERS.register("naive_bayes")(lambda seed: GaussianNB())


def _tree_size(tree: Any) -> int:
    leaves = int((tree.children_left == -1).sum())
    return 2 * (tree.node_count - leaves) + leaves * tree.value.shape[-1]


def stored_numbers(model: ClassifierMixin) -> int:
    """How many numbers the fitted classical ``model`` keeps (see the module docstring)."""
    if hasattr(model, "coef_"):
        return int(model.coef_.size + np.size(model.intercept_))
    if isinstance(model, DecisionTreeClassifier):
        return _tree_size(model.tree_)
    if isinstance(model, RandomForestClassifier):
        return sum(_tree_size(tree.tree_) for tree in model.estimators_)
    if isinstance(model, KNeighborsClassifier):
        return int(model.n_samples_fit_ * (model.n_features_in_ + 1))
    if isinstance(model, GaussianNB):
        return int(model.theta_.size + model.var_.size + model.class_prior_.size)
    raise TypeError(f"no size rule for {type(model).__name__}")


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def fit_classical(
    name: str, features: dict[str, np.ndarray], labels: dict[str, np.ndarray], seed: int
) -> dict[str, Any]:
    """Fit one scikit-learn classifier; accuracy on train and test, times and size."""
    model = CLASSIFIERS.build(name, seed=seed)
    _, fit_s = _timed(lambda: model.fit(features["train"], labels["train"]))
    predicted, infer_s = _timed(lambda: model.predict(features["test"]))
    return {
        "test_acc": float((predicted == labels["test"]).mean()),
        "train_acc": float(model.score(features["train"], labels["train"])),
        "train_time_s": fit_s, "infer_time_s": infer_s, "n_parameters": stored_numbers(model),
    }  # fmt: skip


def fit_deep(
    architecture: str, splits: Splits, cfg: LoopConfig, seed: int, options: dict[str, Any]
) -> dict[str, Any]:
    """Train a registered architecture with the plain loop; the same row as ``fit_classical``."""
    channels, height, width = splits.x_train.shape[1:]
    torch.manual_seed(seed)
    model = build_model(
        architecture, in_channels=channels, num_classes=splits.num_classes,
        image_size=(height, width), **options,
    )  # fmt: skip
    result = train_classifier(model, splits, cfg, seed)
    (_, acc), infer_s = _timed(lambda: evaluate(model, splits.x_eval, splits.y_eval))
    _, train_acc = evaluate(model, splits.x_train, splits.y_train)
    return {
        "test_acc": acc, "train_acc": train_acc, "train_time_s": result.train_time_s,
        "infer_time_s": infer_s, "n_parameters": count_parameters(model),
    }  # fmt: skip


def epochs_for(size: int, batch_size: int, epochs: int, min_updates: int) -> int:
    """Epochs giving at least ``min_updates`` updates: small sets get more passes."""
    per_epoch = math.ceil(size / batch_size)
    return max(epochs, math.ceil(min_updates / per_epoch))


def _features(pixels: Splits, name: str) -> dict[str, np.ndarray]:
    from dl_lab.diagnostics.hog import hog_features

    raw = {"train": pixels.x_train.numpy(), "test": pixels.x_eval.numpy()}
    if name == "pixels":
        return {k: v.reshape(len(v), -1) for k, v in raw.items()}
    if name == "hog":
        return {k: hog_features(v) for k, v in raw.items()}
    raise ValueError(f"unknown feature set {name!r}; available: hog, pixels")


def classical_point(
    pixels: Splits, feature: str, classical: list[str], seed: int
) -> list[dict[str, Any]]:
    """One job: every classical model on one feature set of one seed's training subset."""
    columns = _features(pixels, feature)
    labels = {"train": pixels.y_train.numpy(), "test": pixels.y_eval.numpy()}
    return [{"model": name, "features": feature, "family": "classical",
             **fit_classical(name, columns, labels, seed)} for name in classical]  # fmt: skip


def deep_point(
    name: str, architecture: str, options: dict[str, Any], scaled: Splits, cfg: LoopConfig,
    min_updates: int, seed: int,
) -> list[dict[str, Any]]:  # fmt: skip
    """One job: one deep model on one seed's (standardized) training subset."""
    epochs = epochs_for(len(scaled.y_train), cfg.batch_size, cfg.epochs, min_updates)
    deep_cfg = LoopConfig(**{**cfg.__dict__, "epochs": epochs})
    row = fit_deep(architecture, scaled, deep_cfg, seed, options)
    return [{"model": name, "features": "learned", "family": "deep", "epochs": epochs, **row}]


def compare_classical_deep(
    data: ModelInput,
    sizes: list[int | None],
    classical: list[str],
    features: list[str],
    deep: dict[str, tuple[str, dict[str, Any]]],
    cfg: LoopConfig,
    min_updates: int,
    seeds: list[int],
) -> pd.DataFrame:
    """One row per (seed, training size, model, features): accuracy, times, size.

    Each size is a stratified subset of ``data``'s training split, drawn by the seed and
    scored on its test split (nothing is tuned on it). The classical models see the images
    in [0, 1], the deep ones the standardized images. ``sizes`` may hold None for the whole
    training split; ``deep`` maps a display name to (registered architecture, options). One
    job per (seed, size, feature set) for the classical models, per (seed, size, model) for
    the deep ones.
    """
    for name in classical:
        CLASSIFIERS.check(name)
    for name in features:
        if name not in ("pixels", "hog"):
            raise ValueError(f"unknown feature set {name!r}; available: hog, pixels")
    points, calls = [], []
    for seed in seeds:
        for requested in sizes:
            pixels = prepare_splits(data, requested, seed, eval_split="test", standardize=False)
            scaled = prepare_splits(data, requested, seed, eval_split="test")
            for feature in features:
                points.append((seed, len(pixels.y_train)))
                calls.append((classical_point, {"pixels": pixels, "feature": feature,
                                                "classical": classical, "seed": seed}))  # fmt: skip
            for name, (architecture, options) in deep.items():
                points.append((seed, len(scaled.y_train)))
                calls.append((deep_point, {"name": name, "architecture": architecture,
                                           "options": options, "scaled": scaled, "cfg": cfg,
                                           "min_updates": min_updates, "seed": seed}))  # fmt: skip
    results = run_calls(calls)
    rows = [{SEED: seed, "train_size": size, **row}
            for (seed, size), part in zip(points, results, strict=True) for row in part]  # fmt: skip
    return pd.DataFrame(rows)


def winners(table: pd.DataFrame) -> pd.DataFrame:
    """Per training size: the best classical and the best deep model, the deep margin, and
    the fastest model to train within 1 point of the best accuracy."""
    rows = []
    for size, part in table.groupby("train_size"):
        best = {fam: part[part["family"] == fam].nlargest(1, "test_acc").iloc[0]
                for fam in ("classical", "deep")}  # fmt: skip
        near = part[part["test_acc"] >= part["test_acc"].max() - 0.01]
        fastest = near.nsmallest(1, "train_time_s").iloc[0]
        rows.append(
            {"train_size": size,
             "best_classical": f"{best['classical']['model']} ({best['classical']['features']})",
             "best_classical_acc": best["classical"]["test_acc"],
             "best_deep": best["deep"]["model"], "best_deep_acc": best["deep"]["test_acc"],
             "deep_minus_classical": best["deep"]["test_acc"] - best["classical"]["test_acc"],
             "fastest_within_1pt": f"{fastest['model']} ({fastest['features']})",
             "fastest_train_time_s": fastest["train_time_s"]}
        )  # fmt: skip
    return pd.DataFrame(rows)

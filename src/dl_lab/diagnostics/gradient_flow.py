"""Gradient flow through a deep MLP (course 2.16, 2.21, 2.24): vanishing and exploding.

Each case trains the same ``DeepMLP`` with plain SGD and records, every few updates, the
L2 norm of every Linear layer's weight gradient (before any clipping). The headline
number is ``first_last_ratio``: the input layer's gradient norm over the output layer's.
Sigmoid's derivative is at most 1/4, so through ``L`` sigmoid layers the backward signal
shrinks roughly like 0.25^L (0.25^5 = 0.00098, course 2.16); a ratio <= 1/100 is what we
call vanishing, >= 100 or a non-finite gradient exploding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from dl_lab.diagnostics.activations import ACTIVATIONS
from dl_lab.diagnostics.jobs import SEED, with_seed
from dl_lab.models.probes import INITS, DeepMLP, initialize
from dl_lab.parallel import run_points
from dl_lab.training.loops import Splits, evaluate

VANISHING, EXPLODING = 1e-2, 1e2


@dataclass(frozen=True)
class FlowCase:
    """One configuration of the deep MLP."""

    name: str
    activation: str = "sigmoid"
    init: str = "default"
    batch_norm: bool = False
    residual: bool = False
    clip_norm: float | None = None

    def __post_init__(self) -> None:
        for kind, registry, value in (
            ("activation", ACTIVATIONS, self.activation),
            ("init", INITS, self.init),
        ):
            if value not in registry:
                raise ValueError(
                    f"case {self.name!r}: unknown {kind} {value!r}; "
                    f"available: {', '.join(registry)}"
                )
        if self.clip_norm is not None and self.clip_norm <= 0:
            raise ValueError(f"case {self.name!r}: clip_norm must be > 0, got {self.clip_norm}")


@dataclass(frozen=True)
class FlowSettings:
    """What every case shares: the network size and the training budget."""

    depth: int = 12
    width: int = 64
    steps: int = 150
    batch_size: int = 128
    lr: float = 0.1
    record_every: int = 10

    def __post_init__(self) -> None:
        for name in ("depth", "width", "steps", "batch_size", "record_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"FlowSettings.{name} must be >= 1, got {getattr(self, name)}")


def _layer_norms(model: DeepMLP) -> list[float]:
    return [float(layer.weight.grad.norm()) for layer in model.linears()]


def _train_case(case: FlowCase, splits: Splits, s: FlowSettings, seed: int):
    torch.manual_seed(seed)
    in_features = int(np.prod(splits.x_train.shape[1:]))
    model = DeepMLP(
        in_features, splits.num_classes, s.depth, s.width, case.activation,
        case.batch_norm, case.residual,
    )  # fmt: skip
    initialize(model, case.init)
    optimizer = torch.optim.SGD(model.parameters(), lr=s.lr)
    generator = torch.Generator().manual_seed(seed)
    rows, losses = [], []
    for step in range(s.steps):
        idx = torch.randint(len(splits.y_train), (s.batch_size,), generator=generator)
        loss = F.cross_entropy(model(splits.x_train[idx]), splits.y_train[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        losses.append(float(loss.detach()))
        if step % s.record_every == 0 or step == s.steps - 1:
            for layer, norm in enumerate(_layer_norms(model), start=1):
                rows.append({"case": case.name, "step": step, "layer": layer, "grad_norm": norm})
        if case.clip_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), case.clip_norm)
        optimizer.step()
    return model, pd.DataFrame(rows), losses


def _ratio(frame: pd.DataFrame) -> float:
    first = frame.loc[frame["layer"] == frame["layer"].min(), "grad_norm"].iloc[0]
    last = frame.loc[frame["layer"] == frame["layer"].max(), "grad_norm"].iloc[0]
    if not (math.isfinite(first) and math.isfinite(last)):
        return math.nan
    return first / last if last > 0 else math.inf


def _verdict(ratio: float, finite: bool) -> str:
    if not finite or not math.isfinite(ratio) or ratio >= EXPLODING:
        return "exploding"
    return "vanishing" if ratio <= VANISHING else "healthy"


def _summary(case: FlowCase, norms: pd.DataFrame, losses: list[float], val_acc: float) -> dict:
    ratios = [_ratio(part) for _, part in norms.groupby("step")]
    finite = bool(np.isfinite(norms["grad_norm"]).all() and np.isfinite(losses).all())
    at_init = ratios[0]
    return {
        "case": case.name, "activation": case.activation, "init": case.init,
        "batch_norm": case.batch_norm, "residual": case.residual,
        "clip_norm": case.clip_norm if case.clip_norm is not None else math.nan,
        "first_last_ratio_init": at_init,
        "first_last_ratio_median": float(np.nanmedian(ratios)) if finite else math.nan,
        "verdict_init": _verdict(at_init, bool(np.isfinite(losses[0]))),
        "verdict_training": _verdict(float(np.nanmedian(ratios)), finite),
        "max_grad_norm": float(norms["grad_norm"].max()),
        "nonfinite_steps": int((~np.isfinite(losses)).sum()),
        "first_loss": losses[0], "final_loss": losses[-1], "val_acc": val_acc,
    }  # fmt: skip


def flow_point(
    case: FlowCase, splits: Splits, settings: FlowSettings, seed: int
) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """One job: one case trained on one seed; its gradient norms, summary and losses."""
    model, frame, losses = _train_case(case, splits, settings, seed)
    with torch.no_grad():
        _, val_acc = evaluate(model, splits.x_eval, splits.y_eval)
    curve = pd.DataFrame({"case": case.name, "step": range(len(losses)), "loss": losses})
    return frame, _summary(case, frame, losses, val_acc), curve


def gradient_flow(
    cases: list[FlowCase], splits: dict[int, Splits], settings: FlowSettings
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Train every case on every seed of ``splits`` (one job each); return per-(seed, case,
    step, layer) gradient norms, a per-(seed, case) summary and per-step training losses."""
    if len({c.name for c in cases}) != len(cases):
        raise ValueError(f"gradient-flow case names must be unique, got {[c.name for c in cases]}")
    points = [(seed, case) for seed in splits for case in cases]
    jobs = [{"case": case, "splits": splits[seed], "settings": settings, "seed": seed}
            for seed, case in points]  # fmt: skip
    results = run_points(flow_point, jobs)
    seeds = [seed for seed, _ in points]
    norms = [with_seed(frame, seed) for seed, (frame, _, _) in zip(seeds, results, strict=True)]
    summaries = [{SEED: seed, **row} for seed, (_, row, _) in zip(seeds, results, strict=True)]
    curves = [with_seed(curve, seed) for seed, (_, _, curve) in zip(seeds, results, strict=True)]
    return (pd.concat(norms, ignore_index=True), pd.DataFrame(summaries),
            pd.concat(curves, ignore_index=True))  # fmt: skip


def cure_questions(summary: pd.DataFrame, baseline: str, cures: list[str]) -> pd.DataFrame:
    """Does ``baseline`` vanish, and does each of ``cures`` cure it? Answered from the
    ``gradient_flow`` summary, one question a row (per seed where it has a ``seed`` column)."""
    if SEED in summary:
        return pd.concat([with_seed(cure_questions(part.drop(columns=SEED), baseline, cures), seed)
                          for seed, part in summary.groupby(SEED, sort=False)], ignore_index=True)  # fmt: skip
    by_case = summary.set_index("case")
    ratio = by_case.loc[baseline, "first_last_ratio_init"]
    rows = [
        {"question": f"is {baseline}'s first-layer gradient >= 100x smaller than its last's?",
         "answer": "yes" if ratio <= VANISHING else "no",
         "evidence": f"first/last = {ratio:.3g} at the first update"},
    ]  # fmt: skip
    for cure in cures:
        if cure not in by_case.index:
            raise ValueError(
                f"cure {cure!r} is not a gradient-flow case; cases: {list(by_case.index)}"
            )
        case = by_case.loc[cure]
        healthy = case["verdict_init"] == "healthy" and case["verdict_training"] == "healthy"
        rows.append(
            {"question": f"does {cure} cure it?", "answer": "yes" if healthy else "no",
             "evidence": f"first/last = {case['first_last_ratio_init']:.3g} at init, median "
                         f"{case['first_last_ratio_median']:.3g} in training; "
                         f"val_acc {case['val_acc']:.3f} vs {by_case.loc[baseline, 'val_acc']:.3f}"}
        )  # fmt: skip
    return pd.DataFrame(rows)

"""The one training path: a tracked fit of a variant on a ``ModelInput``, and its evaluation.

``fit`` trains in an MLflow child run named and tagged by a ``RunIdentity``, through the
one trainer factory, resuming an interrupted run of the same configuration, and returns a
``FitResult``. ``train`` is the bare Lightning fit under it, for callers that own their run
(an Optuna trial, the tuning's final retrain). ``evaluate`` scores the test split once.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import numpy as np
import pandas as pd
import torch
from torch import nn

from dl_lab import parallel, tracking
from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.data.bundle import ModelInput
from dl_lab.evaluation.fit import fit_diagnosis_tags
from dl_lab.models import activation_memory_bytes, count_parameters, flops_per_sample
from dl_lab.parallel import torch_threads
from dl_lab.training import resume
from dl_lab.training.callbacks import HistoryCallback
from dl_lab.training.classification import ClassificationModule
from dl_lab.training.config import TrainerConfig, VariantSpec
from dl_lab.training.datamodule import TensorDataModule
from dl_lab.training.tasks import build_task_module
from dl_lab.training.trainer import build_trainer, monitor_mode

Splits = dict[str, tuple[torch.Tensor, torch.Tensor]]
# What runs on a trained network where it trained: (module, data, history, summary, identity).
After = Callable[
    [pl.LightningModule, ModelInput, pd.DataFrame, dict[str, float], tracking.RunIdentity], Any
]


@dataclass(frozen=True)
class FitResult:
    """What a fit leaves behind: the best network, its per-epoch history, a summary of
    best-epoch metrics and costs (what is logged to the run), and the run's id."""

    module: pl.LightningModule
    history: pd.DataFrame
    summary: dict[str, float]
    run_id: str
    evaluation: Any = None
    identity: tracking.RunIdentity | None = None  # the run's, with its tags and data

    @property
    def best_epoch(self) -> int:
        return int(self.summary.get("best_epoch", 0))


def _peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # process high-water mark


def train(
    module: pl.LightningModule,
    splits: Splits,
    cfg: TrainerConfig,
    seed: int,
    *,
    logger: Any = False,
    callbacks: Sequence[pl.Callback] = (),
    checkpoint_dir: Path | None = None,
    resume_from: str | None = None,
) -> tuple[pl.Trainer, HistoryCallback]:
    """Lightning's fit of ``module`` on in-memory ``splits`` (``train``, optionally ``val``).

    Without a ``val`` split there is no validation loop (and so no early stopping).
    """
    history = HistoryCallback()
    validate = "val" in splits
    trainer = build_trainer(
        cfg,
        logger=logger,
        callbacks=[history, *callbacks],
        checkpoint_dir=checkpoint_dir,
        validate=validate,
    )
    module.gradient_clip_val = cfg.gradient_clip_val  # manual optimization clips
    datamodule = TensorDataModule(
        splits, cfg.batch_size, seed, updates_per_step=cfg.updates_per_step
    )
    trainer.fit(module, datamodule=datamodule, ckpt_path=resume_from)
    return trainer, history


@dataclass(frozen=True)
class FitJob:
    """One fit to run: ``variant`` with ``identity.seed`` on ``data``, tracked as ``identity``."""

    data: ModelInput
    variant: VariantSpec
    trainer_cfg: TrainerConfig
    identity: tracking.RunIdentity
    augmentation: AugmentationSpec | None = None

    def with_variant_data(self) -> FitJob:
        """The job on the data its variant asks for (``train_samples``: a fixed, stratified
        subset of the training split, with a fingerprint of its own)."""
        size = self.variant.train_samples
        if size is None or size >= len(self.data.y_train):
            return self
        subset = self.data.train_subset(size, seed=0)
        return replace(self, data=replace(subset, fingerprint=f"{subset.fingerprint}-train{size}"))

    def expected_cost(self) -> float:
        """Forward FLOPs over the whole fit (per sample x training samples x epochs): what
        orders a study's fits, the longest first."""
        net = build_task_module(
            self.data, self.variant, self.augmentation or AugmentationSpec()
        ).net
        epochs = self.variant.trainer_config(self.trainer_cfg).max_epochs
        return (
            float(flops_per_sample(net, self.data.sample_shape)) * len(self.data.y_train) * epochs
        )


@dataclass(frozen=True)
class Trained:
    """A finished fit before it is tracked: what ``compute_fit`` returns (picklable, so a
    worker process can send it back). ``evaluation`` is what ``after`` made of the net."""

    state_dict: dict[str, torch.Tensor]
    history: pd.DataFrame
    summary: dict[str, float]
    params: dict[str, Any]
    checkpoint_dir: str
    best_checkpoint: str
    resumed_epochs: int
    evaluation: Any = None


def fit(
    data: ModelInput,
    variant: VariantSpec,
    trainer_cfg: TrainerConfig,
    identity: tracking.RunIdentity,
    augmentation: AugmentationSpec | None = None,
) -> FitResult:
    """Train ``variant`` with ``identity.seed`` in the child run ``identity.name``, here.

    The variant's own ``max_epochs``, ``batch_size`` and ``early_stopping`` override
    ``trainer_cfg``. The best epoch's weights come back (``early_stopping.restore_best``).
    """
    job = FitJob(data, variant, trainer_cfg, identity, augmentation)
    ((_, result),) = fit_all([job], workers=1)
    return result


def fit_all(
    jobs: Sequence[FitJob],
    after: After | None = None,
    workers: int | None = None,
) -> Iterator[tuple[int, FitResult]]:
    """``(index, FitResult)`` of every job, each as soon as it is trained and tracked.

    The fits run through ``dl_lab.parallel`` (a process and one torch thread per fit, so
    both cores train: this process and the pool's workers take turns at one queue) and are
    tracked here, in this process, one by one while the others train. ``after(module, data, history, summary, identity)`` runs where
    the fit ran, on the best weights (an evaluation, figures: what would otherwise cost
    this process time); its result is ``FitResult.evaluation``. A fit on
    several devices or on a GPU runs here, alone: it uses the hardware by itself.
    """
    jobs = [job.with_variant_data() for job in jobs]
    if not all(_fits_one_core(job.variant.trainer_config(job.trainer_cfg)) for job in jobs):
        workers = 1
    order = list(range(len(jobs)))
    if min(workers or parallel.available_workers(), len(jobs)) > 1:
        # the longest fits first, so that no core idles at the end of a study while the
        # other trains the last long fit alone
        costs = _expected_costs(jobs)
        order.sort(key=lambda i: -costs[i])
    work = [
        {
            "data": job.data,
            "variant": job.variant,
            "trainer_cfg": job.trainer_cfg,
            "identity": job.identity,
            "augmentation": job.augmentation,
            "after": after,
        }
        for job in (jobs[i] for i in order)
    ]
    try:
        for position, trained in parallel.run_each(compute_fit, work, workers=workers):
            index = order[position]
            tracked = track_fit(trained, jobs[index])
            parallel.release_memory(collect=False)  # what logging the run freed, here
            yield index, tracked
    except BaseException as err:
        # A fit that failed (NaN loss) or was stopped untracked still gets its run, FAILED
        # with the reason: the one that raised, or those training when a stop arrived.
        positions = getattr(err, "jobs_running", [])
        if hasattr(err, "job_index"):
            positions = [err.job_index]
        for index in (order[p] for p in positions):
            job = jobs[index]
            tracking.failed_run(_run_identity(job), run_params(job), err)
        raise


def _expected_costs(jobs: Sequence[FitJob]) -> list[float]:
    """``FitJob.expected_cost`` of each job, counted once per variant and data set."""
    known: dict[tuple[str, str, str], float] = {}
    costs = []
    for job in jobs:
        key = (
            job.variant.model_dump_json(),
            job.data.fingerprint,
            job.trainer_cfg.model_dump_json(),
        )
        if key not in known:
            known[key] = job.expected_cost()
        costs.append(known[key])
    return costs


def run_params(job: FitJob) -> dict[str, Any]:
    """What a fit's run logs as parameters: the variant, the trainer and the seed (and the
    augmentation when the variant augments)."""
    cfg = job.variant.trainer_config(job.trainer_cfg)
    params = {"variant": job.variant.model_dump(), "trainer": cfg.model_dump()}
    params["seed"] = job.identity.seed
    if job.variant.augment:
        params["augmentation"] = (job.augmentation or AugmentationSpec()).model_dump()
    return params


def _run_identity(job: FitJob) -> tracking.RunIdentity:
    """The job's identity with the variant's tags and the data it trains on."""
    variant = job.variant
    return job.identity.with_tags(
        architecture=variant.architecture, regularizer=variant.regularizer
    ).for_data(job.data)


def _fits_one_core(cfg: TrainerConfig) -> bool:
    """Whether a fit may share the CPU with other fits: one device, one node, a CPU."""
    one_device = str(cfg.devices) in ("auto", "1") and cfg.num_nodes == 1
    on_cpu = cfg.accelerator == "cpu" or (
        cfg.accelerator == "auto" and not torch.cuda.is_available()
    )
    return one_device and cfg.strategy == "auto" and on_cpu


def compute_fit(
    data: ModelInput,
    variant: VariantSpec,
    trainer_cfg: TrainerConfig,
    identity: tracking.RunIdentity,
    augmentation: AugmentationSpec | None = None,
    after: After | None = None,
) -> Trained:
    """The fit itself, untracked: seeded by ``identity.seed``, resuming an interrupted fit
    of the same configuration from its last checkpoint. Runs in a worker process or here."""
    cfg = variant.trainer_config(trainer_cfg)
    augmentation = augmentation or AugmentationSpec()
    with torch_threads(cfg.num_threads):
        seed = identity.seed
        pl.seed_everything(seed, workers=True, verbose=False)
        module = build_task_module(data, variant, augmentation)
        params = run_params(FitJob(data, variant, trainer_cfg, identity, augmentation))
        checkpoint_dir, resumed_epochs = resume.prepare(
            Path(cfg.checkpoint_dir) / identity.name, params, data, cfg.max_epochs, cfg.resume
        )
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()  # the peak of this fit, not of the process
        started = time.perf_counter()
        trainer, history = train(
            module,
            data.splits("train", "val"),
            cfg,
            seed,
            checkpoint_dir=checkpoint_dir,
            resume_from=str(checkpoint_dir / resume.LAST) if resumed_epochs else None,
        )
        wall = time.perf_counter() - started
        best_path = trainer.checkpoint_callback.best_model_path
        if cfg.early_stopping.restore_best and best_path:
            state = torch.load(best_path, map_location="cpu", weights_only=True)["state_dict"]
            module.load_state_dict(state)
        frame = pd.DataFrame(history.rows)
        summary = summarize(frame, cfg.early_stopping.monitor)
        summary.update(_costs(module, data.sample_shape, cfg.batch_size), wall_time_s=wall)
        evaluation = after(module, data, frame, summary, identity) if after else None
        state_dict = {k: v.detach().cpu() for k, v in module.state_dict().items()}
    return Trained(
        state_dict=state_dict,
        history=frame,
        summary=summary,
        params=params,
        checkpoint_dir=str(checkpoint_dir),
        best_checkpoint=best_path or "",
        resumed_epochs=resumed_epochs,
        evaluation=evaluation,
    )


def track_fit(trained: Trained, job: FitJob) -> FitResult:
    """Log a finished fit into its MLflow child run, named and tagged by ``job.identity``:
    parameters, the per-epoch history (step: the 0-based epoch), the fit diagnosis, the
    best-epoch summary and costs, and the best checkpoint. Returns the trained network."""
    data, variant = job.data, job.variant
    module = build_task_module(data, variant, job.augmentation or AugmentationSpec())
    module.load_state_dict(trained.state_dict)
    identity = _run_identity(job)
    frame = trained.history
    keys = [k for k in (*getattr(module, "history_keys", ()), "lr") if k in frame]
    points = [
        (key, row[key], int(row["epoch"]) - 1) for row in frame.to_dict("records") for key in keys
    ]
    with tracking.identified_run(identity, trained.params) as run_id:
        if trained.resumed_epochs:
            tracking.set_tags({"resumed_after_epoch": trained.resumed_epochs})
        tracking.log_metric_history(run_id, points)
        tracking.set_tags(fit_diagnosis_tags(frame))  # fit_diagnosis: under/overfit, good, ...
        tracking.log_metrics(run_id, trained.summary)
        if trained.best_checkpoint:
            tracking.log_file(run_id, trained.best_checkpoint, "checkpoints")
    (Path(trained.checkpoint_dir) / resume.LAST).unlink(missing_ok=True)  # nothing to resume
    return FitResult(module, frame, trained.summary, run_id, trained.evaluation, identity)


def _costs(module: pl.LightningModule, sample_shape: tuple[int, ...], batch_size: int) -> dict:
    """Parameters, FLOPs per sample, peak and activation memory of the trained network."""
    net = module.net.to(module.device)
    return {
        "params": count_parameters(net),
        "flops": flops_per_sample(net, sample_shape),
        "peak_memory_mb": _peak_memory_mb(module.device),
        "activation_memory_mb": activation_memory_bytes(net, sample_shape, batch_size) / 2**20,
    }


def summarize(history: pd.DataFrame, monitor: str) -> dict[str, float]:
    """Best-epoch metrics (by ``monitor``) from the per-epoch history."""
    if history.empty:
        return {"epochs_run": 0}
    scores = history[monitor]
    best = scores.idxmin() if monitor_mode(monitor) == "min" else scores.idxmax()
    row = history.loc[best]
    summary = {
        "epochs_run": int(history["epoch"].iloc[-1]),
        "best_epoch": int(row["epoch"]),
        "epoch_time_s": float(history["epoch_time_s"].median()),
    }
    for key in ("val_acc", "val_loss", "train_acc"):
        if key in row:
            summary[f"best_{key}"] = float(row[key])
    if "train_acc" in row and "val_acc" in row:
        summary["train_val_gap"] = float(row["train_acc"] - row["val_acc"])
    return summary


def evaluate(
    module: ClassificationModule, data: ModelInput, trainer_cfg: TrainerConfig
) -> tuple[dict[str, float], np.ndarray]:
    """Test-split loss, accuracy and macro-F1, and the confusion matrix (rows: true class)."""
    module.test_confusion.reset()
    trainer = build_trainer(trainer_cfg, devices=1)  # one pass, one device
    datamodule = TensorDataModule(data.splits("test"), batch_size=512, seed=0)
    (metrics,) = trainer.test(module, datamodule=datamodule, verbose=False)
    confusion = module.test_confusion.compute().cpu().numpy()
    return {k: float(v) for k, v in metrics.items()}, confusion


@torch.no_grad()
def accuracy_on(
    module: ClassificationModule, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1024
) -> float:
    """Accuracy of ``module`` in eval mode (no dropout, no augmentation) on ``(x, y)``."""
    was_training = module.training
    module.eval()
    device = module.device
    correct = 0
    for start in range(0, len(y), batch_size):
        logits = module(x[start : start + batch_size].to(device))
        correct += int((logits.argmax(dim=1).cpu() == y[start : start + batch_size]).sum())
    module.train(was_training)
    return correct / max(len(y), 1)


def inference_model(module: ClassificationModule) -> nn.Module:
    """The network with its standardization in front, on the CPU, in eval mode."""
    return module.inference_model().cpu().eval()

"""Cost of a vision run outside its training loop: child run, logging, model, figures, eval.

Trains ``--runs`` one-epoch LeNet-5 runs on mnist_5k through the vision pipeline's own node
functions, in this process (``DL_LAB_WORKERS=1``), against a scratch sqlite MLflow store
under a parent run, as `kedro run` does. Per run, the overhead is the node time minus the
training loop's own ``wall_time_s``. It works on both shapes of the pipeline:

- before (per-run nodes ``train_model`` -> ``evaluate_model`` -> ``report_variant``), and
- after (one ``train_study`` node per study): the overhead is also split into what the main
  process does (``track_fit`` and the evaluation's logging) and what runs where the fit ran
  (evaluation and figures, on a worker when there are two cores).

    .venv/bin/python bench/run_overhead.py --runs 6
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DL_LAB_WORKERS", "1")
os.environ.setdefault("DL_LAB_PROGRESS", "0")

import mlflow  # noqa: E402

from dl_lab.data.bundle import bundle_images  # noqa: E402
from dl_lab.data.sources import load_images  # noqa: E402
from dl_lab.data.splits import split_stratified  # noqa: E402
from dl_lab.pipelines.vision import nodes  # noqa: E402
from dl_lab.pipelines.vision.params import ReportConfig  # noqa: E402
from dl_lab.training.config import TrainerConfig, VariantSpec  # noqa: E402

VARIANT = {"architecture": "lenet5", "max_epochs": 1}


class Timer:
    """Wraps functions of a module and sums the time spent in each."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}

    def wrap(self, owner, name: str) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.spent[name] = self.spent.get(name, 0.0) + time.perf_counter() - started

        setattr(owner, name, timed)


def before(data, trainer, report, runs: int) -> list[float]:
    overheads = []
    spec = VariantSpec(**VARIANT)
    for seed in range(runs):
        started = time.perf_counter()
        weights, history, summary = nodes.train_model(
            data, {}, spec, trainer, study="bench", variant_name="lenet5", seed=seed
        )
        metrics, confusion, _ = nodes.evaluate_model(
            weights, data, {}, spec, summary, report, trainer
        )
        nodes.report_variant(history, confusion, summary, metrics)
        overheads.append(time.perf_counter() - started - summary["wall_time_s"])
    return overheads


def after(data, trainer, report, runs: int) -> tuple[list[float], dict[str, float]]:
    from dl_lab.pipelines.vision.nodes import variant
    from dl_lab.training import fit

    timer = Timer()
    timer.wrap(fit, "track_fit")
    timer.wrap(variant, "_track_evaluation")
    timer.wrap(variant, "evaluate_trained")
    study = variant.StudySpec.model_validate({"lenet5": VARIANT})
    started = time.perf_counter()
    outputs = nodes.train_study(
        data, {}, study, trainer, report, study="bench", runs=[("lenet5", s) for s in range(runs)]
    )
    total = time.perf_counter() - started
    trained = sum(outputs[f"bench.lenet5.seed{s}.fit_summary"]["wall_time_s"] for s in range(runs))
    per_run = {name: spent / runs for name, spent in timer.spent.items()}
    return [(total - trained) / runs], per_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=6)
    args = parser.parse_args()
    images = load_images("mnist_5k")
    data = bundle_images(images, split_stratified(images.labels, (0.8, 0.1, 0.1), 0))
    report = ReportConfig()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        trainer = TrainerConfig(
            max_epochs=1, batch_size=64, num_threads=1, checkpoint_dir=str(Path(tmp) / "ckpt")
        )
        mlflow.set_tracking_uri(f"sqlite:///{tmp}/mlflow.db")
        mlflow.set_experiment("bench")
        with mlflow.start_run(run_name="parent"):
            if hasattr(nodes, "train_model"):
                overheads, parts = before(data, trainer, report, args.runs), {}
                shape = "per-run nodes (train_model, evaluate_model, report_variant)"
            else:
                overheads, parts = after(data, trainer, report, args.runs)
                shape = "one train_study node"
    print(f"{shape}: {args.runs} runs")
    print(f"overhead per run outside the training loop: {statistics.median(overheads):.3f} s")
    for name, seconds in parts.items():
        print(f"  {name}: {seconds:.3f} s per run")


if __name__ == "__main__":
    main()

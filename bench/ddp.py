"""Lightning DDP on CPU processes (gloo) vs one process: epoch time, wall time, CPU time and
test accuracy of the same fit.

Each configuration trains the same network on the same data with the same seed through
``training.fit.fit`` (the project's one training path, a scratch MLflow store), so that the
only difference is the trainer block: ``devices: 1`` vs ``strategy: ddp, devices: N``.
Every process uses one torch thread. The data is the embedded MNIST bundle when
``data/05_model_input/model_input.pt`` exists (``kedro run --pipelines data_processing``),
else a synthetic bundle of the same size.

    .venv/bin/python bench/ddp.py --devices 1 2 --epochs 3 --architecture lenet5

On a machine with two cores, DDP on two processes cannot be faster than the cores allow:
each process does half the updates of an epoch, but pays an all-reduce per update and the
start of its interpreter. The point there is correctness (the same accuracy class); the
speed-up shows on a machine with cores to spare. Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import mlflow
from _table import print_markdown  # bench/_table.py (the script's folder)

from dl_lab.data.bundle import ModelInput
from dl_lab.data.synthetic import synthetic_bundle
from dl_lab.datasets import ModelInputDataset
from dl_lab.tracking import RunIdentity
from dl_lab.training.config import TrainerConfig, VariantSpec
from dl_lab.training.fit import accuracy_on, fit

ROOT = Path(__file__).resolve().parents[1]
MODEL_INPUT = ROOT / "data" / "05_model_input" / "model_input.pt"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--architecture", default="lenet5")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--model-input", type=Path, default=MODEL_INPUT)
    return parser.parse_args()


def load_data(path: Path) -> tuple[ModelInput, str]:
    if path.exists():
        return ModelInputDataset(str(path)).load(), "embedded MNIST (data_processing)"
    data = synthetic_bundle(sizes=(4000, 500, 500), classes=10, shape=(1, 28, 28), signal=0.3)
    return data, "synthetic 28x28, 10 classes"


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the DDP ranks)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_one(data: ModelInput, devices: int, args: argparse.Namespace, folder: Path) -> dict:
    variant = VariantSpec(architecture=args.architecture, optimizer={"name": "adam", "lr": 1e-3})
    trainer = {"strategy": "ddp"} if devices > 1 else {}
    cfg = TrainerConfig(
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        accelerator="cpu",
        devices=devices,
        num_threads=1,
        early_stopping={"enabled": False},
        checkpoint_dir=str(folder / "checkpoints"),
        resume=False,
        **trainer,
    )
    identity = RunIdentity("bench", "ddp", f"devices{devices}", args.seed)
    cpu, started = cpu_seconds(), time.perf_counter()
    result = fit(data, variant, cfg, identity)
    wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    epochs = result.history["epoch_time_s"]
    return {
        "processes": devices,
        "epoch 1 s": float(epochs.iloc[0]),
        "later epochs s (median)": float(epochs.iloc[1:].median()) if len(epochs) > 1 else None,
        "fit wall s": wall,
        "CPU s": cpu,
        "val acc (last)": float(result.history["val_acc"].iloc[-1]),
        "test acc": accuracy_on(result.module, data.x_test, data.y_test),
    }


def main() -> None:
    args = parse_args()
    data, source = load_data(args.model_input)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}")
        mlflow.set_experiment(
            experiment_id=mlflow.create_experiment("bench", (folder / "mlruns").as_uri())
        )
        for devices in args.devices:
            rows.append(run_one(data, devices, args, folder))
    print(
        f"\n{args.architecture}, {args.epochs} epochs, batch {args.batch_size} per process, "
        f"{len(data.y_train)} training images ({source}), seed {args.seed}; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load before {os.getloadavg()[0]:.1f}\n"
    )
    print_markdown(rows)


if __name__ == "__main__":
    main()

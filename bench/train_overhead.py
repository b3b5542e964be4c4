"""Per-epoch cost of dl-lab's training path against a plain PyTorch loop.

Same LeNet-5, same in-memory mnist_5k tensors, same batch size, optimizer and
validation pass. Both run in this one process and alternate epoch by epoch: a callback
runs one plain epoch after each Lightning epoch, so machine load hits both alike. The
dl-lab side is exactly what ``training.fit.fit`` runs: the task module of the variant,
trained by ``training.fit.train`` through the one trainer factory (early stopping,
checkpointing, ``tracking.lightning_logger`` into a scratch sqlite store).

    .venv/bin/python bench/train_overhead.py --epochs 21 --batch-size 64
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import lightning.pytorch as pl
import mlflow
import torch
import torch.nn.functional as F

from dl_lab import tracking
from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.data.bundle import ModelInput, bundle_images
from dl_lab.data.sources import load_images
from dl_lab.data.splits import split_stratified
from dl_lab.training.config import EarlyStoppingConfig, TrainerConfig, VariantSpec
from dl_lab.training.fit import train
from dl_lab.training.tasks import build_task_module


def model_input(seed: int) -> ModelInput:
    data = load_images("mnist_5k")
    return bundle_images(data, split_stratified(data.labels, (0.8, 0.1, 0.1), seed))


class PlainEpochs(pl.Callback):
    """After each Lightning epoch, one epoch of a plain loop on its own copy of the model."""

    def __init__(self, module, bundle: ModelInput, batch_size: int, seed: int) -> None:
        self.net = module.inference_model()  # standardize + LeNet-5, a separate copy below
        self.net.load_state_dict(module.inference_model().state_dict())
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=1e-3)
        self.x, self.y = bundle.split("train")
        self.xv, self.yv = bundle.split("val")
        self.batch_size = batch_size
        self.generator = torch.Generator().manual_seed(seed)
        self.times: list[float] = []

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        start = time.perf_counter()
        self.net.train()
        order = torch.randperm(len(self.y), generator=self.generator)
        for batch in order.split(self.batch_size):
            loss = F.cross_entropy(self.net(self.x[batch]), self.y[batch])
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
        self.net.eval()
        with torch.no_grad():
            for xb, yb in zip(self.xv.split(512), self.yv.split(512), strict=True):
                logits = self.net(xb)
                F.cross_entropy(logits, yb)
                (logits.argmax(1) == yb).float().mean()
        self.times.append(time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=7)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: torch's)"
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    pl.seed_everything(args.seed, verbose=False)
    bundle = model_input(args.seed)
    variant = VariantSpec(architecture="lenet5", model={"style": "modern"})
    cfg = TrainerConfig(
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        early_stopping=EarlyStoppingConfig(patience=10**6),
    )
    module = build_task_module(bundle, variant, AugmentationSpec())
    plain = PlainEpochs(module, bundle, args.batch_size, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        mlflow.set_tracking_uri(f"sqlite:///{tmp}/bench.db")  # a scratch store
        run_id = mlflow.start_run().info.run_id
        _, history = train(
            module,
            bundle.splits("train", "val"),
            cfg,
            args.seed,
            logger=tracking.lightning_logger(run_id),
            callbacks=[plain],  # right after the history callback, as before
            checkpoint_dir=Path(tmp) / "ckpt",
        )
        mlflow.end_run()

    ours = [row["epoch_time_s"] for row in history.rows][1:]  # first epoch: warm-up
    theirs = plain.times[1:]
    ratio = statistics.median(ours) / statistics.median(theirs)
    # Each dl-lab epoch runs right before its plain twin: the ratio within a pair cancels
    # machine-speed drift (shared cores) that the ratio of two medians does not.
    paired = statistics.median(a / b for a, b in zip(ours, theirs, strict=True))
    load = os.getloadavg()[0]
    print(
        f"torch {torch.__version__}, threads {torch.get_num_threads()}, batch {args.batch_size}, "
        f"load average {load:.2f}"
    )
    print(
        f"dl-lab epoch s  : {' '.join(f'{t:.3f}' for t in ours)}  median {statistics.median(ours):.3f}"
    )
    print(
        f"plain  epoch s  : {' '.join(f'{t:.3f}' for t in theirs)}  median {statistics.median(theirs):.3f}"
    )
    print(f"ratio dl-lab / plain (median): {ratio:.3f}")
    print(f"ratio dl-lab / plain (median of paired epochs): {paired:.3f}")


if __name__ == "__main__":
    main()

"""Which checkpoint a fit may resume from, and where its own checkpoints go.

An interrupted fit leaves ``last.ckpt`` behind, and running it again continues from there.
That is only right when the checkpoint was written by the same training: the same variant,
seed, batching, precision, augmentation and training data. So each configuration gets a
folder of its own, named by ``resume_key``, under ``<checkpoint_dir>/<run name>/``; a
run with other parameters (another ``--env``, a changed learning rate, new incoming data)
starts from scratch instead of picking up weights trained for something else.

The key leaves out what does not change the training computed so far: the epoch budget
(continuing a 10-epoch run to 20 epochs is a resume), early stopping, the devices and the
checkpoint settings themselves. The epoch budget counts only where the learning-rate
schedule is laid out over it (one-cycle, cosine, a step size of a third of the run): there
a longer run has other rates from its first epoch on, and its scheduler could not continue
the shorter run's (one-cycle refuses to step past the total it was built for).
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

from dl_lab.data.bundle import ModelInput

log = logging.getLogger(__name__)

LAST = "last.ckpt"
BEST = "best"  # ModelCheckpoint's file name (without .ckpt) for the best epoch
CONFIG = "config.json"

# Trainer and variant settings that change how long or where a fit runs, not what it
# computes in each epoch.
_TRAINER_FREE = frozenset(
    {
        "max_epochs",
        "epoch_limit",
        "early_stopping",
        "checkpoint_dir",
        "resume",
        "num_threads",
        "accelerator",
        "devices",
        "strategy",
        "num_nodes",
    }
)
_VARIANT_FREE = frozenset({"max_epochs", "early_stopping"})
# Schedules whose rates do not depend on the epoch budget (any other one, or one added
# later, ties a checkpoint to its budget: starting over is safe, a wrong resume is not).
_BUDGET_FREE_SCHEDULES = frozenset({"constant", "plateau", "warmup"})


def _budget_free(variant: dict[str, Any]) -> bool:
    """Whether the variant's learning-rate schedule is the same whatever its epoch budget."""
    schedule = variant.get("schedule") or {}
    name = schedule.get("name", "constant")
    return name in _BUDGET_FREE_SCHEDULES or (name == "step" and bool(schedule.get("step_size")))


def resume_key(params: dict[str, Any], data: ModelInput) -> str:
    """A short hex name for the training ``params`` describe on this training data.

    ``params`` is what the fit logs: ``{"variant": ..., "trainer": ..., "seed": ...}`` and,
    when the variant augments, ``"augmentation"``.
    """
    described = dict(params)
    trainer_free = _TRAINER_FREE
    if not _budget_free(params["variant"]):  # the budget the fit runs: the trainer's
        trainer_free = _TRAINER_FREE - {"max_epochs"}
    described["trainer"] = {k: v for k, v in params["trainer"].items() if k not in trainer_free}
    described["variant"] = {k: v for k, v in params["variant"].items() if k not in _VARIANT_FREE}
    digest = hashlib.blake2b(digest_size=6)
    digest.update(json.dumps(described, sort_keys=True, default=str).encode())
    for name in ("x_train", "y_train", "x_val", "y_val"):
        array = np.ascontiguousarray(getattr(data, name).detach().cpu().numpy())
        digest.update(f"{name}{array.dtype}{array.shape}".encode())
        digest.update(array)
    return digest.hexdigest()


def completed_epochs(checkpoint: Path) -> int | None:
    """Epochs trained into a Lightning checkpoint; None if the file cannot be read as one."""
    try:
        state = torch.load(checkpoint, map_location="cpu", weights_only=True)
        return int(state["epoch"]) + 1
    except Exception as err:  # truncated, not a checkpoint, or from an unknown writer
        log.warning("Cannot read %s as a checkpoint (%s)", checkpoint, err)
        return None


def prepare(
    run_dir: Path,
    params: dict[str, Any],
    data: ModelInput,
    max_epochs: int,
    resume: bool,
) -> tuple[Path, int]:
    """This fit's checkpoint folder, and the epochs it continues from (0: a fresh start).

    The folder is ``run_dir / resume_key(params, data)``.

    A ``last.ckpt`` of this configuration is resumed when it is readable and leaves epochs
    to train; otherwise the folder is cleared and the fit starts over, with the reason
    logged. Folders of other configurations are removed once their run has finished (no
    ``last.ckpt``); interrupted ones stay, to be resumed by running that configuration
    again, and so do ones still in their first epoch (another process may be running them).
    The folder gets ``config.json``: the parameters its checkpoints belong to.
    """
    folder = run_dir / resume_key(params, data)
    last = folder / LAST
    done = 0
    if resume and last.is_file():
        epochs = completed_epochs(last)
        if epochs is not None and epochs < max_epochs:
            done = epochs
        elif epochs is not None:
            log.warning(
                "Not resuming from %s: it has %d epochs and max_epochs is %d; starting over",
                last,
                epochs,
                max_epochs,
            )
        else:
            log.warning("Not resuming from unreadable %s; starting over", last)
    if not done and folder.exists():
        shutil.rmtree(folder)
    if run_dir.is_dir():
        for other in run_dir.iterdir():
            if other != folder and _finished(other):
                shutil.rmtree(other)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CONFIG).write_text(json.dumps(params, indent=2, sort_keys=True, default=str))
    if done:
        log.info("Resuming %s after epoch %d from %s", run_dir.name, done, last)
    return folder, done


def _finished(folder: Path) -> bool:
    """A fit's folder after its run ended: the best checkpoint is kept, ``last.ckpt`` is gone."""
    return (folder / f"{BEST}.ckpt").is_file() and not (folder / LAST).is_file()

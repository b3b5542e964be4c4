"""kill -9 of a training run, and the rerun that resumes it, end like a run never stopped.

Resuming is exact: an epoch's shuffle order is a function of (seed, epoch) alone
(``training.datamodule``), and checkpoints carry the process's random generators
(``training.callbacks.RandomState``) that dropout and augmentation draw from. So a fit
resumed from its last checkpoint ends with the very numbers of an uninterrupted fit with the
same seed: the comparisons here are exact, not within a tolerance.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from mlflow.entities import ViewType
from mlflow.tracking import MlflowClient

from dl_lab.data.augmentation import AugmentationSpec
from dl_lab.data.synthetic import synthetic_bundle
from dl_lab.tracking import RunIdentity
from dl_lab.training import resume
from dl_lab.training.callbacks import HistoryCallback, RandomState
from dl_lab.training.config import EarlyStoppingConfig, TrainerConfig, VariantSpec
from dl_lab.training.datamodule import _BatchIndices
from dl_lab.training.fit import fit

KEDRO = Path(sys.executable).with_name("kedro")
HISTORY = ["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr"]


# --- the pieces ------------------------------------------------------------------------


def _order(sampler: _BatchIndices) -> torch.Tensor:
    """One pass of a shuffling sampler: its groups of mini-batches, as one index tensor."""
    return torch.cat([batch for group in sampler for batch in group])


def test_an_epochs_shuffle_order_depends_on_the_seed_and_the_epoch_alone():
    through = _BatchIndices(100, 10, seed=7)
    orders = [_order(through) for _ in range(4)]  # not told the epoch: counts its passes
    for epoch in (3, 1, 0, 2):  # a fresh sampler told the epoch, as on a resume
        told = _BatchIndices(100, 10, seed=7)
        told.set_epoch(epoch)
        assert torch.equal(_order(told), orders[epoch])
    assert not torch.equal(orders[0], orders[1])  # a new order every epoch
    assert sorted(orders[2].tolist()) == list(range(100))  # each sample once
    assert not torch.equal(_order(_BatchIndices(100, 10, seed=8)), orders[0])
    assert list(_BatchIndices(25, 10, seed=None)) == [slice(0, 10), slice(10, 20), slice(20, 30)]


def test_the_shuffle_order_is_what_one_seeded_generator_draws_epoch_after_epoch():
    # Uninterrupted fits are unchanged by the resumable sampler: epoch e is the (e+1)-th
    # permutation of one generator seeded with the seed, as before the sampler was resumable.
    generator = torch.Generator().manual_seed(42)
    sampler = _BatchIndices(50, 8, seed=42, group=2)
    for epoch in range(3):
        sampler.set_epoch(epoch)
        assert torch.equal(_order(sampler), torch.randperm(50, generator=generator))
        groups = list(sampler)  # 7 batches of 8 (the last of 2), 2 per step
        assert [len(g) for g in groups] == [2, 2, 2, 1]


def test_random_state_comes_back_from_a_checkpoint_loaded_with_weights_only(tmp_path):
    import random

    torch.manual_seed(1)
    np.random.seed(2)
    random.seed(3)
    np.random.standard_normal()  # leave a cached Gaussian in numpy's state
    path = tmp_path / "state.ckpt"
    torch.save({"callbacks": {"RandomState": RandomState().state_dict()}}, path)
    expected = (torch.rand(3), np.random.standard_normal(3), random.random())
    torch.manual_seed(10)
    np.random.seed(20)
    random.seed(30)
    saved = torch.load(path, weights_only=True)["callbacks"]["RandomState"]
    RandomState().load_state_dict(saved)
    drawn = (torch.rand(3), np.random.standard_normal(3), random.random())
    assert torch.equal(drawn[0], expected[0])
    assert np.array_equal(drawn[1], expected[1])
    assert drawn[2] == expected[2]


class _Stopped(Exception):
    """The interruption of the in-process test."""


def _dropout_augmented_fit(tmp_path):
    variant = VariantSpec(
        architecture="mlp",
        model={"depth": 1, "width": 16},
        regularizers={"dropout": {"p": 0.5}, "augmentation": {}},
    )
    cfg = TrainerConfig(
        max_epochs=5,
        batch_size=16,
        updates_per_step=2,
        checkpoint_dir=str(tmp_path / "checkpoints"),
        early_stopping=EarlyStoppingConfig(enabled=False),
    )
    augmentation = AugmentationSpec(noise_std=0.1, rotation_degrees=10)
    data = synthetic_bundle((64, 32, 32), classes=2)
    return fit(data, variant, cfg, RunIdentity("test", "resume", "exact", 3), augmentation)


def test_a_fit_stopped_after_epoch_2_resumes_to_the_uninterrupted_numbers(
    tmp_path, tracked, monkeypatch
):
    """Dropout and augmentation draw random numbers every step: only a resume that restores
    the shuffle order and the generators ends on the same losses."""
    uninterrupted = _dropout_augmented_fit(tmp_path / "through")
    start_epoch = HistoryCallback.on_train_epoch_start

    def stop_in_epoch_3(self, trainer, module):
        start_epoch(self, trainer, module)
        if trainer.current_epoch == 2:
            raise _Stopped  # last.ckpt holds epochs 1-2

    with monkeypatch.context() as patch:
        patch.setattr(HistoryCallback, "on_train_epoch_start", stop_in_epoch_3)
        with pytest.raises(_Stopped):
            _dropout_augmented_fit(tmp_path / "stopped")
    resumed = _dropout_augmented_fit(tmp_path / "stopped")
    client, _ = tracked
    assert client.get_run(resumed.run_id).data.tags["resumed_after_epoch"] == "2"
    columns = [c for c in HISTORY if c in uninterrupted.history]
    assert resumed.history[columns].equals(uninterrupted.history[columns])
    state = dict(uninterrupted.module.state_dict())
    for name, tensor in resumed.module.state_dict().items():
        assert torch.equal(tensor, state[name]), name


def _resume_key(schedule: dict, max_epochs: int) -> str:
    variant = VariantSpec(architecture="mlp", schedule=schedule)
    trainer = TrainerConfig(max_epochs=max_epochs)
    params = {"variant": variant.model_dump(), "trainer": trainer.model_dump(), "seed": 0}
    return resume.resume_key(params, synthetic_bundle((8, 4, 4)))


@pytest.mark.parametrize(
    ("schedule", "tied"),
    [
        ({}, False),
        ({"name": "plateau"}, False),
        ({"name": "warmup"}, False),
        ({"name": "step", "step_size": 2}, False),
        ({"name": "step"}, True),  # a third of the run
        ({"name": "cosine"}, True),
        ({"name": "one_cycle"}, True),
        ({"name": "warmup_cosine"}, True),
    ],
)
def test_a_longer_budget_resumes_unless_the_schedule_is_laid_out_over_it(schedule, tied):
    assert (_resume_key(schedule, 4) != _resume_key(schedule, 8)) is tied


def test_a_stopped_one_cycle_fit_run_again_with_more_epochs_starts_over(tmp_path, tracked):
    """Resumed, its scheduler (built for the shorter run) refused to step past its total."""
    variant = VariantSpec(
        architecture="mlp", model={"depth": 1, "width": 8}, schedule={"name": "one_cycle"}
    )
    data = synthetic_bundle((64, 32, 32), classes=2)

    def fit_for(epochs: int):
        cfg = TrainerConfig(
            max_epochs=epochs,
            batch_size=16,
            checkpoint_dir=str(tmp_path / "checkpoints"),
            early_stopping=EarlyStoppingConfig(enabled=False),
        )
        return fit(data, variant, cfg, RunIdentity("test", "resume", "one_cycle", 0))

    fit_for(2)
    (folder,) = (tmp_path / "checkpoints").glob("*/*/")
    (folder / "best.ckpt").replace(folder / resume.LAST)  # what a stop after epoch 2 leaves
    longer = fit_for(4)
    client, _ = tracked
    assert "resumed_after_epoch" not in client.get_run(longer.run_id).data.tags
    assert longer.history["epoch"].tolist() == [1, 2, 3, 4]


# --- kill -9 of a kedro run -------------------------------------------------------------

# Put on the PYTHONPATH of the `kedro run` (and so of any worker process it spawns): holds
# the training at one point, writes where it is to a marker file, and waits there for the
# test's SIGKILL. The point comes from DL_LAB_TEST_HOLD: "epoch_start:<n>" (epoch n is about
# to start: the checkpoint of epoch n - 1 is written) or "in_epoch:<n>:<step>" (after
# training step <step>, 0-based, of epoch n).
HOLD = textwrap.dedent(
    '''
    """Test-only (tests/test_resume_kill.py): hold a training run where the test kills it."""
    import os

    if os.environ.get("DL_LAB_TEST_HOLD"):
        import json
        import time

        import lightning.pytorch as pl

        KIND, *AT = os.environ["DL_LAB_TEST_HOLD"].split(":")
        MARKER = os.environ["DL_LAB_TEST_HOLD_MARKER"]

        class _Hold(pl.Callback):
            first_epoch = None

            def on_train_epoch_start(self, trainer, pl_module):
                if self.first_epoch is None:
                    self.first_epoch = trainer.current_epoch + 1
                if KIND == "epoch_start" and trainer.current_epoch + 1 == int(AT[0]):
                    self._hold(trainer)

            def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
                at = (trainer.current_epoch + 1, batch_idx)
                if KIND == "in_epoch" and at == (int(AT[0]), int(AT[1])):
                    self._hold(trainer)

            def _hold(self, trainer):
                where = {
                    "epoch": trainer.current_epoch + 1,
                    "first_epoch": self.first_epoch,
                    "resumed_from": trainer.ckpt_path,
                }
                with open(MARKER + ".tmp", "w") as out:
                    json.dump(where, out)
                os.replace(MARKER + ".tmp", MARKER)
                time.sleep(600)  # the test's SIGKILL ends this
                raise RuntimeError("held for 600 s and not killed")

        _init = pl.Trainer.__init__

        def _with_hold(self, *args, callbacks=None, **kwargs):
            _init(self, *args, callbacks=[*(callbacks or []), _Hold()], **kwargs)

        pl.Trainer.__init__ = _with_hold
    '''
)

EPOCHS = 6
SEED = 0
RUN = f"baseline__lenet5__seed{SEED}"
# The baseline LeNet-5 (augmented batches; its learning-rate schedule and optimizer state
# are resumed too) on the test split, for 6 epochs (conf/test's cap lifted) and one seed.
ARGS = (
    *("--pipelines", "vision", "--namespaces", "baseline"),
    *("--params", f"vision.trainer.epoch_limit={EPOCHS}"),
)


def _one_seed_baseline(project) -> None:
    """The copy's baseline study trains one seed for ``EPOCHS`` (conf/base holds the lists
    of seeds; a kedro run refuses ``--params`` that change them)."""
    path = project.path / "conf/base/parameters_vision.yml"
    parameters = yaml.safe_load(path.read_text())
    parameters["vision"]["studies"]["baseline"]["lenet5"].update(max_epochs=EPOCHS, seeds=[SEED])
    path.write_text(yaml.safe_dump(parameters))


def _environment(hook_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, KEDRO_DISABLE_TELEMETRY="true", MPLBACKEND="Agg", COLUMNS="200")
    env.pop("MLFLOW_TRACKING_URI", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(hook_dir), env.get("PYTHONPATH")]))
    return {**env, **extra}


def _kill_at(project, hook_dir: Path, point: str) -> dict:
    """Run vision's baseline until it is held at ``point``; SIGKILL the whole `kedro run`
    (its process group: the CLI and any worker); return where it was held."""
    marker = hook_dir / "held.json"
    marker.unlink(missing_ok=True)
    env = _environment(hook_dir, DL_LAB_TEST_HOLD=point, DL_LAB_TEST_HOLD_MARKER=str(marker))
    log = hook_dir / f"kedro-{point.replace(':', '-')}.log"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [str(KEDRO), "run", "--env", "test", *ARGS],
            cwd=project.path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as a whole
        )
    try:
        deadline = time.monotonic() + 600
        while not marker.exists():
            assert worker.poll() is None, f"ended before {point}:\n{log.read_text()[-4000:]}"
            assert time.monotonic() < deadline, f"not at {point} in 600 s"
            time.sleep(0.05)
        held = json.loads(marker.read_text())
        held["checkpoint_epochs"] = _checkpoint_epochs(project.path)  # what is on disk now
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=60)
    assert worker.returncode == -signal.SIGKILL
    return held


def _checkpoint_epochs(project_path: Path) -> int:
    (last,) = (project_path / "data/06_models/checkpoints/vision" / RUN).glob(f"*/{resume.LAST}")
    epochs = resume.completed_epochs(last)
    assert epochs is not None, f"{last} is not a readable checkpoint"
    return epochs


def _everything_loads(store: Path) -> list:
    """Every run of every experiment, each loaded on its own; the database is intact."""
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    client = MlflowClient(tracking_uri=f"sqlite:///{store}")
    experiments = [e.experiment_id for e in client.search_experiments()]
    runs = client.search_runs(experiments, run_view_type=ViewType.ALL, max_results=50_000)
    loaded = [client.get_run(run.info.run_id) for run in runs]
    assert {run.info.status for run in loaded} <= {"RUNNING", "FINISHED", "FAILED", "KILLED"}
    return loaded


def _trained_run(client: MlflowClient, ordinal: int):
    """The ``ordinal``-th (0: first) finished training run of the baseline."""
    experiment = client.get_experiment_by_name("dl-lab/vision")
    runs = client.search_runs(
        [experiment.experiment_id],
        f"attributes.run_name = '{RUN}' and attributes.status = 'FINISHED'",
        order_by=["attributes.start_time ASC"],
    )
    return runs[ordinal]


def _numbers(client: MlflowClient, run) -> dict[str, list[tuple[int, float]]]:
    """Every metric of ``run`` but wall-clock and memory ones, as its (step, value) history."""
    return {
        key: sorted((m.step, m.value) for m in client.get_metric_history(run.info.run_id, key))
        for key in run.data.metrics
        if not _wall_clock(key)
    }


def _wall_clock(name: str) -> bool:
    """Timings and the process's memory high-water mark: they vary from run to run."""
    return "time" in name or name.endswith("_s") or "peak_memory" in name


@pytest.mark.slow
def test_kill_9_at_three_points_then_the_rerun_resumes_to_the_uninterrupted_metrics(
    fresh_project, tmp_path
):
    """Killed after epoch 1's checkpoint, in the middle of epoch 4 and in the last epoch
    (each rerun killed again, so a resumed fit is resumed in turn), the fourth run ends
    with every metric of a run never stopped, step by step; the store loads throughout."""
    hook_dir = tmp_path / "hold"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(HOLD)
    store = fresh_project.path / "mlflow.db"
    _one_seed_baseline(fresh_project)
    fresh_project.run("--pipelines", "data_processing")
    fresh_project.run(*ARGS)  # uninterrupted
    client = MlflowClient(tracking_uri=fresh_project.tracking_uri)
    uninterrupted = _numbers(client, _trained_run(client, 0))
    assert {"val_acc", "train_loss", "test_acc"} <= set(uninterrupted)
    assert len(uninterrupted["val_loss"]) == EPOCHS

    # An epoch is 13 updates in 2 training steps of 8 (updates_per_step): "in_epoch:4:0" is
    # after 8 of epoch 4's updates; "in_epoch:6:1" after the last ones, before its checkpoint.
    points = [("epoch_start:2", 1), ("in_epoch:4:0", 3), (f"in_epoch:{EPOCHS}:1", EPOCHS - 1)]
    resumed_from = None
    for point, epochs_on_disk in points:
        held = _kill_at(fresh_project, hook_dir, point)
        assert held["checkpoint_epochs"] == epochs_on_disk, (point, held)
        if resumed_from is None:  # the first run starts afresh
            assert held["resumed_from"] is None and held["first_epoch"] == 1, held
        else:  # a rerun continues from the last checkpoint, not from epoch 1
            assert Path(held["resumed_from"]).name == resume.LAST, held
            assert held["first_epoch"] == resumed_from + 1, held
        resumed_from = epochs_on_disk
        loaded = _everything_loads(store)
        assert any(run.info.status == "RUNNING" for run in loaded)  # the killed run's

    fresh_project.run(*ARGS)  # the rerun after the last kill runs to the end
    final = _trained_run(client, 1)
    assert final.data.tags["resumed_after_epoch"] == str(EPOCHS - 1)
    assert _numbers(client, final) == uninterrupted
    _everything_loads(store)

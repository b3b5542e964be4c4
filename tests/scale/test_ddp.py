"""Lightning DDP on two CPU processes (gloo), from the trainer block alone.

The ranks run only the fit (spawned, not the command line again), rank 0's history and
weights come back to the caller, one MLflow child run is made per fit (not one per rank),
and a rank's error reaches the caller as itself.
"""

from __future__ import annotations

import shutil

import lightning.pytorch as pl
import pytest
from mlflow.tracking import MlflowClient

from dl_lab.data.synthetic import synthetic_bundle
from dl_lab.errors import NonFiniteLossError
from dl_lab.tracking import RunIdentity
from dl_lab.training import distributed
from dl_lab.training.config import TrainerConfig, VariantSpec
from dl_lab.training.fit import accuracy_on, fit
from dl_lab.training.trainer import build_trainer

EPOCHS = 2


@pytest.fixture(scope="module")
def data():
    # A weak signal, so that two epochs reach a high but not a perfect accuracy; 13
    # mini-batches of 32, which no grouping of updates splits evenly over two ranks.
    return synthetic_bundle(sizes=(400, 128, 256), classes=3, signal=0.15)


def _fit(data, tmp_path, name: str, lr: float = 0.01, **trainer):
    variant = VariantSpec(
        architecture="mlp",
        model={"depth": 1, "width": 32},
        optimizer={"name": "adam", "lr": lr},
    )
    cfg = TrainerConfig(
        max_epochs=EPOCHS,
        batch_size=32,
        accelerator="cpu",
        num_threads=1,
        early_stopping={"enabled": False},
        checkpoint_dir=str(tmp_path / "checkpoints"),
        **trainer,
    )
    return fit(data, variant, cfg, RunIdentity("scale", "ddp", name, 0))


def test_two_processes_reach_the_accuracy_of_one_in_one_child_run(data, tmp_path, tracked):
    client, experiment_id = tracked
    one = _fit(data, tmp_path, "one", devices=1)
    two = _fit(data, tmp_path, "two", strategy="ddp", devices=2)

    accuracy = {r.run_id: accuracy_on(r.module, data.x_test, data.y_test) for r in (one, two)}
    assert accuracy[one.run_id] >= 0.8 and accuracy[two.run_id] >= 0.8
    assert abs(accuracy[one.run_id] - accuracy[two.run_id]) <= 0.1  # the same class
    # rank 0's per-epoch history came back to this process
    assert list(two.history["epoch"]) == [1, 2]
    assert two.history["val_acc"].between(0, 1).all()
    assert two.summary["epochs_run"] == EPOCHS

    runs = client.search_runs([experiment_id])
    assert sorted(r.info.run_name for r in runs) == ["ddp__one__seed0", "ddp__two__seed0"]
    assert all(r.info.status == "FINISHED" for r in runs)
    history = client.get_metric_history(two.run_id, "val_acc")
    assert [m.step for m in history] == [0, 1]  # written once per epoch, not once per rank


def test_an_error_in_a_rank_reaches_the_caller_as_itself(data, tmp_path, tracked):
    client, experiment_id = tracked
    with pytest.raises(NonFiniteLossError, match="train_loss became nan in epoch 1"):
        _fit(data, tmp_path, "diverges", lr=1e30, strategy="ddp", devices=2)
    for run in client.search_runs([experiment_id]):  # nothing is left RUNNING
        assert run.info.status != "RUNNING"


def test_ddp_names_start_only_the_fit_on_one_machine():
    for name in ("ddp", "ddp_spawn"):
        strategy = distributed.ddp_strategy(name)
        assert isinstance(strategy, distributed.InProcessDDPStrategy)
        assert strategy._start_method == "spawn"  # not "popen": the command line is not re-run
    assert distributed.ddp_strategy("ddp_notebook")._start_method == "fork"
    assert distributed.ddp_strategy("auto") == "auto"
    trainer = build_trainer(TrainerConfig(accelerator="cpu", devices=2, strategy="ddp"))
    assert isinstance(trainer.strategy, distributed.InProcessDDPStrategy)
    assert trainer.num_devices == 2


def test_a_torchrun_rank_is_one_process_of_the_job(monkeypatch):
    # what torchrun sets in each process it starts: then nothing is spawned here
    for key, value in {
        "TORCHELASTIC_RUN_ID": "test",
        "WORLD_SIZE": "2",
        "RANK": "0",
        "LOCAL_RANK": "0",
        "GROUP_RANK": "0",
        "LOCAL_WORLD_SIZE": "2",
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": "29512",
    }.items():
        monkeypatch.setenv(key, value)
    trainer = build_trainer(TrainerConfig(accelerator="cpu", devices=2, strategy="ddp"))
    assert trainer.strategy.cluster_environment.creates_processes_externally
    assert not isinstance(trainer.strategy.launcher, distributed._RelayingLauncher)


def test_a_test_pass_on_one_device_runs_here_whatever_the_strategy():
    cfg = TrainerConfig(accelerator="cpu", devices=2, strategy="ddp", num_nodes=2)
    trainer = build_trainer(cfg, devices=1)
    assert trainer.num_devices == 1 and trainer.num_nodes == 1
    assert not isinstance(trainer.strategy, pl.strategies.DDPStrategy)


def test_an_unknown_strategy_fails_naming_the_allowed_ones():
    with pytest.raises(ValueError, match=r"trainer.strategy 'dpp' .* allowed: auto, .*ddp"):
        build_trainer(TrainerConfig(accelerator="cpu", strategy="dpp"))


@pytest.mark.slow
def test_a_kedro_run_trains_on_two_processes_from_its_parameters(kedro_project, project_copy):
    project = project_copy("ddp_run")
    shutil.copytree(kedro_project.path / "data", project.path / "data", dirs_exist_ok=True)
    ddp = "vision.trainer.strategy=ddp,vision.trainer.devices=2,vision.trainer.accelerator=cpu"
    done = project.run("--pipelines", "vision", "--namespaces", "baseline", "--params", ddp)
    assert "distributed_backend=gloo" in done.stdout + done.stderr  # it did run on 2 ranks

    client = MlflowClient(tracking_uri=project.tracking_uri)
    experiment = client.get_experiment_by_name("dl-lab/vision")
    runs = client.search_runs([experiment.experiment_id])
    (parent,) = [r for r in runs if r.info.run_name == "vision"]  # the command ran once
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    names = [r.info.run_name for r in children]
    assert names and len(names) == len(set(names)) == len(runs) - 1  # one run per variant
    assert all(r.info.status == "FINISHED" for r in runs)
    steps = [m.step for m in client.get_metric_history(children[0].info.run_id, "val_acc")]
    assert steps and steps == list(range(len(steps)))  # once per epoch, not once per rank

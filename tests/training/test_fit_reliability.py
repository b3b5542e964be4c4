"""fit's promises: a NaN loss fails the run clearly, the same seed repeats the
numbers, and an interrupted run resumes from its last checkpoint, but only its own."""

from __future__ import annotations

import mlflow
import pytest
from mlflow.tracking import MlflowClient

from dl_lab.data.synthetic import synthetic_bundle
from dl_lab.errors import NonFiniteLossError
from dl_lab.tracking import RunIdentity
from dl_lab.training.config import EarlyStoppingConfig, TrainerConfig, VariantSpec
from dl_lab.training.fit import FitJob, fit, fit_all


@pytest.fixture
def tracking(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment(  # artifacts beside the store, not in ./mlruns
        experiment_id=mlflow.create_experiment("test", (tmp_path / "mlruns").as_uri())
    )
    yield MlflowClient(uri)
    mlflow.set_tracking_uri(None)


@pytest.fixture
def bundle():
    return synthetic_bundle()


def _runs(tmp_path, name, seed=7):
    """The checkpoint folder of the run ``name`` (its identity's run name)."""
    return tmp_path / "ckpt" / RunIdentity("test", "t", name, seed).name


def _fit(bundle, tmp_path, lr=1e-2, epochs=3, name="run", seed=7, schedule=None):
    variant = VariantSpec(
        architecture="mlp",
        model={"depth": 1, "width": 16},
        optimizer={"name": "sgd", "lr": lr},
        schedule=schedule or {},
    )
    cfg = TrainerConfig(
        max_epochs=epochs,
        batch_size=16,
        checkpoint_dir=str(tmp_path / "ckpt"),
        early_stopping=EarlyStoppingConfig(enabled=False),
    )
    return fit(bundle, variant, cfg, RunIdentity("test", "t", name, seed))


def test_nan_loss_stops_with_reason_and_fails_the_run(bundle, tmp_path, tracking):
    with pytest.raises(NonFiniteLossError, match="train_loss became nan in epoch 1"):
        _fit(bundle, tmp_path, lr=1e30)
    (run,) = tracking.search_runs([mlflow.get_experiment_by_name("test").experiment_id])
    assert run.info.status == "FAILED"
    assert "NonFiniteLossError" in run.data.tags["failure_reason"]


def test_same_seed_same_metrics(bundle, tmp_path, tracking):
    first = _fit(bundle, tmp_path, name="a").history
    second = _fit(bundle, tmp_path, name="b").history
    cols = ["train_loss", "val_loss", "val_acc"]
    assert first[cols].equals(second[cols])


def _interrupt(tmp_path, name="resume"):
    """Turn a finished run's best checkpoint into what a kill leaves behind: ``last.ckpt``."""
    (folder,) = [f for f in _runs(tmp_path, name).iterdir() if (f / "best.ckpt").is_file()]
    (folder / "best.ckpt").replace(folder / "last.ckpt")
    return folder


def test_interrupted_run_resumes_from_last_checkpoint(bundle, tmp_path, tracking):
    first = _fit(bundle, tmp_path, epochs=2, name="resume")
    assert first.summary["epochs_run"] == 2
    folder = _interrupt(tmp_path)
    resumed = _fit(bundle, tmp_path, epochs=4, name="resume")  # a longer budget still resumes
    history = resumed.history
    assert history["epoch"].tolist() == [1, 2, 3, 4]  # the whole history, not just 3-4
    cols = ["train_loss", "val_loss", "val_acc"]
    assert history[cols].head(2).equals(first.history[cols])  # epochs 1-2 were not retrained
    assert not (folder / "last.ckpt").exists()
    run = tracking.get_run(resumed.run_id)
    assert run.data.tags["resumed_after_epoch"] == "2"
    steps = [m.step for m in tracking.get_metric_history(resumed.run_id, "val_loss")]
    assert sorted(steps) == [0, 1, 2, 3]  # the new run's curves start at epoch 1 too
    assert resumed.summary["epochs_run"] == 4


def test_a_checkpoint_of_other_parameters_is_not_resumed(bundle, tmp_path, tracking):
    _fit(bundle, tmp_path, epochs=2, name="resume", lr=1e-2)
    interrupted = _interrupt(tmp_path)
    other = _fit(bundle, tmp_path, epochs=3, name="resume", lr=5e-2)  # e.g. another --env
    assert other.history["epoch"].tolist() == [1, 2, 3]  # trained from scratch
    assert "resumed_after_epoch" not in tracking.get_run(other.run_id).data.tags
    assert (interrupted / "last.ckpt").is_file()  # the interrupted run can still resume
    again = _fit(bundle, tmp_path, epochs=3, name="resume", lr=1e-2)
    assert tracking.get_run(again.run_id).data.tags["resumed_after_epoch"] == "2"
    # Both runs finished: their folders are cleared but for the latest one's.
    assert [f.name for f in _runs(tmp_path, "resume").iterdir()] == [interrupted.name]


def test_new_training_data_is_not_resumed_into(bundle, tmp_path, tracking):
    _fit(bundle, tmp_path, epochs=2, name="resume")
    _interrupt(tmp_path)
    bundle = bundle.with_train(bundle.x_train.flip(0), bundle.y_train)  # e.g. new incoming data
    assert _fit(bundle, tmp_path, epochs=3, name="resume").history["epoch"].tolist() == [1, 2, 3]


@pytest.mark.parametrize("damage", ["unreadable", "past_the_budget"])
def test_an_unusable_last_checkpoint_means_a_fresh_start(bundle, tmp_path, tracking, damage):
    _fit(bundle, tmp_path, epochs=3, name="resume")
    folder = _interrupt(tmp_path)
    if damage == "unreadable":
        (folder / "last.ckpt").write_bytes(b"truncated by a kill")
    rerun = _fit(bundle, tmp_path, epochs=3 if damage == "unreadable" else 1, name="resume")
    assert rerun.history["epoch"].tolist() == list(range(1, len(rerun.history) + 1))
    assert "resumed_after_epoch" not in tracking.get_run(rerun.run_id).data.tags


def test_a_schedule_from_parameters_moves_the_rate_and_survives_a_resume(
    bundle, tmp_path, tracking
):
    halving = {"name": "step", "step_size": 1, "gamma": 0.5}
    steady = _fit(bundle, tmp_path, epochs=3, name="steady")
    assert steady.history["lr"].tolist() == pytest.approx([1e-2] * 3)
    stepped = _fit(bundle, tmp_path, epochs=3, name="stepped", schedule=halving)
    assert stepped.history["lr"].tolist() == pytest.approx([1e-2, 5e-3, 2.5e-3])
    assert not stepped.history["val_loss"].equals(steady.history["val_loss"])
    _fit(bundle, tmp_path, epochs=2, name="resumed", schedule=halving)
    _interrupt(tmp_path, "resumed")
    resumed = _fit(bundle, tmp_path, epochs=3, name="resumed", schedule=halving)
    assert resumed.history["lr"].tolist() == pytest.approx(stepped.history["lr"].tolist())
    # The shuffling restarts from the seed on a resume, so epoch 3 sees another batch order:
    # close, not equal (the learning rate, which the schedule sets, is equal).
    resumed_loss = resumed.history["val_loss"].tolist()
    assert resumed_loss == pytest.approx(stepped.history["val_loss"].tolist(), rel=1e-3)


def test_per_batch_schedules_step_every_update(bundle, tmp_path, tracking):
    run = _fit(bundle, tmp_path, epochs=2, name="warm", schedule={"name": "warmup"})
    # 96 samples / batch 16 = 6 updates an epoch; the one-epoch warm-up ends at the base rate
    assert run.history["lr"].tolist() == pytest.approx([1e-2, 1e-2])
    cycle = _fit(bundle, tmp_path, epochs=2, name="cycle", schedule={"name": "one_cycle"})
    first, second = cycle.history["lr"]  # past the peak (30% of the run) and annealing
    assert 1e-3 < first < 1e-2 and second < first / 10


def _job(bundle, tmp_path, name, width, lr=1e-2):
    variant = VariantSpec(
        architecture="mlp", model={"depth": 1, "width": width}, optimizer={"name": "sgd", "lr": lr}
    )
    cfg = TrainerConfig(
        max_epochs=2,
        batch_size=16,
        checkpoint_dir=str(tmp_path / "ckpt"),
        early_stopping=EarlyStoppingConfig(enabled=False),
    )
    return FitJob(bundle, variant, cfg, RunIdentity("test", "t", name, 7))


def test_the_pool_trains_the_longest_fits_first_and_answers_by_job(bundle, tmp_path, tracking):
    jobs = [_job(bundle, tmp_path, f"w{w}", w) for w in (4, 64, 16)]
    costs = [job.expected_cost() for job in jobs]
    assert costs[1] > costs[2] > costs[0]  # wider: more FLOPs
    results = dict(fit_all(jobs, workers=2))
    assert sorted(results) == [0, 1, 2]
    for index, result in results.items():  # each answer is its own job's
        assert result.identity.variant == jobs[index].identity.variant


def test_a_failed_fit_on_the_pool_fails_its_own_run(bundle, tmp_path, tracking):
    jobs = [_job(bundle, tmp_path, "small", 4), _job(bundle, tmp_path, "nan", 64, lr=1e30)]
    with pytest.raises(NonFiniteLossError):
        list(fit_all(jobs, workers=2))
    runs = tracking.search_runs([mlflow.get_experiment_by_name("test").experiment_id])
    failed = [r.info.run_name for r in runs if r.info.status == "FAILED"]
    assert failed == ["t__nan__seed7"]

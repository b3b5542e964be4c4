"""SIGTERM (a scheduler stopping the task) or Ctrl+C ends the runs FAILED; training resumes."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import mlflow
import pytest
import yaml
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from rich.console import Console
from rich.traceback import Traceback as RichTraceback

from dl_lab import errors, tracking
from dl_lab.data.synthetic import synthetic_bundle
from dl_lab.errors import Terminated
from dl_lab.hooks import FailOnStopSignalHook
from dl_lab.tracking import RunIdentity
from dl_lab.training.callbacks import HistoryCallback
from dl_lab.training.config import EarlyStoppingConfig, TrainerConfig, VariantSpec
from dl_lab.training.fit import fit

KEDRO = Path(sys.executable).with_name("kedro")
WIND_DOWN_S = 300  # from the stop signal to the end of `kedro run`, however loaded the host


def _fit(tmp_path):
    variant = VariantSpec(architecture="mlp", model={"depth": 1, "width": 8})
    cfg = TrainerConfig(
        max_epochs=4,
        batch_size=16,
        checkpoint_dir=str(tmp_path / "ckpt"),
        early_stopping=EarlyStoppingConfig(enabled=False),
    )
    data = synthetic_bundle((64, 32, 32), classes=2)
    return fit(data, variant, cfg, RunIdentity("test", "termination", "stopped", 3))


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_during_training_fails_the_run_and_the_rerun_resumes(
    tmp_path, monkeypatch, stop
):
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_experiment(  # artifacts beside the store, not in ./mlruns
        experiment_id=mlflow.create_experiment("sigterm", (tmp_path / "mlruns").as_uri())
    )
    start_epoch = HistoryCallback.on_train_epoch_start

    def stop_in_epoch_3(self, trainer, module):
        start_epoch(self, trainer, module)
        if trainer.current_epoch == 2:
            os.kill(os.getpid(), stop)  # SIGTERM: what Airflow sends on a timeout

    hook = FailOnStopSignalHook()
    previous = signal.getsignal(stop)
    hook.before_pipeline_run()
    try:
        with monkeypatch.context() as patch:
            patch.setattr(HistoryCallback, "on_train_epoch_start", stop_in_epoch_3)
            with pytest.raises(Terminated, match=f"stopped by {stop.name}"):
                _fit(tmp_path)
    finally:
        hook.on_pipeline_error()
    assert signal.getsignal(stop) == previous  # put back after the run
    client = MlflowClient()
    (stopped,) = client.search_runs([mlflow.get_experiment_by_name("sigterm").experiment_id])
    assert stopped.info.status == "FAILED"
    assert stopped.data.tags["failure_reason"].startswith(f"Terminated: stopped by {stop.name}")
    resumed = _fit(tmp_path)
    assert client.get_run(resumed.run_id).data.tags["resumed_after_epoch"] == "2"
    assert resumed.history["epoch"].tolist() == [1, 2, 3, 4]
    mlflow.set_tracking_uri(None)


@pytest.mark.slow
def test_sigterm_or_ctrl_c_to_kedro_run_closes_every_run_as_failed(fresh_project):
    # One training run: the copy's baseline study trains one seed, for 200 epochs (conf/base
    # holds the lists of seeds; a kedro run refuses --params that change them).
    path = fresh_project.path / "conf/base/parameters_vision.yml"
    parameters = yaml.safe_load(path.read_text())
    parameters["vision"]["studies"]["baseline"]["lenet5"].update(max_epochs=200, seeds=[0])
    path.write_text(yaml.safe_dump(parameters))
    fresh_project.run("--pipelines", "data_processing")
    client = MlflowClient(tracking_uri=fresh_project.tracking_uri)
    for stop in (signal.SIGTERM, signal.SIGINT):
        output, returncode = _stop_kedro_run_in_training(fresh_project, stop)
        assert returncode == 1, output[-4000:]
        assert f"Terminated: stopped by {stop.name}" in output
    runs = client.search_runs([client.get_experiment_by_name("dl-lab/vision").experiment_id])
    assert len(runs) == 4  # two `kedro run` parents, two training runs
    assert {run.info.status for run in runs} == {"FAILED"}
    reasons = sorted(
        run.data.tags["failure_reason"] for run in runs if "mlflow.parentRunId" in run.data.tags
    )
    assert [reason.split(" (pid")[0] for reason in reasons] == [
        "Terminated: stopped by SIGINT",
        "Terminated: stopped by SIGTERM",
    ]


def _stop_kedro_run_in_training(project, stop: signal.Signals) -> tuple[str, int]:
    """Start `kedro run` on the baseline variant; send ``stop`` once it is training (its
    first checkpoint is written) and return its output and exit status once it has ended.

    A run that outlives its wind-down bound is killed (with any worker it started: its
    process group) and fails the test, so that no hung process outlives the test.
    """
    env = dict(os.environ, KEDRO_DISABLE_TELEMETRY="true", MPLBACKEND="Agg", COLUMNS="200")
    env.pop("MLFLOW_TRACKING_URI", None)
    checkpoints = project.path / "data/06_models/checkpoints/vision"
    for old in checkpoints.glob("*/*/last.ckpt"):  # the previous stop's, resumed by this run
        old.unlink()
    worker = subprocess.Popen(
        [
            *(str(KEDRO), "run", "--env", "test", "--pipelines", "vision"),
            *("--namespaces", "baseline"),
            # Long enough that the signal surely lands in training, however loaded the host.
            *("--params", "vision.trainer.epoch_limit=200"),
        ],
        cwd=project.path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: the CLI and any worker process
    )
    try:
        deadline = time.monotonic() + 600
        while not any(checkpoints.glob("*/*/last.ckpt")):
            assert worker.poll() is None, worker.communicate()[0][-4000:]
            assert time.monotonic() < deadline, "no checkpoint written in 600 s"
            time.sleep(0.1)
        worker.send_signal(stop)
        try:
            # Winding down takes seconds of CPU; the bound is for a hung process, not a slow one.
            output = worker.communicate(timeout=WIND_DOWN_S)[0]
        except subprocess.TimeoutExpired as late:
            os.killpg(worker.pid, signal.SIGKILL)
            output = (late.output or "") + worker.communicate()[0]
            pytest.fail(f"still running {WIND_DOWN_S} s after {stop.name}:\n{output[-6000:]}")
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    return output, worker.returncode


def test_a_stop_that_mlflow_wraps_propagates_as_a_terminated_whose_traceback_prints(tracked):
    """A signal that lands inside an MLflow request comes back as MLflow's error raised from
    the stop. What propagates is a ``Terminated`` caused by that error, with no cycle in its
    chain: ``raise stop from err`` made one (stop -> err -> stop), and rich, which prints
    ``kedro run``'s traceback, then looped for good instead of exiting."""
    stop = Terminated("stopped by SIGTERM (pid 1)")
    with pytest.raises(Terminated, match="stopped by SIGTERM") as raised:
        with tracking.child_run("stopped", {}, {}):
            try:
                raise stop
            except Terminated as err:
                raise MlflowException("the request was interrupted") from err
    assert isinstance(raised.value.__cause__, MlflowException)
    link, seen = raised.value, set()
    while link is not None:  # the links rich follows: the cause, else an unsuppressed context
        assert id(link) not in seen, "the chain of causes has a cycle"
        seen.add(id(link))
        shown = link.__context__ if not link.__suppress_context__ else None
        link = link.__cause__ or shown
    console = Console(file=io.StringIO(), width=100)
    console.print(
        RichTraceback.from_exception(Terminated, raised.value, raised.value.__traceback__)
    )
    assert "stopped by SIGTERM" in console.file.getvalue()
    client, experiment_id = tracked
    (run,) = client.search_runs([experiment_id])
    assert run.data.tags["failure_reason"] == "Terminated: stopped by SIGTERM (pid 1)"


def test_a_second_ctrl_c_stops_at_once_and_a_second_sigterm_lets_the_clean_up_finish():
    hook = FailOnStopSignalHook()
    with pytest.raises(Terminated):
        hook._stop(signal.SIGINT, None)
    with pytest.raises(KeyboardInterrupt):
        hook._stop(signal.SIGINT, None)
    assert hook._stop(signal.SIGTERM, None) is None  # ignored: the first one is being handled
    hook.on_pipeline_error()  # the clean-up forgets the stop: a later run is not "stopped"
    assert errors.stop_behind(ValueError("later")) is None

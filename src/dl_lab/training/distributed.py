"""Lightning DDP from parameters, inside a Kedro node.

``strategy: ddp`` with ``devices: N`` trains on N processes. Lightning's own ``ddp`` starts
ranks 1..N-1 by running the command line again (``sys.argv``), which for us is the whole
``kedro run``: every rank would run every node. So, on one machine, the DDP strategies here
start their ranks as spawned processes that run only the fit (Lightning's ``ddp_spawn``
launcher). When the processes already exist (``torchrun``, SLURM with one task per device,
MPI), Lightning's cluster environment says so and each process is one rank, as usual.

What a spawned fit leaves in the calling process: the last weights, the best checkpoint's
path (Lightning does both), and, added here, every callback's final state as rank 0 had it
(``state_dict``/``load_state_dict``, as when a checkpoint is loaded): the per-epoch
history among them. An error in a rank reaches the caller as itself (a
``NonFiniteLossError`` stays one), and a stop in the caller ends the ranks.

Only rank 0 writes: Lightning's loggers and checkpoints are rank-zero only, and the
metrics are torchmetrics objects, whose ``compute`` reduces over the ranks.
"""

from __future__ import annotations

import io
import pickle
import shutil
import tempfile
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.strategies import DDPStrategy, StrategyRegistry
from lightning.pytorch.strategies.launchers.multiprocessing import _MultiProcessingLauncher
from lightning.pytorch.strategies.launchers.subprocess_script import _SubprocessScriptLauncher
from lightning.pytorch.trainer.connectors.accelerator_connector import _IS_INTERACTIVE
from torch.multiprocessing import ProcessRaisedException

# A DDP strategy name -> how its ranks start when nothing outside started them: "spawn"
# (fresh interpreters; everything they get is pickled) or "fork" (a copy of this process;
# the only way in a notebook). Lightning's plain "ddp" would re-run the command line.
START_METHODS = {"ddp": "spawn", "ddp_spawn": "spawn", "ddp_fork": "fork", "ddp_notebook": "fork"}
CALLBACK_STATES = "dl_lab_callback_states"


def strategies() -> list[str]:
    """The strategy names a trainer block may give: ``auto`` and Lightning's registry."""
    return ["auto", *sorted(StrategyRegistry.available_strategies())]


def check_strategy(name: str) -> str:
    """``name`` if Lightning knows it, else one error listing the names it knows."""
    allowed = strategies()
    if name not in allowed:
        raise ValueError(
            f"trainer.strategy {name!r} is not a Lightning strategy; allowed: "
            f"{', '.join(allowed)} (several processes on one machine: ddp)"
        )
    return name


def start_method(name: str) -> str | None:
    """How the ranks of strategy ``name`` start (``spawn``/``fork``); None: not a DDP
    strategy of ours (``auto``, ``fsdp``, ... go to Lightning unchanged)."""
    method = START_METHODS.get(name)
    if method == "spawn" and _IS_INTERACTIVE:
        return "fork"  # spawn cannot re-import a notebook's code
    return method


def ddp_strategy(name: str) -> pl.strategies.Strategy | str:
    """The strategy for the trainer flag ``name``: ours for the DDP names, else ``name``."""
    method = start_method(name)
    if method is None:
        return name
    return InProcessDDPStrategy(start_method=method)


def processes(devices: int | str, num_nodes: int = 1) -> int | None:
    """Processes a fit with ``devices`` per node starts on this machine, if known (``auto``
    and device lists leave it to Lightning: None)."""
    if isinstance(devices, int):
        return devices
    if isinstance(devices, str) and devices.strip().isdigit():
        return int(devices)
    return None


class InProcessDDPStrategy(DDPStrategy):
    """DDP whose ranks run only the fit: spawned (or forked) here, unless they exist already.

    Where a cluster environment creates the processes (torchrun, SLURM, MPI), this is
    Lightning's DDP as is: each process is one rank and nothing is started.
    """

    def _configure_launcher(self) -> None:
        assert self.cluster_environment is not None
        if self.cluster_environment.creates_processes_externally:
            # Lightning's launcher for that case starts nothing: it calls the fit in place.
            self._launcher = _SubprocessScriptLauncher(
                self.cluster_environment, self.num_processes, self.num_nodes
            )
        else:
            self._launcher = _RelayingLauncher(self, start_method=self._start_method)


class _RelayingLauncher(_MultiProcessingLauncher):
    """Lightning's spawn/fork launcher, which also brings back rank 0's callback states and
    a rank's error as itself, and ends the ranks when the caller stops."""

    def __init__(self, strategy: pl.strategies.ParallelStrategy, start_method: str) -> None:
        super().__init__(strategy, start_method=start_method)
        self._errors: str | None = None  # a folder each failing rank leaves its error in

    def launch(self, function: Any, *args: Any, trainer: pl.Trainer | None = None, **kwargs: Any):
        self._errors = tempfile.mkdtemp(prefix="dl_lab_ddp_")
        try:
            return super().launch(function, *args, trainer=trainer, **kwargs)
        except ProcessRaisedException as err:
            original = _load_error(Path(self._errors) / f"rank{err.error_index}.pickle")
            if original is None:
                raise
            raise original from err
        except BaseException:
            self._end_ranks()  # a stop (Terminated, Ctrl+C) here: no rank trains on alone
            raise
        finally:
            shutil.rmtree(self._errors, ignore_errors=True)

    def _wrapping_function(self, process_idx: int, *args: Any, **kwargs: Any) -> None:
        try:
            super()._wrapping_function(process_idx, *args, **kwargs)
        except BaseException as err:
            _save_error(err, Path(self._errors) / f"rank{process_idx}.pickle")
            raise

    def get_extra_results(self, trainer: pl.Trainer) -> dict[str, Any]:
        extra = super().get_extra_results(trainer)
        states = {cb.state_key: cb.state_dict() for cb in trainer.callbacks}
        buffer = io.BytesIO()
        torch.save({k: v for k, v in states.items() if v}, buffer)  # bytes: no shared memory
        extra[CALLBACK_STATES] = buffer.getvalue()
        return extra

    def update_main_process_results(self, trainer: pl.Trainer, extra: dict[str, Any]) -> None:
        super().update_main_process_results(trainer, extra)
        states = torch.load(io.BytesIO(extra[CALLBACK_STATES]), weights_only=True)
        for callback in trainer.callbacks:
            if callback.state_key in states:
                callback.load_state_dict(states[callback.state_key])

    def _end_ranks(self) -> None:
        for process in self.procs:
            if process.is_alive():
                process.kill()
        for process in self.procs:
            process.join(timeout=10)


def _save_error(err: BaseException, path: Path) -> None:
    """Leave a rank's error for the caller, if it pickles (most errors do)."""
    try:
        path.write_bytes(pickle.dumps(err))
    except Exception:  # an unpicklable error: the caller gets torch's text of it
        pass


def _load_error(path: Path) -> BaseException | None:
    """The error a rank left in the folder this process made for it, if any."""
    if not path.exists():
        return None
    try:
        return pickle.loads(path.read_bytes())
    except Exception:
        return None

"""dl-lab's ``kedro run``: Kedro's own command, with bad input reported as one message.

Kedro takes a project's commands from ``<package>.cli`` before its own, so ``kedro run``
and ``python -m dl_lab`` both run ``run`` below: Kedro's ``run``, with the same options
and the same behaviour, except for what a failure prints. A mistake in what the user gave
(a ``UserInputError`` anywhere in the error's chain of causes, or Kedro's validation of
typed node parameters) prints one block on stderr, saying what is wrong and what is
allowed, and exits with status 2, as a bad command-line option does. Any other error is a
bug, and keeps its full traceback.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import click
from kedro.config import MissingConfigException
from kedro.framework.cli.project import run as kedro_run
from kedro.framework.cli.utils import _split_params, env_option
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.validation.exceptions import ParameterValidationError

from dl_lab import errors

BAD_INPUT = 2  # click's exit status for a usage error
QUIET = (None, "value_error", "missing")  # errors whose message already says what was given

_PARAMETER = re.compile(r"^- Parameter '(?P<key>[^']+)': (?P<rest>.*)$")
_MODEL_ERRORS = re.compile(
    r"^Failed to instantiate \w+ for parameter '[^']+': \d+ validation errors? for \w+$"
)
_PROBLEM = re.compile(
    r"^  (?P<msg>\S.*?)(?: \[type=(?P<type>\w+), input_value=(?P<got>.*), input_type=\w+\])?$"
)


def parameter_problems(text: str) -> list[str]:
    """``<key>: <what is wrong>`` lines from the text of Kedro's ParameterValidationError.

    Kedro keeps only the text of the Pydantic errors behind it: a ``- Parameter '<block>':``
    line per block, then Pydantic's own rendering (a location line, an indented message
    with ``[type=..., input_value=...]``, a documentation link). Anything not in that form
    is kept as it is.
    """
    lines: list[str] = []
    key, location = "", ""
    for line in text.splitlines():
        header = _PARAMETER.match(line)
        if header:
            key, location = header["key"], ""
            if not _MODEL_ERRORS.match(header["rest"]):
                lines.append(f"{key}: {header['rest']}")
            continue
        if not line.strip() or line.startswith(("Parameter validation failed", "    For further")):
            continue
        problem = _PROBLEM.match(line)
        if problem and key:
            where = ".".join(part for part in (key, location) if part)
            message = problem["msg"].removeprefix("Value error, ")
            got = f" (got {problem['got']})" if problem["type"] not in QUIET else ""
            lines.append(f"{where}: {message}{got}")
        elif key and not line.startswith(" "):
            location = line.strip()
        else:
            lines.append(line.strip())
    return lines


def user_message(err: BaseException) -> str | None:
    """What to tell the user about ``err`` if it is bad input; None if it is a bug."""
    found = errors.user_error_behind(err)
    if found is not None:
        return str(found)
    for link in errors.chain(err):
        if isinstance(link, ParameterValidationError):
            problems = parameter_problems(str(link)) or [str(link)]
            return "bad parameters:\n" + "\n".join(f"  - {line}" for line in problems)
    return None


class ReportsBadInput(click.Command):
    """A command whose bad-input errors print one message and exit with status 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as err:
            message = user_message(err)
            if message is None:
                raise
            click.secho(f"Error: {message}", err=True, fg="red")
            ctx.exit(BAD_INPUT)


@click.group(name="dl_lab")
def cli() -> None:
    """dl-lab's project commands (Kedro's, with ``run`` reporting bad input plainly)."""


run = ReportsBadInput(
    name="run",
    params=kedro_run.params,
    callback=kedro_run.callback,
    help=kedro_run.help,
    short_help=kedro_run.short_help,
    context_settings=kedro_run.context_settings,
)
cli.add_command(run)


# --- kedro tune-worker: one more worker on the study of a `kedro run --pipelines tuning` ---


@cli.command("tune-worker", cls=ReportsBadInput)
@env_option
@click.option(
    "--params",
    default="",
    callback=_split_params,
    help="Parameter overrides, as for kedro run: key=value,key2=value2.",
)
@click.option(
    "--worker",
    type=click.IntRange(min=1),
    required=True,
    help="This worker's index, 1, 2, ...: sets its sampler's seed apart (the kedro run is 0).",
)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=600.0,
    show_default=True,
    help="Seconds to wait for the kedro run to start the study's MLflow run.",
)
def tune_worker(env: str | None, params: dict[str, Any], worker: int, wait: float) -> None:
    """Run trials of the tuning study beside a `kedro run --pipelines tuning`.

    Started beside that run (on this machine, or on another with a PostgreSQL storage), a
    worker reads the same configuration (--env, --params) and model_input, runs trials into
    the same Optuna study and MLflow study run until the study has tuning.n_trials, and
    exits; the kedro run waits for its trials, then summarizes and retrains the best
    (docs/scale.md).
    """
    # imported here, not at the top: Kedro loads this module for every command it runs
    from kedro.framework.project import settings

    from dl_lab.findings.tuning import TuningParams
    from dl_lab.hooks import FailOnStopSignalHook
    from dl_lab.pipelines.tuning.nodes import PIPELINE
    from dl_lab.tuning.config import TuningConfig
    from dl_lab.tuning.runs import study_identity
    from dl_lab.tuning.search import join_study, wait_for_study_run
    from dl_lab.tuning.study import open_study

    project = bootstrap_project(Path.cwd())
    loader = settings.CONFIG_LOADER_CLASS(
        conf_source=str(project.project_path / settings.CONF_SOURCE),
        env=env,
        runtime_params=params,
        **settings.CONFIG_LOADER_ARGS,
    )
    parameters = loader["parameters"]
    _export_credentials(loader)
    tuning = TuningParams.model_validate(parameters["tuning"])
    study = TuningConfig.model_validate({**tuning.study().model_dump(), "worker": worker})
    seed = int(parameters["seed"])
    # Nothing touches MLflow before the kedro run has started the study (and so the store).
    shared = open_study(study, seed)
    run_id = wait_for_study_run(shared, wait_s=wait)
    with KedroSession.create(env=env, runtime_params=params) as session:
        context = session.load_context()  # kedro-mlflow points MLflow at the project's store
        data = context.catalog.load("model_input")
        identity = study_identity(PIPELINE, study, data, seed)
        stops = FailOnStopSignalHook()  # SIGTERM and Ctrl+C fail the trial, as in a kedro run
        stops.before_pipeline_run()
        try:
            ran = join_study(shared, run_id, data, study, identity)
        finally:
            stops.after_pipeline_run()
    click.echo(f"tune-worker {worker}: ran {ran} trials of study {study.study_name!r}")


def _export_credentials(loader: Any) -> None:
    """Export the credentials block that ``conf/base/mlflow.yml`` names (``server.credentials``)
    as environment variables, as kedro-mlflow does when a run starts: the worker opens the
    study (PGPASSWORD) before it starts a Kedro session."""
    loader.config_patterns.setdefault("mlflow", ["mlflow*", "mlflow*/**", "**/mlflow*"])
    name = (loader["mlflow"].get("server") or {}).get("credentials")
    if not name:
        return
    try:
        credentials = loader["credentials"]
    except MissingConfigException:  # no credentials file: nothing to export
        return
    os.environ.update({k: str(v) for k, v in (credentials.get(name) or {}).items()})

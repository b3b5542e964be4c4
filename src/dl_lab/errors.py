"""Run-control errors: what stops a run on purpose, and the stop a signal asked for.

A stop signal (SIGTERM from a scheduler, Ctrl+C) is turned into ``Terminated`` by
``dl_lab.hooks.FailOnStopSignalHook``. Python raises it wherever the main thread happens to
be, and a library may catch it there and raise its own error instead (MLflow wraps it in
an ``MlflowException`` when the signal lands inside one of its requests). The stop is
therefore also recorded here, so whoever closes a run can tell that the run was stopped,
whatever error reached it: ``stop_behind(err)``.
"""

from __future__ import annotations

from collections.abc import Iterator


class NonFiniteLossError(RuntimeError):
    """The training loss became NaN or Inf; the run is stopped and marked failed."""


class Terminated(RuntimeError):
    """The process was told to stop (SIGTERM from a scheduler, or Ctrl+C); the run fails."""


_requested: Terminated | None = None


def request_stop(reason: str) -> Terminated:
    """Record that the process was told to stop; returns the error to raise."""
    global _requested
    _requested = Terminated(reason)
    return _requested


def clear_stop() -> None:
    """Forget a recorded stop (a new pipeline run starts, or the old one is cleaned up)."""
    global _requested
    _requested = None


def stop_behind(err: BaseException) -> Terminated | None:
    """The ``Terminated`` that ``err`` is, was caused by, or stands in for; None if none.

    ``err`` stands in for a stop when one was requested while it was being raised: a
    library that caught ``Terminated`` may have dropped it from the chain of causes.
    """
    seen: set[int] = set()
    link: BaseException | None = err
    while link is not None and id(link) not in seen:
        if isinstance(link, Terminated):
            return link
        seen.add(id(link))
        link = link.__cause__ or link.__context__
    return _requested


class UserInputError(ValueError):
    """Bad input from whoever runs dl-lab: a parameter, a data file or a name that does not
    exist. Its message says what is wrong and what is allowed; ``kedro run`` prints it alone
    (no traceback, exit status 2). A ``ValueError``, so code that already catches those
    still does."""


class ConfigError(UserInputError):
    """A parameter (conf/<env>/parameters*.yml or ``--params``) is wrong."""


class DataFileError(UserInputError):
    """A data file is missing, unreadable, or holds what dl-lab cannot use."""


class MissingFileError(DataFileError, FileNotFoundError):
    """A data file (or the folder of a data set) that a run needs does not exist."""


def chain(err: BaseException) -> Iterator[BaseException]:
    """``err``, then what it was raised from or while handling, and so on."""
    seen: set[int] = set()
    link: BaseException | None = err
    while link is not None and id(link) not in seen:
        yield link
        seen.add(id(link))
        link = link.__cause__ or link.__context__


def user_error_behind(err: BaseException) -> UserInputError | None:
    """The ``UserInputError`` that ``err`` is or was raised from (its causes and contexts)."""
    return next((link for link in chain(err) if isinstance(link, UserInputError)), None)


def validation_lines(key: str, err: Exception) -> list[str]:
    """One ``<key>.<field>: <message> (got <value>)`` line per problem of a Pydantic
    ``ValidationError`` raised validating the parameter block ``key``."""
    lines = []
    for problem in err.errors():  # type: ignore[attr-defined]
        where = ".".join(part for part in [key, *map(str, problem["loc"])] if part)
        message = problem["msg"].removeprefix("Value error, ")
        got = "" if problem["type"] == "value_error" else f" (got {problem['input']!r})"
        lines.append(f"{where}: {message}{got}")
    return lines

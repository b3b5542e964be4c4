"""The shared wiring helpers: every ``pipeline.py`` is written with these and nothing else.

* ``node(func, inputs={...}, outputs=..., **constants)``: a keyword-argument node; the
  constants (a study's name, a seed) are bound into ``func`` and do not appear as inputs.
* ``param("vision.trainer")``: the catalog name of a parameter block.
* ``studies(key)``/``VariantRun``: the study x variant x seed list read from conf/base, and
  ``namespaced(template, run, ...)`` turns one template into the copy for one run.
* ``base_parameters(key)``: a value of conf/base, read when a pipeline is built.

The pipeline registry has no handle on the run's ``--env``, so the lists that shape a
pipeline (studies, variants, seeds) are read from ``conf/base`` (DESIGN §4); environments
such as ``test`` and ``full`` change sizes, not the lists.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial, update_wrapper, wraps
from pathlib import Path
from typing import Any

from kedro.config import OmegaConfigLoader
from kedro.pipeline import Node, Pipeline

from dl_lab.parallel import limited_threads

SOURCE_CONF = Path(__file__).resolve().parents[3] / "conf"


def conf_source() -> Path:
    """The project's ``conf`` folder: the working directory's (as kedro runs) or the source tree's."""
    here = Path.cwd() / "conf"
    return here if (here / "base").is_dir() else SOURCE_CONF


_READ_WHEN_BUILT: set[str] = set()


def base_parameters(key: str | None = None) -> Any:
    """``parameters[key]`` from conf/base, with dotted keys for nested blocks (no key: all).

    A single value read here (not a block: its parts are node inputs) is remembered, so
    the run's check of unread keys knows that building a pipeline used it.
    """
    loader = OmegaConfigLoader(str(conf_source()), base_env="base", default_run_env="base")
    value: Any = loader["parameters"]
    for part in key.split(".") if key else []:
        if not isinstance(value, dict) or part not in value:
            raise KeyError(f"parameter {key!r} is missing from {conf_source() / 'base'}")
        value = value[part]
    if key and not isinstance(value, dict):
        _READ_WHEN_BUILT.add(key)
    return value


def read_when_built() -> set[str]:
    """The single values that building this process's pipelines read from conf/base."""
    return set(_READ_WHEN_BUILT)


def param(key: str) -> str:
    """The catalog name of the parameter block ``key``: ``params:<key>``."""
    return f"params:{key}"


def bound(func: Callable[..., Any], **constants: Any) -> Callable[..., Any]:
    """``func`` with ``constants`` bound; keeps its name, docstring and remaining signature.

    Kedro binds a node's inputs to the function's signature, so the bound names must be
    gone from it: ``__signature__`` says so (``inspect.signature`` stops there), while
    ``__wrapped__`` stays, so ``typing.get_type_hints`` still resolves the annotations of a
    module with ``from __future__ import annotations`` and Kedro validates typed parameters.
    """
    if not constants:
        return func
    part = partial(func, **constants)
    wrapper = update_wrapper(part, func)
    signature = inspect.signature(func)
    wrapper.__signature__ = signature.replace(
        parameters=[p for name, p in signature.parameters.items() if name not in constants]
    )
    return wrapper


def threaded(func: Callable[..., Any], threads: int | None) -> Callable[..., Any]:
    """``func`` run with ``threads`` torch and BLAS threads (None: leave the settings)."""
    if threads is None:
        return func

    @wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        with limited_threads(threads):
            return func(*args, **kwargs)

    return run


def node(
    func: Callable[..., Any],
    inputs: Mapping[str, str] | None = None,
    outputs: str | list[str] | Mapping[str, str] | None = None,
    *,
    name: str | None = None,
    namespace: str | None = None,
    threads: int | None = None,
    **constants: Any,
) -> Node:
    """A node calling ``func`` by keyword: ``inputs`` maps its arguments to dataset names.

    ``constants`` are bound into ``func``; ``name`` defaults to the function's name.
    """
    return Node(
        threaded(bound(func, **constants), threads),
        inputs=dict(inputs) if inputs else None,
        outputs=outputs,
        name=name or func.__name__,
        namespace=namespace,
    )


@dataclass(frozen=True)
class VariantRun:
    """One copy of a study's template: a variant of a study trained with one seed."""

    study: str
    variant: str
    seed: int

    @property
    def namespace(self) -> str:
        """The Kedro namespace of the copy: ``<study>.<variant>.seed<n>``."""
        return f"{self.study}.{self.variant}.seed{self.seed}"

    def parameter(self, pipeline: str) -> str:
        """The catalog name of this variant's block: ``params:<pipeline>.studies.<s>.<v>``."""
        return param(f"{pipeline}.studies.{self.study}.{self.variant}")


def variant_runs(studies: Mapping[str, Mapping[str, Any]], default_seed: int) -> list[VariantRun]:
    """Every (study, variant, seed); a variant without ``seeds`` runs with ``default_seed``."""
    return [
        VariantRun(study, variant, int(seed))
        for study, variants in studies.items()
        for variant, spec in variants.items()
        for seed in ((spec or {}).get("seeds") or [default_seed])
    ]


_BUILT_RUNS: dict[str, dict[str, dict[str, list[int]]]] = {}


def studies(pipeline: str) -> list[VariantRun]:
    """The runs of ``<pipeline>.studies`` in conf/base, seeds defaulting to ``seed``.

    They are remembered (``built_runs``): a run's check of its parameters refuses a study,
    variant or seed that another environment adds, which these runs would not include.
    """
    key = f"{pipeline}.studies"
    runs = variant_runs(base_parameters(key), int(base_parameters("seed")))
    built: dict[str, dict[str, list[int]]] = {}
    for run in runs:
        built.setdefault(run.study, {}).setdefault(run.variant, []).append(run.seed)
    _BUILT_RUNS[key] = built
    return runs


def built_runs() -> dict[str, dict[str, dict[str, list[int]]]]:
    """``{"<pipeline>.studies": {study: {variant: seeds}}}`` of the pipelines built so far."""
    return {
        key: {study: {v: list(seeds) for v, seeds in vs.items()} for study, vs in studies.items()}
        for key, studies in _BUILT_RUNS.items()
    }


def namespaced(
    template: Pipeline,
    namespace: str,
    *,
    inputs: Iterable[str] = (),
    parameters: Mapping[str, str] | None = None,
) -> Pipeline:
    """``template`` in ``namespace``; ``inputs`` and ``parameters`` stay shared (not prefixed)."""
    return Pipeline(
        template, namespace=namespace, inputs=set(inputs), parameters=dict(parameters or {})
    )

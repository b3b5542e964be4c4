"""What a ``kedro run`` checks before its first node runs, beyond Kedro's own validation.

Kedro validates a node parameter typed with a Pydantic model before any node runs. Three
things it leaves to the nodes, where they would fail late (after earlier nodes rewrote
their outputs) or not at all:

* the parameters every pipeline shares, plain values no model types (``seed``);
* keys that no pipeline of the run reads: a misspelt ``--params visoin.trainer...``, or a
  study, variant or seed that conf/local adds (the pipelines are built from conf/base's
  lists, so those runs would not exist), would be silently ignored;
* the run's input files: missing ones, and files that cannot be read.

``check_run`` raises a ``ConfigError`` or a ``DataFileError`` that says which key or
file is wrong and what is allowed; ``dl_lab.hooks.PreflightHook`` calls it before any
MLflow run opens.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kedro.pipeline import Pipeline
from pydantic import BaseModel, RootModel, ValidationError

from dl_lab.config import Seed, StrictModel
from dl_lab.errors import ConfigError, MissingFileError, validation_lines
from dl_lab.pipelines._kit import base_parameters, built_runs, read_when_built

PARAMS = "params:"


class SharedParameters(StrictModel):
    """The top-level parameters every pipeline reads (conf/base/parameters.yml)."""

    seed: Seed = 42


def check_shared(parameters: Mapping[str, Any]) -> None:
    """Refuse a malformed shared parameter, naming it and what it may be."""
    shared = {key: parameters[key] for key in SharedParameters.model_fields if key in parameters}
    try:
        SharedParameters.model_validate(shared)
    except ValidationError as err:
        lines = validation_lines("", err)
        raise ConfigError(
            "bad parameters:\n" + "\n".join(f"  - {line}" for line in lines)
        ) from None


def parameters_read(pipelines: Iterable[Pipeline]) -> set[str]:
    """The parameter keys the nodes of ``pipelines`` take (``params:a.b`` -> ``a.b``)."""
    return {
        name.removeprefix(PARAMS)
        for pipeline in pipelines
        for name in pipeline.inputs()
        if name.startswith(PARAMS)
    }


def unread_keys(parameters: Mapping[str, Any], read: set[str], top_level: set[str]) -> list[str]:
    """Keys of ``parameters`` that nothing reads, each with the keys its block does have.

    A top-level key must be one of ``top_level`` (conf/base's) or be read. Inside the blocks
    the run reads from, every key must be read by a node or lie on the way to one: a key
    whose whole block a node reads is that node's model's to check.
    """
    found = []
    for key in sorted(set(parameters) - top_level - read):
        if not any(r.startswith(f"{key}.") for r in read):
            found.append(f"{key} (top-level keys: {', '.join(sorted(top_level))})")
    for key in sorted(parameters):
        if any(r == key or r.startswith(f"{key}.") for r in read):
            found += _unread_below(key, parameters[key], read)
    return sorted(found)


def _unread_below(path: str, value: Any, read: set[str]) -> list[str]:
    if path in read or not isinstance(value, Mapping):
        return []
    found = []
    for key, item in value.items():
        child = f"{path}.{key}"
        if child in read or any(r.startswith(f"{child}.") for r in read):
            found += _unread_below(child, item, read)
        else:
            found.append(
                f"{child} (keys read under {path}: {', '.join(_read_children(path, read))})"
            )
    return found


def _read_children(path: str, read: set[str]) -> list[str]:
    return sorted(
        {r.removeprefix(f"{path}.").split(".")[0] for r in read if r.startswith(f"{path}.")}
    )


def runs_not_built(
    parameters: Mapping[str, Any], built: Mapping[str, Mapping[str, Mapping[str, list[int]]]]
) -> list[str]:
    """Studies, variants and seeds in ``parameters`` that the pipelines were not built with.

    ``built`` is ``_kit.built_runs()``: the runs of each ``<pipeline>.studies`` in conf/base.
    A variant without ``seeds`` runs with ``seed``.
    """
    found = []
    for key, studies in built.items():
        seed_differs = False
        for study, variants in _plain(_lookup(parameters, key)).items():
            if study not in studies:
                found.append(f"{key}.{study} (studies in conf/base: {', '.join(studies)})")
                continue
            for variant, spec in _plain(variants).items():
                if variant not in studies[study]:
                    listed = ", ".join(studies[study])
                    found.append(f"{key}.{study}.{variant} (variants in conf/base: {listed})")
                    continue
                seeds = _plain(spec).get("seeds")
                if list(seeds or [parameters.get("seed")]) == studies[study][variant]:
                    continue
                if seeds:
                    where = f"{key}.{study}.{variant}.seeds"
                    found.append(f"{where} (conf/base has {studies[study][variant]})")
                else:
                    seed_differs = True
        if seed_differs:
            found.append(f"seed (the runs of {key} take their seeds from conf/base)")
    return found


def _lookup(parameters: Mapping[str, Any], key: str) -> Any:
    value: Any = parameters
    for part in key.split("."):
        value = _plain(value).get(part, {})
    return value


def _plain(value: Any) -> dict[str, Any]:
    """A block as a dict, validated or not (only the keys it was given)."""
    if isinstance(value, RootModel):
        value = value.root
    if isinstance(value, BaseModel):
        value = value.model_dump(exclude_unset=True)
    return dict(value) if isinstance(value, Mapping) else {}


def check_keys(parameters: Mapping[str, Any], pipelines: Iterable[Pipeline]) -> None:
    """Refuse keys that no node of ``pipelines`` reads (and no pipeline read to build
    itself), and studies, variants and seeds the pipelines were not built with."""
    read = parameters_read(pipelines) | read_when_built()
    found = unread_keys(parameters, read, set(base_parameters()))
    found += runs_not_built(parameters, built_runs())
    unread = list({line.split(" (")[0]: line for line in found}.values())
    if unread:
        raise ConfigError(
            "parameters that no pipeline of this run reads (a misspelt key? studies, "
            "variants and seeds are listed in conf/base):\n"
            + "\n".join(f"  - {line}" for line in unread)
        )


def check_inputs(pipeline: Pipeline, catalog: Any) -> None:
    """Refuse a run whose input files are missing or unreadable, naming each one.

    dl-lab's datasets check themselves (``check_before_run``: present unless optional,
    readable); any other file dataset must exist.
    """
    missing = []
    for name in sorted(pipeline.inputs()):
        if name.startswith(PARAMS) or name == "parameters":
            continue
        dataset = catalog.get(name)
        check = getattr(dataset, "check_before_run", None)
        try:
            if check is not None:
                check()
            elif not catalog.exists(name):
                missing.append(f"{name} ({_where(dataset)})")
        except MissingFileError as err:
            missing.append(f"{name} ({err})")
    if missing:
        raise MissingFileError(
            "inputs of this run that do not exist yet:\n"
            + "\n".join(f"  - {line}" for line in missing)
        )


def _where(dataset: Any) -> str:
    """Where a dataset lives, and which pipeline writes it as far as the catalog says."""
    described = dataset._describe() if hasattr(dataset, "_describe") else {}
    where = str(described.get("filepath") or described.get("path") or type(dataset).__name__)
    producer = (getattr(dataset, "metadata", None) or {}).get("produced_by")
    hint = f"; run `kedro run --pipelines {producer}` to write it" if producer else ""
    return f"{where} does not exist{hint}"


def check_run(
    parameters: Mapping[str, Any], pipelines: Iterable[Pipeline], run: Pipeline, catalog: Any
) -> None:
    """Every check above, parameters first: ``pipelines`` are the run's whole registered
    pipelines (what reads the parameters), ``run`` the part of them that runs."""
    check_shared(parameters)
    check_keys(parameters, pipelines)
    check_inputs(run, catalog)

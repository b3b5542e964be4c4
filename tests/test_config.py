"""Every parameter block of every pipeline validates, in every environment, as `kedro run`
would validate it; and a misspelt key anywhere is refused with its name."""

from __future__ import annotations

from pathlib import Path

import pytest
from kedro.config import OmegaConfigLoader
from kedro.framework.project import pipelines
from kedro.framework.startup import bootstrap_project
from kedro.validation.parameter_validator import ParameterValidator
from pydantic import BaseModel, RootModel

from dl_lab.config import StrictModel
from dl_lab.settings import CONFIG_LOADER_ARGS

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENTS = sorted(p.name for p in (ROOT / "conf").iterdir() if p.is_dir() and p.name != "local")


@pytest.fixture(scope="module")
def registered():
    bootstrap_project(ROOT)
    found = {name: pipeline for name, pipeline in pipelines.items() if name != "__default__"}
    yield found
    pipelines.set_requested(None)


def _parameters(env: str) -> dict:
    loader = OmegaConfigLoader(str(ROOT / "conf"), **{**CONFIG_LOADER_ARGS, "default_run_env": env})
    return loader["parameters"]


def _typed_parameters(validated: dict, prefix: str = "") -> list[str]:
    """Dotted paths of the values the validator turned into parameter models."""
    found = []
    for key, value in validated.items():
        path = f"{prefix}{key}"
        if isinstance(value, BaseModel):
            found.append(path)
        elif isinstance(value, dict):
            found += _typed_parameters(value, f"{path}.")
    return found


def test_the_environments_are_the_designed_ones():
    assert {"base", "test", "full"} <= set(ENVIRONMENTS)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_parameter_block_validates(registered, env):
    validated = ParameterValidator(registered).validate_raw_params(_parameters(env))
    typed = _typed_parameters(validated)
    for pipeline in ("data_processing", "vision", "tuning", "diagnostics", "fundamentals", "rl"):
        assert any(path.startswith(pipeline) for path in typed), f"{pipeline}: no typed block"


def test_every_parameter_model_is_strict(registered):
    """Every model a node is typed with refuses unknown keys (a misspelt option fails)."""
    validated = ParameterValidator(registered).validate_raw_params(_parameters("base"))
    loose = set()

    def walk(value):
        if isinstance(value, RootModel):  # a named collection (a study's variants): its items
            walk(value.root)
        elif isinstance(value, BaseModel):
            if value.model_config.get("extra") != "forbid":
                loose.add(type(value).__name__)
            for field in type(value).model_fields:
                walk(getattr(value, field))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(validated)
    assert loose == set()


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_a_misspelt_key_is_named(registered, env):
    raw = _parameters(env)
    raw["data_processing"]["split"] = {**raw["data_processing"]["split"], "ratioz": "auto"}
    with pytest.raises(Exception, match=r"data_processing\.split[\s\S]*ratioz"):
        ParameterValidator(registered).validate_raw_params(raw)


def test_the_strict_base_refuses_unknown_keys():
    class Block(StrictModel):
        size: int = 1

    with pytest.raises(ValueError, match="extra"):
        Block(sise=2)

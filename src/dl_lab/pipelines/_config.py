"""Reading parameter blocks while pipelines are being created.

The pipeline registry has no handle on the run's ``--env``, so the lists that shape a
pipeline (studies, variants, seeds) are read from ``conf/base`` (DESIGN §4); environments
such as ``test`` and ``full`` change sizes, not the lists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kedro.config import OmegaConfigLoader

SOURCE_CONF = Path(__file__).resolve().parents[3] / "conf"


def conf_source() -> Path:
    """The project's ``conf`` folder: the working directory's (as kedro runs) or the source tree's."""
    here = Path.cwd() / "conf"
    return here if (here / "base").is_dir() else SOURCE_CONF


def base_parameters(key: str) -> Any:
    """``parameters[key]`` from conf/base, with dotted keys for nested blocks."""
    loader = OmegaConfigLoader(str(conf_source()), base_env="base", default_run_env="base")
    value: Any = loader["parameters"]
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise KeyError(f"parameter {key!r} is missing from {conf_source() / 'base'}")
        value = value[part]
    return value

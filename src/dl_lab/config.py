"""The strict parameter base and the registered-name validator every parameter model uses.

Every parameter block of the project is a ``StrictModel``: an unknown key (a misspelt
option) or a wrong type fails with the key's name, and a validated block cannot be
changed afterwards. A name that must come from a registry is typed ``Registered(registry)``
(or ``RegisteredList(registry)``); an unknown one fails with the names ``available()``
lists::

    class Variant(StrictModel):
        architecture: Registered(ARCHITECTURES)
        activations: RegisteredList(ACTIVATIONS) = ["relu"]
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict

from dl_lab.registry import Registry


class StrictModel(BaseModel):
    """A frozen Pydantic model that refuses keys it does not declare."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_registered(registry: Registry[Any], name: str) -> str:
    """``name`` if ``registry`` has it; else a ValueError listing what it has.

    A ValueError (not the registry's KeyError) is what Pydantic reports with the key's path.
    """
    if name not in registry:
        raise ValueError(
            f"unknown {registry.kind} {name!r}; available: {', '.join(registry.available())}"
        )
    return name


def check_all_registered(registry: Registry[Any], names: list[str]) -> list[str]:
    """``names`` if ``registry`` has every one; else a ValueError naming the unknown ones."""
    unknown = [name for name in names if name not in registry]
    if unknown:
        raise ValueError(
            f"unknown {registry.kind} {', '.join(map(repr, unknown))}; "
            f"available: {', '.join(registry.available())}"
        )
    return names


def Registered(registry: Registry[Any]) -> Any:  # noqa: N802  (reads as a type)
    """The type of a field holding one name registered in ``registry``."""
    return Annotated[str, AfterValidator(lambda name: check_registered(registry, name))]


def RegisteredList(registry: Registry[Any]) -> Any:  # noqa: N802
    """The type of a field holding a list of names registered in ``registry``."""
    return Annotated[list[str], AfterValidator(lambda names: check_all_registered(registry, names))]

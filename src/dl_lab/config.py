"""The strict parameter base and the registered-name validator every parameter model uses.

Every parameter block of the project is a ``StrictModel``: an unknown key (a misspelt
option) fails with the key's name and the keys the block allows, a wrong type with the
key's name, and a validated block cannot be changed afterwards. A name that must come from
a registry is typed ``Registered(registry)`` (or ``RegisteredList(registry)``); an unknown
one fails with the names ``available()`` lists::

    class Variant(StrictModel):
        architecture: Registered(ARCHITECTURES)
        activations: RegisteredList(ACTIVATIONS) = ["relu"]
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    PlainValidator,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from dl_lab.registry import Registry

MAX_SEED = 2**32 - 1


def check_seed(value: Any) -> int:
    """``value`` if it is a seed NumPy, Lightning's ``seed_everything`` and gymnasium's
    ``reset`` all accept: a whole number in [0, 2**32 - 1] (not a string, float or bool)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        raise ValueError(f"a seed is a whole number in [0, {MAX_SEED}], got {value!r}")
    return value


Seed = Annotated[int, PlainValidator(check_seed)]
"""The type of a field holding a random seed (``check_seed``)."""


class StrictModel(BaseModel):
    """A frozen Pydantic model that refuses keys it does not declare, naming those it does."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="wrap")
    @classmethod
    def _name_allowed_keys(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """Pydantic's "Extra inputs are not permitted" for a key of this block, followed by
        the keys it allows; every other error as Pydantic raised it."""
        try:
            return handler(data)
        except ValidationError as err:
            problems = err.errors()
            if not any(_unknown_here(problem) for problem in problems):
                raise
            allowed = ", ".join(cls.model_fields)
            details = [_with_allowed(problem, allowed) for problem in problems]
            raise ValidationError.from_exception_data(err.title, details) from None


def _unknown_here(problem: Any) -> bool:
    """An unknown key of the block being validated (not of a block inside it)."""
    return problem["type"] == "extra_forbidden" and len(problem["loc"]) == 1


def _with_allowed(problem: Any, allowed: str) -> InitErrorDetails:
    """``problem`` rebuilt as raised; an unknown key of this block also lists ``allowed``.

    An unknown key of a block inside keeps its message as that block worded it.
    """
    if problem["type"] != "extra_forbidden":
        details = InitErrorDetails(type=problem["type"], loc=problem["loc"], input=problem["input"])
        if "ctx" in problem:
            details["ctx"] = problem["ctx"]
        return details
    message = problem["msg"].replace("{", "{{").replace("}", "}}")
    if _unknown_here(problem):
        message += f"; allowed: {allowed}"
    kind = PydanticCustomError("extra_forbidden", message)
    return InitErrorDetails(type=kind, loc=problem["loc"], input=problem["input"])


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

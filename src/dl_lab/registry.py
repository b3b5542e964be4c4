"""A small named registry: ``register`` / ``build`` / ``available``.

One instance per kind of thing (architecture, regularizer, optimizer, data set, ...).
An unknown name fails with the list of names that exist, so a typo in YAML is a
one-line fix rather than a stack trace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class UnknownNameError(KeyError):
    """Raised for a name that is not registered; the message lists the allowed names."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


class Registry(Generic[T]):
    """Maps names to builders for one kind of object."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._builders: dict[str, Callable[..., T]] = {}

    def register(self, name: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
        """Decorator that registers ``fn`` under ``name``; duplicates are refused."""

        def decorator(fn: Callable[..., T]) -> Callable[..., T]:
            if name in self._builders:
                raise ValueError(f"{self.kind} {name!r} is already registered")
            self._builders[name] = fn
            return fn

        return decorator

    def get(self, name: str) -> Callable[..., T]:
        """The builder registered under ``name``."""
        try:
            return self._builders[name]
        except KeyError:
            raise UnknownNameError(
                f"unknown {self.kind} {name!r}; available: {', '.join(self.available())}"
            ) from None

    def build(self, name: str, /, **kwargs: Any) -> T:
        """Call the builder registered under ``name`` with ``kwargs``."""
        return self.get(name)(**kwargs)

    def check(self, name: str) -> str:
        """Return ``name`` if registered, else raise; for Pydantic validators."""
        self.get(name)
        return name

    def available(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._builders)

    def __contains__(self, name: object) -> bool:
        return name in self._builders

    def __iter__(self) -> Iterator[str]:
        return iter(self.available())

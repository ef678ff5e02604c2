"""Lazy registries: entries are ``"module:attribute"`` strings, imported on first use."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


def import_object(spec: str) -> object:
    module_name, _, attribute = spec.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


class LazyRegistry(Generic[T]):
    """Name -> import string; resolved (and cached) only when asked for."""

    def __init__(self, kind: str, entries: dict[str, str]) -> None:
        self.kind = kind
        self._entries = dict(entries)
        self._loaded: dict[str, T] = {}

    def names(self) -> list[str]:
        return list(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def register(self, name: str, spec_or_object: str | T) -> None:
        """Add an entry (tests and plugins use this, through the same registry)."""
        self._loaded.pop(name, None)
        if isinstance(spec_or_object, str):
            self._entries[name] = spec_or_object
        else:
            self._entries[name] = f"<object {name}>"
            self._loaded[name] = spec_or_object

    def unregister(self, name: str) -> None:
        self._entries.pop(name, None)
        self._loaded.pop(name, None)

    def get(self, name: str) -> T:
        if name not in self._loaded:
            self._loaded[name] = import_object(self._entries[name])  # type: ignore[assignment]
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._entries))

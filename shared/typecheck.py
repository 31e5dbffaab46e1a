"""The settings' own type check: every field's value against its annotation, read from the dataclasses.

Runs before the range checks (which would otherwise fail with a raw TypeError on a wrong type), and covers the
subset of `typing` the settings use: unions, `tuple[X, ...]`, `Mapping[K, V]` and plain classes.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import fields, is_dataclass, replace

from shared.checks import Problems

_TYPE_NAMES = {bool: "true or false", int: "a whole number", float: "a number", str: "text", type(None): "none"}


@functools.cache
def hints(cls: type) -> dict[str, typing.Any]:
    """The resolved annotations of a settings class (resolving them costs more than checking a whole environment)."""
    return typing.get_type_hints(cls)


@functools.cache
def _matcher(hint: typing.Any) -> Callable[[object], bool]:
    """Whether a value fits the annotation `hint` (the subset of typing the settings use), decided once per hint."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        options = tuple(map(_matcher, args))
        return lambda value: any(option(value) for option in options)
    if origin is tuple:
        item = _matcher(args[0])
        return lambda value: isinstance(value, tuple) and all(map(item, value))
    if origin is Mapping:
        key, item = _matcher(args[0]), _matcher(args[1])
        return lambda value: isinstance(value, Mapping) and all(key(k) and item(v) for k, v in value.items())
    if origin is not None:  # another generic (list[...], Literal[...]): its container type at least
        return (lambda value: isinstance(value, origin)) if isinstance(origin, type) else (lambda value: True)
    if hint is float:  # an int is a fine number; a bool is not
        return lambda value: isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return lambda value: isinstance(value, int) and not isinstance(value, bool)
    if hint is type(None):
        return lambda value: value is None
    return (lambda value: isinstance(value, hint)) if isinstance(hint, type) else (lambda value: True)


@functools.cache
def _plan(cls: type) -> tuple[tuple[str, typing.Any, Callable[[object], bool] | None], ...]:
    """Each field of `cls`: its name, its annotation, and its matcher (None for a nested settings section)."""
    annotations = hints(cls)
    return tuple(
        (item.name, hint, None if is_dataclass(hint) else _matcher(hint))
        for item in fields(cls)
        for hint in (annotations[item.name],)
    )


def _type_name(hint: typing.Any) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return " or ".join(_type_name(option) for option in args)
    if origin is tuple:
        return f"a list of {_type_name(args[0])}"
    if origin is Mapping:
        return f"a mapping of {_type_name(args[0])} to {_type_name(args[1])}"
    return _TYPE_NAMES.get(hint, getattr(hint, "__name__", str(hint)))


def type_problems(obj: object, prefix: str = "") -> Problems:
    """Every field whose value does not match its annotation, checked from the dataclasses themselves."""

    def must_be_positive(name: str) -> bool:
        # Asks the section's own checks whether zero is refused, so the message says "positive" only where it is.
        if not hasattr(obj, "problems"):
            return False
        try:
            return any(field == name for field, _ in replace(obj, **{name: 0}).problems())
        except (TypeError, ValueError, ArithmeticError):
            return False

    for field_name, hint, matches in _plan(type(obj)):
        value, name = getattr(obj, field_name), prefix + field_name
        if matches is None:
            if isinstance(value, hint):
                yield from type_problems(value, f"{name}.")
            else:
                yield name, f"expected {hint.__name__} settings, got {type(value).__name__}"
        elif not matches(value):
            expected = _type_name(hint)
            if hint in (int, float) and must_be_positive(field_name):
                expected = expected.replace("a ", "a positive ", 1)
            yield name, f"expected {expected}, got {value!r}"

"""The settings' own type check: every field's value against its annotation, read from the dataclasses.

Runs before the range checks (which would otherwise fail with a raw TypeError on a wrong type), and covers the
subset of `typing` the settings use: unions, `tuple[X, ...]`, `Mapping[K, V]` and plain classes.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from dataclasses import fields, is_dataclass, replace

from shared.checks import Problems

_TYPE_NAMES = {bool: "true or false", int: "a whole number", float: "a number", str: "text", type(None): "none"}


@functools.cache
def _hints(cls: type) -> dict[str, typing.Any]:
    return typing.get_type_hints(cls)


def _type_matches(value: object, hint: typing.Any) -> bool:
    """Whether `value` fits the annotation `hint` (the subset of typing the settings use)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return any(_type_matches(value, option) for option in args)
    if origin is tuple:
        return isinstance(value, tuple) and all(_type_matches(item, args[0]) for item in value)
    if origin is Mapping:
        return isinstance(value, Mapping) and all(
            _type_matches(key, args[0]) and _type_matches(item, args[1]) for key, item in value.items()
        )
    if origin is not None:  # another generic (list[...], Literal[...]): its container type at least
        return isinstance(value, origin) if isinstance(origin, type) else True
    if hint is float:  # an int is a fine number; a bool is not
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is type(None):
        return value is None
    return isinstance(value, hint) if isinstance(hint, type) else True


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
    hints = _hints(type(obj))

    def must_be_positive(name: str) -> bool:
        # Asks the section's own checks whether zero is refused, so the message says "positive" only where it is.
        if not hasattr(obj, "problems"):
            return False
        try:
            return any(field == name for field, _ in replace(obj, **{name: 0}).problems())
        except (TypeError, ValueError, ArithmeticError):
            return False

    for item in fields(obj):
        hint, value, name = hints[item.name], getattr(obj, item.name), prefix + item.name
        if is_dataclass(hint):
            if isinstance(value, hint):
                yield from type_problems(value, f"{name}.")
            else:
                yield name, f"expected {hint.__name__} settings, got {type(value).__name__}"
        elif not _type_matches(value, hint):
            expected = _type_name(hint)
            if hint in (int, float) and must_be_positive(item.name):
                expected = expected.replace("a ", "a positive ", 1)
            yield name, f"expected {expected}, got {value!r}"

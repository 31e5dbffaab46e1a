"""Small field checks shared by the settings sections.

Each returns a problem string, or None when the value is fine, so a section can
report every bad field at once instead of stopping at the first.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Iterable, Iterator

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")

Network = ipaddress.IPv4Network
# (field, problem) pairs: what every section's `problems()` yields.
Problems = Iterator[tuple[str, str]]


def prefixed(prefix: str, problems: Problems) -> Problems:
    """A section's problems, named from the enclosing object (`compute` + `api.fargate_cpu_units`)."""
    for name, problem in problems:
        yield f"{prefix}.{name}", problem


def check(name: str, problem: str | None) -> Problems:
    """The field's problem, if any, as a (field, problem) pair."""
    if problem:
        yield name, problem


def parse_cidr(value: str) -> tuple[Network | None, str | None]:
    """Parse a strict IPv4 CIDR (no host bits set)."""
    try:
        return ipaddress.IPv4Network(value, strict=True), None
    except (ValueError, TypeError) as error:
        return None, f"'{value}' is not a valid IPv4 CIDR ({error})"


def domain_problem(value: str) -> str | None:
    labels = value.split(".") if isinstance(value, str) else []
    if len(labels) < 2 or len(value) > 253 or not all(_DOMAIN_LABEL.match(label) for label in labels):
        return f"'{value}' is not a valid lower-case domain name"
    return None


def email_problem(value: str) -> str | None:
    if not isinstance(value, str) or not _EMAIL.match(value):
        return f"'{value}' is not a valid email address"
    return None


def percent_problem(value: float) -> str | None:
    if not 0 < value <= 100:
        return f"{value} is outside the percentage range (0, 100]"
    return None


def positive_problem(value: float) -> str | None:
    if value <= 0:
        return f"{value} must be greater than zero"
    return None


def range_problem(low: float, high: float) -> str | None:
    if low < 0:
        return f"minimum {low} must not be negative"
    if low > high:
        return f"minimum {low} is above maximum {high}"
    return None


def closest(value: str, choices: Iterable[str]) -> str | None:
    """The one choice `value` abbreviates (`prod`), else the most similar spelling (`prodution`), else None."""
    choices = sorted(choices)
    text = str(value)
    starting = [choice for choice in choices if len(text) >= 2 and choice.startswith(text) and choice != text]
    if len(starting) == 1:
        return starting[0]
    close = difflib.get_close_matches(text, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest choice, or an empty string: appended to a problem."""
    match = closest(value, choices)
    return f" (did you mean '{match}'?)" if match else ""

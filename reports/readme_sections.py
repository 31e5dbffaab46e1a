"""Generated sections of the README: `<!-- generated:NAME -->` ... `<!-- /generated:NAME -->`, rewritten in place.

One mechanism for every figure the README shows and a test compares: the generator renders the body, `rewrite`
puts it between its markers, and `make docs` runs every generator (reports/docs.py).
"""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- generated:{re.escape(name)} -->\n).*?(\n<!-- /generated:{re.escape(name)} -->)", re.S)


def section(text: str, name: str) -> str | None:
    """The current body of section `name`, or None without its markers."""
    found = _pattern(name).search(text)
    return found.group(0).split("\n", 1)[1].rsplit("\n", 1)[0] if found else None


def rewrite(text: str, name: str, body: str) -> str:
    if not _pattern(name).search(text):
        raise SystemExit(f"README.md lacks the generated:{name} markers")
    return _pattern(name).sub(lambda m: m.group(1) + body + m.group(2), text)

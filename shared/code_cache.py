"""A V8 code cache for the jsii runtime's modules (shared/code_cache.cjs), kept in `.deps/cache/node-code/`.

`enable()` preloads the cache into every Node process this process starts from then on (the jsii runtime, the
template validation's worker), through NODE_OPTIONS. Outputs do not change: V8 checks each entry and compiles from
source when it rejects one. `make clean` removes it; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path

PRELOAD = Path(__file__).with_suffix(".cjs")
DIRECTORY = Path(__file__).resolve().parent.parent / ".deps" / "cache" / "node-code"


def _quoted(path: Path) -> str:
    """NODE_OPTIONS splits on spaces outside double quotes."""
    return '"' + str(path).replace("\\", "\\\\").replace('"', '\\"') + '"'


def enable(environ: MutableMapping[str, str] | None = None, directory: Path = DIRECTORY) -> None:
    environ = os.environ if environ is None else environ
    preload = f"--require {_quoted(PRELOAD)}"
    options = environ.get("NODE_OPTIONS", "")
    if preload not in options:
        environ["NODE_OPTIONS"] = f"{options} {preload}".strip()
    environ.setdefault("BB_CODE_CACHE_DIR", str(directory))

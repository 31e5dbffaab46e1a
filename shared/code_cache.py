"""A V8 code cache for the jsii runtime's modules (shared/code_cache.cjs), kept in `.deps/cache/node-code/`.

`enable()` preloads the cache into every Node process this process starts from then on (the jsii runtime, the
template validation's worker), through NODE_OPTIONS. Outputs do not change: V8 checks each entry and compiles from
source when it rejects one. One cache per set of lock files: after an upgrade the first run starts a new one and
removes the old (about 250 MB with the google provider). `make clean` removes it; NODE_DISABLE_COMPILE_CACHE=1 turns
it off.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import MutableMapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRELOAD = Path(__file__).with_suffix(".cjs")
CACHES = ROOT / ".deps" / "cache" / "node-code"
# What decides the packages' bytes.
LOCKS = ("uv.lock", "package-lock.json")


def _quoted(path: Path) -> str:
    """NODE_OPTIONS splits on spaces outside double quotes."""
    return '"' + str(path).replace("\\", "\\\\").replace('"', '\\"') + '"'


def current(caches: Path = CACHES, root: Path = ROOT) -> Path:
    """This set of locks' cache; the first call after an upgrade removes the caches of other locks."""
    digest = hashlib.sha256()
    for name in LOCKS:
        lock = root / name
        digest.update(lock.read_bytes() if lock.exists() else b"")
    directory = caches / digest.hexdigest()[:16]
    if not directory.is_dir() and caches.is_dir():
        for stale in caches.iterdir():
            if stale.name != directory.name:  # another process of these locks may have made it meanwhile
                shutil.rmtree(stale, ignore_errors=True)
    return directory


def enable(environ: MutableMapping[str, str] | None = None, directory: Path | None = None) -> None:
    # Outside `BB_`: that namespace is the settings' (overrides, BB_ENV), which the synthesis fingerprint also reads.
    environ = os.environ if environ is None else environ
    preload = f"--require {_quoted(PRELOAD)}"
    options = environ.get("NODE_OPTIONS", "")
    if preload not in options:
        environ["NODE_OPTIONS"] = f"{options} {preload}".strip()
    if "BOOKEDBARBER_CODE_CACHE_DIR" not in environ:
        environ["BOOKEDBARBER_CODE_CACHE_DIR"] = str(directory or current())

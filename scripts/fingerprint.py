"""What a synthesis was made from, so `make parity|cost|diagram` can reuse the last one when nothing changed.

A fingerprint hashes every input of one cloud's synthesis: the settings and stack code (`shared/`, the cloud's
stack package and app), the CLI and app configuration, the locks, this synthesis driver, and the `BB_*`
overrides in the environment. A successful `make synth` writes it into the output folder with the hash of the
manifest it produced; a later run reuses the folder only when both still match (a direct `npx cdk synth` rewrites
the manifest and so invalidates it).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILE = ".synth-fingerprint.json"
COMMON = ("shared", "pyproject.toml", "uv.lock", "package-lock.json", "scripts/synth.py", "scripts/fingerprint.py")
INPUTS = {
    "aws": (*COMMON, "aws_stacks", "app.py", "cdk.json"),
    "gcp": (*COMMON, "gcp_stacks", "gcp_app.py", "cdktf.json"),
}
MANIFEST = "manifest.json"


def _files(root: Path, names: tuple[str, ...]) -> list[Path]:
    found = []
    for name in names:
        path = root / name
        if path.is_dir():
            found += [p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
        elif path.is_file():
            found.append(path)
    return sorted(found)


def fingerprint(cloud: str, root: Path = ROOT, environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    digest = hashlib.sha256()
    for path in _files(root, INPUTS[cloud]):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for key in sorted(k for k in environ if k.startswith("BB_")):
        digest.update(f"{key}={environ[key]}\0".encode())
    return digest.hexdigest()


def _manifest_hash(output: Path) -> str | None:
    manifest = output / MANIFEST
    return hashlib.sha256(manifest.read_bytes()).hexdigest() if manifest.is_file() else None


def record(cloud: str, output: Path, value: str) -> None:
    """After a successful synthesis into `output`: what it was made from, and what it wrote."""
    (output / FILE).write_text(json.dumps({"inputs": value, "manifest": _manifest_hash(output)}) + "\n")


def is_current(cloud: str, output: Path, value: str) -> bool:
    try:
        recorded = json.loads((output / FILE).read_text())
    except (OSError, ValueError):
        return False
    return recorded.get("inputs") == value and recorded.get("manifest") == _manifest_hash(output)

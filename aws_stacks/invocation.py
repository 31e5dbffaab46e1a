"""Which `cdk` command started the app, read from the parent processes (the CLI tells the app nothing about it).

The CLI hands every command the same environment and context (`aws:cdk:bundling-stacks` is `**` for synth, diff
and deploy alike, and CDK_DEFAULT_ACCOUNT appears only once credentials resolve), so the app looks at the command
line of the `cdk` process above it. Used only to stop a diff or deploy against a placeholder early; where the
process table cannot be read (no /proc), the answer is None and the app synthesizes as always.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

# The CLI's commands that talk to an account; synth, ls and the rest need none.
ACCOUNT_COMMANDS = frozenset({"deploy", "diff", "drift", "destroy", "import", "watch", "rollback", "refactor"})
CDK_COMMANDS = ACCOUNT_COMMANDS | {"synth", "synthesize", "ls", "list", "metadata", "context", "doctor", "docs"}
# The CLI starts the app through a shell: the app's parent, or its grandparent, is the `cdk` process.
_MAX_DEPTH = 4


def command_of(argv: Sequence[str]) -> tuple[str, tuple[str, ...]] | None:
    """(command, stack names) when argv is a `cdk` command line (`node .../bin/cdk diff -c env=dev <stacks>`)."""
    for index, word in enumerate(argv):
        if Path(word).name == "cdk":
            rest = argv[index + 1 :]
            command = next((arg for arg in rest if arg in CDK_COMMANDS), None)
            if command is None:
                return None
            stacks = tuple(arg for arg in rest if arg.startswith("bookedbarber-"))
            return command, stacks
    return None


def _parent(pid: int, proc: Path) -> int | None:
    try:
        # /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after its ')'.
        return int((proc / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def cli_command(pid: int, proc: Path = Path("/proc")) -> tuple[str, tuple[str, ...]] | None:
    """The `cdk` command among the ancestors of process `pid` (the app passes its own parent), or None."""
    current: int | None = pid
    for _ in range(_MAX_DEPTH):
        if not current or current <= 1:
            return None
        try:
            argv = (proc / str(current) / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            return None
        found = command_of([arg for arg in argv if arg])
        if found:
            return found
        current = _parent(current, proc)
    return None

"""A throwaway PostgreSQL server for tests: initdb in a temp folder, TLS on a free loopback port, trust sign-in.

Debian's `postgresql` package puts initdb, pg_ctl and psql in /usr/lib/postgresql/<major>/bin (`.ci/run` installs
it where missing). initdb refuses to run as root, so as root the server runs as the package's `postgres` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SERVER_TOOLS = ("initdb", "pg_ctl", "psql")
# Stands in for rdsadmin / cloudsqladmin: the cluster's only superuser, never the one the bootstrap signs in as.
CLUSTER_SUPERUSER = "cluster_superuser"


def find_bin_dir() -> Path | None:
    """The newest PostgreSQL bin folder holding every tool, else one on PATH."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(Path(path).parent.name))
    for directory in reversed(candidates):
        if all((Path(directory) / tool).exists() for tool in SERVER_TOOLS):
            return Path(directory)
    found = [shutil.which(tool) for tool in SERVER_TOOLS]
    if all(found):
        return Path(os.path.realpath(found[0])).parent
    return None


def bin_dir_or_skip() -> Path:
    """Skip where no PostgreSQL is installed, except in CI (`CI` set), where a missing server is a failure."""
    directory = find_bin_dir()
    if directory is None:
        message = f"no PostgreSQL server found ({', '.join(SERVER_TOOLS)}): apt-get install postgresql"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI is set, so this test may not be skipped; .ci/run installs it)")
        pytest.skip(message)
    return directory


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PostgresServer:
    bin_dir: Path
    # Its own folder under /tmp: pytest's temp folders are private to the user running pytest (root in CI).
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bookedbarber-postgres-")))
    port: int = 0

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _server_user(self) -> dict:
        if os.geteuid() != 0:
            return {}
        account = pwd.getpwnam("postgres")  # created by Debian's postgresql package
        return {"user": account.pw_uid, "group": account.pw_gid}

    def _run_as_server(self, *argv: str) -> None:
        result = subprocess.run(argv, capture_output=True, text=True, check=False, **self._server_user())
        if result.returncode:
            raise RuntimeError(f"{' '.join(argv[:2])} failed: {result.stdout}{result.stderr}")

    def start(self) -> None:
        owner = self._server_user()
        if owner:
            os.chown(self.root, owner["user"], owner["group"])
        self._run_as_server(
            str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", CLUSTER_SUPERUSER, "--auth=trust",
            "--encoding=UTF8", "--locale=C",
        )  # fmt: skip
        # A self-signed certificate: the bootstrap's psql requires TLS, as on both clouds.
        key, certificate = self.data / "server.key", self.data / "server.crt"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
             "-keyout", str(key), "-out", str(certificate)],
            capture_output=True, check=True,
        )  # fmt: skip
        key.chmod(0o600)
        if owner:
            for path in (key, certificate):
                os.chown(path, owner["user"], owner["group"])
        self.port = _free_port()
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.data}'\n"
                "ssl = on\nfsync = off\nfull_page_writes = off\nsynchronous_commit = off\n"
            )
        self._run_as_server(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-w",
                            "start")  # fmt: skip

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run_as_server(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def environment(self, user: str) -> dict[str, str]:
        """What psql reads to reach this server as `user`: what each cloud's task fills from its secrets."""
        return {
            "PATH": f"{self.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.port),
            "PGUSER": user,
            "PGPASSWORD": "unused-trust-sign-in",
            "PGCONNECT_TIMEOUT": "10",
        }

    def run(self, argv: list[str], *, user: str) -> subprocess.CompletedProcess:
        return subprocess.run(argv, env=self.environment(user), capture_output=True, text=True, check=False)

    def sql(self, statement: str, *, user: str, database: str) -> subprocess.CompletedProcess:
        """One statement as `user`, over TLS; rows come back unaligned, one per line."""
        argv = ["psql", "--no-psqlrc", "--set=ON_ERROR_STOP=1", "--quiet", "--tuples-only", "--no-align",
                f"--dbname=dbname={database} sslmode=require", f"--command={statement}"]  # fmt: skip
        return self.run(argv, user=user)

    def superuser_sql(self, statement: str, *, database: str = "postgres") -> str:
        result = self.sql(statement, user=CLUSTER_SUPERUSER, database=database)
        assert result.returncode == 0, result.stderr
        return result.stdout

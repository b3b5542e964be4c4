"""Throw-away servers on 127.0.0.1 for the scale-out tests: a PostgreSQL cluster (for
Optuna studies shared by several workers) and a free port helper.

The cluster lives in a temporary folder, started with ``initdb``/``pg_ctl`` from Debian's
``postgresql`` package (``.ci/run`` installs it); where that is missing, the tests that need
it skip, saying so. PostgreSQL refuses to run as root, so as root the cluster runs as the
``postgres`` user the package creates. The database asks for a password (scram-sha-256):
tests give it the way a user would, never in a URL (PGPASSWORD or conf/local).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

USER, PASSWORD, DATABASE = "dl_lab", "test-only-password", "optuna"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, timeout: float, process: subprocess.Popen | None = None) -> None:
    """Return once 127.0.0.1:``port`` accepts connections; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def _postgres_bin() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: on PATH, or Debian's versioned folder."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[4]))
    return Path(folders[-1]) if folders and Path(folders[-1], "initdb").exists() else None


@dataclass(frozen=True)
class Postgres:
    """A running cluster: its port, and a storage URL without the password."""

    port: int

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def reset(self) -> None:
        """Drop every Optuna table, so that each test starts from an empty storage."""
        import sqlalchemy

        engine = sqlalchemy.create_engine(self.url, connect_args={"password": PASSWORD})
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text("DROP SCHEMA public CASCADE"))
            connection.execute(sqlalchemy.text(f"CREATE SCHEMA public AUTHORIZATION {USER}"))
        engine.dispose()


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL cluster on 127.0.0.1 for this test session (skips where there is none)."""
    pytest.importorskip("psycopg", reason="the PostgreSQL driver psycopg is not installed")
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (Debian package postgresql; .ci/run installs it)")
    run_as: dict = {}
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no `postgres` user to run PostgreSQL as")
        run_as = {"user": account.pw_uid, "group": account.pw_gid}
    # not under pytest's temporary root: that is private to this user, and the cluster's
    # user must reach its folder
    root = Path(tempfile.mkdtemp(prefix="dl_lab_postgres_"))
    data, passwords = root / "data", root / "password"
    passwords.write_text(PASSWORD)
    if run_as:
        os.chmod(root, 0o777)  # the cluster's user writes its folder and reads the password
        shutil.chown(passwords, run_as["user"], run_as["group"])
    port = free_port()

    def pg(*args: str) -> None:
        done = subprocess.run(
            [str(bin_dir / args[0]), *args[1:]], capture_output=True, text=True, **run_as
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")

    pg("initdb", "-D", str(data), "-U", USER, "--auth=scram-sha-256", f"--pwfile={passwords}")
    options = f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c max_connections=50"
    pg("pg_ctl", "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start")
    try:
        _create_database(port)
        yield Postgres(port)
    finally:
        pg("pg_ctl", "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


def _create_database(port: int) -> None:
    """``CREATE DATABASE`` for the studies, through the driver."""
    import psycopg

    with psycopg.connect(
        host="127.0.0.1",
        port=port,
        user=USER,
        password=PASSWORD,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        connection.execute(f"CREATE DATABASE {DATABASE}")

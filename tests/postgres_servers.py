"""PostgreSQL servers of a test's own: a primary cluster, streaming standbys of it made by
pg_basebackup, and a PgBouncer, each on a free port of 127.0.0.1. A test may pause,
stop and restart them; the shared server on 5432 is never configured or stopped.

PostgreSQL refuses to run as root, so when the tests run as root (CI) the clusters run
as the ``postgres`` user in directories it owns.
"""

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.redis_server import free_port

PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"

PRIMARY_SETTINGS = """
listen_addresses = '127.0.0.1'
unix_socket_directories = '{sockets}'
wal_level = replica
max_wal_senders = 8
hot_standby = on
max_connections = 60
shared_buffers = 32MB
fsync = off
log_line_prefix = '%m [%p] '
"""


def pg_bin(tool: str) -> str:
    """The newest installed PostgreSQL's ``tool`` (initdb, pg_ctl, pg_basebackup …)."""
    for directory in reversed(PG_BIN_DIRS):
        if (directory / tool).exists():
            return str(directory / tool)
    raise AssertionError(
        f"{tool} not found under /usr/lib/postgresql/*/bin: these tests start PostgreSQL "
        "clusters of their own; install the Debian package 'postgresql' (as root: "
        "apt-get install postgresql)."
    )


def _owner() -> dict:
    """subprocess arguments that run a server as ``postgres`` when we are root."""
    return {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}


def _own(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(path, entry.pw_uid, entry.pw_gid)


def scratch_directory(prefix: str) -> Path:
    """A directory the servers' user owns (pytest's tmp_path is root's alone)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    _own(path)
    return path


def _run(*command: str, what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, **_owner())
    if result.returncode:
        raise AssertionError(f"{what} failed ({result.returncode}):\n{result.stderr[-3000:]}")


class PostgresCluster:
    """One PostgreSQL cluster in ``directory`` on ``port``."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory = directory
        self.port = port

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log_path(self) -> Path:
        return self.directory / "server.log"

    @classmethod
    def primary(cls, directory: Path) -> "PostgresCluster":
        """initdb a cluster that trusts 127.0.0.1 (replication too) and start it."""
        cluster = cls(directory, free_port())
        _run(
            pg_bin("initdb"),
            "--pgdata",
            str(cluster.data),
            "--username=postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--wal-segsize=1",  # MB: pg_basebackup copies less
            "--no-sync",
            what="initdb",
        )
        with (cluster.data / "postgresql.conf").open("a") as conf:
            conf.write(PRIMARY_SETTINGS.format(sockets=directory))
            conf.write(f"port = {cluster.port}\n")
        return cluster.start()

    def standby(self, directory: Path) -> "PostgresCluster":
        """A streaming standby of this cluster (pg_basebackup -R), started."""
        standby = PostgresCluster(directory, free_port())
        _run(
            pg_bin("pg_basebackup"),
            "--host=127.0.0.1",
            f"--port={self.port}",
            "--username=postgres",
            "--pgdata",
            str(standby.data),
            "--write-recovery-conf",
            "--wal-method=stream",
            "--checkpoint=fast",
            "--no-sync",
            "--no-manifest",
            what="pg_basebackup",
        )
        with (standby.data / "postgresql.auto.conf").open("a") as conf:
            conf.write(f"port = {standby.port}\nunix_socket_directories = '{directory}'\n")
        return standby.start()

    def start(self) -> "PostgresCluster":
        _run(
            pg_bin("pg_ctl"),
            "--pgdata",
            str(self.data),
            "--log",
            str(self.log_path),
            "--wait",
            "start",
            what=f"starting PostgreSQL on port {self.port} (log: {self.log_path})",
        )
        return self

    def stop(self, mode: str = "fast") -> None:
        """pg_ctl stop: "fast" ends every session; "immediate" is a crash."""
        if (self.data / "postmaster.pid").exists():
            _run(
                pg_bin("pg_ctl"),
                "--pgdata",
                str(self.data),
                "--mode",
                mode,
                "--wait",
                "stop",
                what="stopping PostgreSQL",
            )

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=5)

    def query(self, sql: str, params=(), database: str = "postgres") -> list[tuple]:
        """The rows of ``sql`` (none for a statement that returns none)."""
        with self.connect(database) as connection:
            cursor = connection.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def value(self, sql: str, params=(), database: str = "postgres"):
        return self.query(sql, params, database)[0][0]

    def _connection(self, connection: psycopg.Connection | None):
        return contextlib.nullcontext(connection) if connection else self.connect()

    def wal_position(self, connection: psycopg.Connection | None = None) -> int:
        """The primary's flushed WAL position, in bytes: every commit made so far is below."""
        with self._connection(connection) as open_connection:
            return int(
                open_connection.execute(
                    "SELECT pg_wal_lsn_diff(pg_current_wal_flush_lsn(), '0/0')"
                ).fetchone()[0]
            )

    def wait_until_replayed(
        self, position: int, timeout: float = 30, connection: psycopg.Connection | None = None
    ) -> None:
        """Wait until this standby has replayed the primary's WAL up to ``position``."""
        deadline = time.monotonic() + timeout
        with self._connection(connection) as open_connection:
            while True:
                replayed = open_connection.execute(
                    "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')"
                ).fetchone()[0]
                if replayed is not None and int(replayed) >= position:
                    return
                if time.monotonic() > deadline:
                    raise AssertionError(f"the standby did not replay {position} in {timeout} s")
                time.sleep(0.0002)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""


def copy_database(source_url: str, target: PostgresCluster, name: str) -> None:
    """Create ``name`` on ``target`` as a copy of the database at ``source_url`` (a
    migrated test database: restoring it takes a fraction of a second, migrating seconds)."""
    target.query(f'CREATE DATABASE "{name}"')
    dump = subprocess.Popen(
        [pg_bin("pg_dump"), "--format=custom", "--no-owner", source_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    restored = subprocess.run(
        [pg_bin("pg_restore"), "--no-owner", "--single-transaction", "-d", target.url(name)],
        stdin=dump.stdout,
        capture_output=True,
        text=True,
    )
    dump.stdout.close()
    dump_error = dump.stderr.read().decode(errors="replace")
    if dump.wait() or restored.returncode:
        raise AssertionError(f"copying the test database failed:\n{dump_error}{restored.stderr}")


class PgBouncer:
    """Debian's pgbouncer on a free port in front of one database, with ``pool_mode``."""

    def __init__(self, directory: Path, backend: PostgresCluster, database: str, **ini) -> None:
        if not Path(PGBOUNCER).exists():
            raise AssertionError(
                "pgbouncer is not installed: the PgBouncer tests start one of their own. "
                "`make tools` installs it (as root: apt-get install pgbouncer)."
            )
        self.directory = directory
        self.port = free_port()
        self.database = database
        settings = {
            "listen_addr": "127.0.0.1",
            "listen_port": self.port,
            "unix_socket_dir": "",
            "auth_type": "trust",
            "auth_file": directory / "users.txt",
            "admin_users": "postgres",
            "logfile": directory / "pgbouncer.log",
            "pidfile": directory / "pgbouncer.pid",
            "ignore_startup_parameters": "extra_float_digits",
            **ini,
        }
        (directory / "users.txt").write_text('"postgres" ""\n')
        lines = [
            "[databases]",
            f"{database} = host=127.0.0.1 port={backend.port} dbname={database}",
            "[pgbouncer]",
            *(f"{key} = {value}" for key, value in settings.items()),
        ]
        self.ini = directory / "pgbouncer.ini"
        self.ini.write_text("\n".join(lines) + "\n")
        for path in (directory, self.ini, directory / "users.txt"):
            _own(path)
        self.process: subprocess.Popen | None = None

    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.database}"

    def start(self) -> "PgBouncer":
        # pgbouncer, like PostgreSQL, will not run as root.
        self.process = subprocess.Popen(
            [PGBOUNCER, str(self.ini)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            **_owner(),
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"pgbouncer exited:\n{self.log()}")
            with contextlib.suppress(psycopg.OperationalError):
                self.admin("SHOW VERSION")
                return self
            time.sleep(0.05)
        raise AssertionError(f"pgbouncer did not start:\n{self.log()}")

    def admin(self, command: str) -> list[dict]:
        """A command of pgbouncer's console (SHOW POOLS, SHOW STATS …), rows as dicts."""
        url = f"postgres://postgres@127.0.0.1:{self.port}/pgbouncer"
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as connection:
            # The console speaks only the simple query protocol (PQexec).
            result = connection.pgconn.exec_(command.encode())
            names = [result.fname(column).decode() for column in range(result.nfields)]
            return [
                {
                    name: (value.decode() if (value := result.get_value(row, column)) else value)
                    for column, name in enumerate(names)
                }
                for row in range(result.ntuples)
            ]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def log(self) -> str:
        path = self.directory / "pgbouncer.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

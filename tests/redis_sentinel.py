"""A Redis master, its replica and three Redis Sentinels of a test's own, on free ports:
the test may kill the master and watch the sentinels promote the replica, without
touching the shared Redis.

Everything asks for a password, as in production: the master and the replica their
``requirepass`` (also their ``masterauth``), the sentinels their own.
"""

import os
import signal
import subprocess
import time
from pathlib import Path

import redis

from tests.redis_server import RedisServer, free_port

DATA_PASSWORD = "data-secret"
SENTINEL_PASSWORD = "sentinel-secret"


class Sentinel:
    """``redis-server <conf> --sentinel`` watching one master, quorum 2."""

    def __init__(self, directory: Path, master: str, master_port: int, **timing: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.port = free_port()
        # Sentinel rewrites its configuration file (what it learns): it must be its own.
        (directory / "sentinel.conf").write_text(
            f"port {self.port}\n"
            "bind 127.0.0.1\n"
            f"dir {directory}\n"
            f"requirepass {SENTINEL_PASSWORD}\n"
            f"sentinel monitor {master} 127.0.0.1 {master_port} 2\n"
            f"sentinel auth-pass {master} {DATA_PASSWORD}\n"
            f"sentinel down-after-milliseconds {master} {timing['down_after_ms']}\n"
            f"sentinel failover-timeout {master} {timing['failover_timeout_ms']}\n"
        )
        self.process: subprocess.Popen | None = None

    def client(self) -> redis.Redis:
        return redis.Redis(
            host="127.0.0.1",
            port=self.port,
            password=SENTINEL_PASSWORD,
            socket_timeout=5,
            decode_responses=True,
        )

    def start(self) -> None:
        with (self.directory / "sentinel.log").open("ab") as log:
            self.process = subprocess.Popen(
                ["redis-server", str(self.directory / "sentinel.conf"), "--sentinel"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def log(self) -> str:
        path = self.directory / "sentinel.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


class SentinelGroup:
    """One master, one replica of it, three sentinels (quorum 2) that fail it over.

    ``replica_args`` configure the replica further (a test may make it writable, to
    plant what a lagging replica would still hold).
    """

    MASTER_NAME = "cqar-cache"

    def __init__(
        self,
        directory: Path,
        *,
        down_after_ms: int = 1000,
        failover_timeout_ms: int = 3000,
        replica_args: tuple[str, ...] = (),
    ) -> None:
        auth = ("--masterauth", DATA_PASSWORD)
        # A replica syncs at once (Redis waits 5 s for more replicas to sync together).
        self.master = RedisServer(
            directory / "master", *auth, "--repl-diskless-sync-delay", "0", password=DATA_PASSWORD
        )
        self.replica = RedisServer(
            directory / "replica",
            *auth,
            "--replicaof",
            "127.0.0.1",
            str(self.master.port),
            *replica_args,
            password=DATA_PASSWORD,
        )
        self.sentinels = [
            Sentinel(
                directory / f"sentinel-{number}",
                self.MASTER_NAME,
                self.master.port,
                down_after_ms=down_after_ms,
                failover_timeout_ms=failover_timeout_ms,
            )
            for number in range(3)
        ]

    @property
    def url(self) -> str:
        """REDIS_URL for the registry, in the form README "Configuration" documents."""
        hosts = ",".join(f"127.0.0.1:{sentinel.port}" for sentinel in self.sentinels)
        return (
            f"redis+sentinel://:{DATA_PASSWORD}@{hosts}/{self.MASTER_NAME}/0"
            f"?sentinel_password={SENTINEL_PASSWORD}"
        )

    def start(self) -> "SentinelGroup":
        """The master, the replica in sync with it, and the sentinels (not yet waiting
        for them to know each other: wait_until_watching)."""
        self.master.start()
        self.replica.start()
        self._wait(self._replica_in_sync, 30, "the replica to sync with the master")
        for sentinel in self.sentinels:
            sentinel.start()
        return self

    def wait_until_watching(self) -> None:
        """Every sentinel knows the replica and the two other sentinels: a failover can
        be agreed and has somewhere to go."""

        def watching() -> bool:
            for sentinel in self.sentinels:
                try:
                    state = sentinel.client().sentinel_master(self.MASTER_NAME)
                except redis.exceptions.RedisError:
                    return False
                if state["num-other-sentinels"] < 2 or state["num-slaves"] < 1:
                    return False
            return True

        self._wait(watching, 30, "the sentinels to find each other and the replica")

    def master_port(self) -> int | None:
        """The master's port as the sentinels report it (a majority agreeing)."""
        ports = []
        for sentinel in self.sentinels:
            try:
                address = sentinel.client().sentinel_get_master_addr_by_name(self.MASTER_NAME)
            except redis.exceptions.RedisError:
                continue
            if address:
                ports.append(int(address[1]))
        agreed = [port for port in set(ports) if ports.count(port) >= 2]
        return agreed[0] if agreed else None

    def stop(self) -> None:
        for sentinel in self.sentinels:
            sentinel.stop()
        self.replica.stop()
        self.master.stop()

    def logs(self) -> str:
        return "\n".join(
            f"--- sentinel {number}\n{sentinel.log()}"
            for number, sentinel in enumerate(self.sentinels)
        ) + (f"\n--- master\n{self.master.log()}\n--- replica\n{self.replica.log()}")

    def _replica_in_sync(self) -> bool:
        info = self.replica.client().info("replication")
        return info.get("master_link_status") == "up"

    def _wait(self, predicate, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}:\n{self.logs()}")

"""A redis-server of a test's own, on a free port: the test may stop it, crash it and
start it again (empty, or from a snapshot) without touching the shared Redis."""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import redis


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """``redis-server`` on 127.0.0.1 and a free port, its files in ``directory``.

    It persists nothing by itself (as the cache's Redis should run): ``save()`` writes a
    snapshot, which the next ``start()`` loads, as a Redis restarted from an older
    snapshot (or a lagging replica promoted in its place) would come back.
    """

    def __init__(self, directory: Path, *args: str, password: str | None = None) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.args = args  # more configuration, as "--name", "value" pairs
        self.password = password  # its requirepass
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(
            host="127.0.0.1", port=self.port, password=self.password, socket_timeout=5
        )

    def start(self) -> "RedisServer":
        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "no",
                *(["--requirepass", self.password] if self.password else []),
                *self.args,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"redis-server exited: {self.log()}")
            try:
                if self.client().ping():
                    return self
            except redis.exceptions.RedisError:
                time.sleep(0.05)
        raise AssertionError(f"redis-server did not start: {self.log()}")

    def save(self) -> None:
        """A snapshot of what it holds now, loaded by the next start()."""
        self.client().save()

    def forget_snapshot(self) -> None:
        (self.directory / "dump.rdb").unlink(missing_ok=True)

    def stop(self) -> None:
        """Shut down without saving (what it held is gone, unless save() kept it)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def log(self) -> str:
        path = self.directory / "redis.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

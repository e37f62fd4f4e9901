"""A NATS JetStream server and a RabbitMQ node of a scenario's own, each on free ports of
127.0.0.1 with its files in a directory of the scenario's: a scenario may stop, cut and
restart them without touching the shared NATS (4222) or RabbitMQ (5672)."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.events.worker import stop_group
from tests.redis_server import free_port

NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"
# The script itself, not /usr/sbin's wrapper, which would switch to the rabbitmq user
# (who cannot write the scenario's directory) when we are root.
RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def _wait_listening(process: subprocess.Popen, port: int, timeout: float, log) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{process.args[0]} exited: {log()}")
        if _listening(port):
            return
        time.sleep(0.1)
    raise AssertionError(f"{process.args[0]} did not listen on {port} in {timeout} s: {log()}")


class NatsServer:
    """``nats-server -js``; its stream store survives stop() and start()."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> "NatsServer":
        log = (self.directory / "nats.log").open("ab")
        self.process = subprocess.Popen(
            [
                NATS_SERVER,
                *("-a", "127.0.0.1", "-p", str(self.port)),
                *("-js", "-sd", str(self.directory / "store")),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        _wait_listening(self.process, self.port, 30, self.log)
        return self

    def stop(self) -> None:
        stop_group(self.process)

    def log(self) -> str:
        path = self.directory / "nats.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


class RabbitNode:
    """A RabbitMQ node named ``cqar-rel-<port>@localhost``, with its own AMQP and
    distribution ports, database, logs and configuration. Registering its name with the
    machine's epmd is all it shares with the machine's RabbitMQ. Its queues and
    persistent messages survive stop() and start(), as a restarted broker's do."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.dist_port = free_port()
        # guest may connect over the loopback only, which is all a scenario uses.
        (self.directory / "rabbitmq.conf").write_text("log.console = false\n")
        (self.directory / "enabled_plugins").write_text("[].\n")
        self.process: subprocess.Popen | None = None
        self.start_seconds: list[float] = []  # how long each start() took

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "HOME": str(self.directory),  # the Erlang cookie goes here
            "RABBITMQ_NODENAME": f"cqar-rel-{self.port}@localhost",
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.directory / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.directory / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.directory / "rabbitmq"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.directory / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.directory / "rabbitmq.pid"),
        }

    def start(self) -> "RabbitNode":
        started = time.monotonic()
        log = (self.directory / "rabbitmq.out").open("ab")
        self.process = subprocess.Popen(
            [RABBITMQ_SERVER],
            env=self._env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        _wait_listening(self.process, self.port, 90, self.log)
        self.start_seconds.append(time.monotonic() - started)
        return self

    def stop(self) -> None:
        """Shut down as an operator's restart does (SIGTERM: the node stops cleanly)."""
        stop_group(self.process, grace=60)

    def log(self) -> str:
        path = self.directory / "rabbitmq.out"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

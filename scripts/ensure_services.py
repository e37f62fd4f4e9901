#!/usr/bin/env python3
"""Make sure the services the test suite talks to are reachable; start them if we can.

Reads DATABASE_URL, REDIS_URL, NATS_URL and CELERY_BROKER_URL (the Makefile sets local defaults). A
service on this machine that is down is started with its usual command; one that
cannot be reached or started fails with a message naming the variable to set.
Standard library only: this runs before anything else is known to work.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _postgres_start() -> list[str] | None:
    versions = sorted(Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").is_dir() else []
    if not versions or not shutil.which("pg_ctlcluster"):
        return None
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1].name, "main", "start"]


def _redis_start() -> list[str] | None:
    if not shutil.which("redis-server"):
        return None
    return [
        "redis-server",
        "--daemonize",
        "yes",
        "--bind",
        "127.0.0.1",
        "--port",
        "6379",
        "--save",
        "",
        "--appendonly",
        "no",
    ]


def _nats_start() -> list[str] | None:
    if not (shutil.which("start-stop-daemon") and Path("/usr/sbin/nats-server").exists()):
        return None
    return [
        "start-stop-daemon",
        "--start",
        "--oknodo",
        "--background",
        "--exec",
        "/usr/sbin/nats-server",
        "--",
        "-a",
        "127.0.0.1",
        "-p",
        "4222",
        "-js",
        "-sd",
        "/var/lib/nats-server",
    ]


def _rabbitmq_start() -> list[str] | None:
    if not shutil.which("rabbitmq-server"):
        return None
    return ["rabbitmq-server", "-detached"]


SERVICES = [
    # (name, variable, default port, start command factory)
    ("PostgreSQL", "DATABASE_URL", 5432, _postgres_start),
    ("Redis", "REDIS_URL", 6379, _redis_start),
    ("NATS JetStream", "NATS_URL", 4222, _nats_start),
    ("RabbitMQ (Celery broker)", "CELERY_BROKER_URL", 5672, _rabbitmq_start),
]


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def ensure(name: str, variable: str, default_port: int, start_command) -> str | None:
    """Return None when the service answers, else the reason it does not."""
    url = os.environ.get(variable)
    if not url:
        return f"{name}: {variable} is not set. Set {variable} to the {name} to test against."
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or default_port
    if _reachable(host, port):
        return None
    command = start_command() if host in LOCAL_HOSTS else None
    if command is None:
        return (
            f"{name} is not reachable at {host}:{port} and cannot be started here. Start it "
            f"(README: 'Services'), or set {variable} to one that runs."
        )
    print(f"{name} is down at {host}:{port}; starting it: {' '.join(command)}")
    subprocess.run(command, check=False)
    for _ in range(120):  # RabbitMQ takes a while
        if _reachable(host, port):
            return None
        time.sleep(0.5)
    return f"{name} did not come up at {host}:{port} after '{' '.join(command)}'; set {variable}."


def main() -> int:
    failures = [reason for service in SERVICES if (reason := ensure(*service))]
    for reason in failures:
        print(f"error: {reason}", file=sys.stderr)
    if not failures:
        print("services: " + ", ".join(f"{name} ok" for name, *_ in SERVICES))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""A Celery worker in a subprocess, for the event tests and ``make bench-events``."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def session_database_url() -> str:
    """The URL of the database this test session runs on, for processes it starts."""
    from django.conf import settings
    from django.db import connection

    database = settings.DATABASES["default"]
    return (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{connection.settings_dict['NAME']}"
    )


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}")


def stop_group(process: subprocess.Popen | None, grace: float = 20) -> None:
    """SIGTERM a process started in its own session, and its children; SIGKILL them if
    they have not exited after ``grace`` seconds."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


class Worker:
    """``celery -A config worker --beat`` in its own process group, logging to a file."""

    def __init__(self, log_path: Path, env: dict[str, str]) -> None:
        self.log_path = log_path
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--beat",
                "--schedule",
                str(self.log_path.with_suffix(".beat")),
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                # A node name of its own: two workers named celery@<host> (another test
                # run's, a developer's) fight over the same exclusive pidbox queue.
                "--hostname",
                f"cqar-test-{os.getpid()}-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=ROOT,
            # At least INFO: start() waits for Celery's "ready." line, and the worker logs
            # at LOG_LEVEL (config/celery.py), not at --loglevel.
            env={**self.env, "LOG_LEVEL": "INFO"},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for(
                lambda: b"ready." in self.log_path.read_bytes() or self.process.poll() is not None,
                60,
                "the Celery worker to start",
            )
        except AssertionError as error:
            self.stop()  # never leave a worker behind that a caller's finally cannot reach
            raise AssertionError(f"{error}: {self.log()}") from None
        if self.process.poll() is not None:
            raise AssertionError(f"The worker exited: {self.log()}")
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def kill(self) -> None:
        """SIGKILL the whole group: the pool child dies mid-task, as on a crash."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        stop_group(self.process)
        self._log.close()

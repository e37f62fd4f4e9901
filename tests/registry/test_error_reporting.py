"""Error reports (config/error_reporting.py): a real gunicorn with SENTRY_DSN pointing at
an ingestion server of the test's own (http.server on loopback, speaking the envelope
endpoint of Sentry's protocol) receives the report of a failed request, tagged with its
request id and without personal data. Without SENTRY_DSN the SDK is never loaded."""

import gzip
import json
import os
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.api.test_server_limits import GUNICORN, REPOSITORY, answers, free_port, request
from tests.events.worker import session_database_url, wait_for

SESSION_COOKIE = "sessionid=not-for-sentry-3f9a1c"


class IngestionServer(ThreadingHTTPServer):
    """Accepts envelopes on /api/<project>/envelope/ and keeps them, decompressed."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), EnvelopeHandler)
        self.envelopes: list[bytes] = []

    def events(self) -> list[dict]:
        """The error events of every envelope received so far."""
        found = []
        for envelope in list(self.envelopes):
            lines = envelope.split(b"\n")
            for header, payload in zip(lines[1::2], lines[2::2], strict=False):
                if json.loads(header).get("type") == "event":
                    found.append(json.loads(payload))
        return found


class EnvelopeHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if self.path.endswith("/envelope/"):
            self.server.envelopes.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def ingestion():
    server = IngestionServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def failing_server(ingestion, tmp_path, django_db_setup):
    """gunicorn reporting to ``ingestion``, with one view that fails (a database that is
    gone is no bug: it answers 503 and is not reported)."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.registry.failing_settings",
        "DATABASE_URL": session_database_url(),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "DEBUG": "false",
        "SENTRY_DSN": f"http://publickey@127.0.0.1:{ingestion.server_address[1]}/42",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            GUNICORN,
            cwd=REPOSITORY,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: process.poll() is not None or answers(port), 60, "gunicorn to serve")
        assert process.poll() is None, log.read_text()
        yield port
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def test_a_failed_request_is_reported_with_its_request_id_and_no_personal_data(
    ingestion, failing_server
):
    """A view that raises: a 500, reported."""
    status, headers, _ = request(
        failing_server,
        "GET",
        "/fail/",
        X_Request_ID="sentry-probe-1",
        Cookie=SESSION_COOKIE,
    )

    assert status == 500
    assert headers["X-Request-ID"] == "sentry-probe-1"
    (event,) = wait_for(ingestion.events, 20, "the error report")
    assert event["tags"]["request_id"] == "sentry-probe-1"
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["request"]["url"].endswith("/fail/")
    raw = b"".join(ingestion.envelopes)
    # No cookie (send_default_pii off), not even as a frame's local variable (the view
    # holds it in one), and not the caller's address.
    assert b"not-for-sentry" not in raw
    assert b"REMOTE_ADDR" not in raw and b"ip_address" not in raw


def test_without_a_dsn_the_sdk_is_not_even_loaded():
    env = {key: value for key, value in os.environ.items() if key != "SENTRY_DSN"}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "import sys; print('sentry_sdk' in sys.modules)",
        ],
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr

"""The logs of a real gunicorn (config/gunicorn.py) as a log collector reads them: every
line one JSON object, gunicorn's own (error and access log) and Django's alike, joined
by the request id the response returned."""

import json
import os
import signal
import subprocess

import pytest

from tests.api.test_server_limits import GUNICORN, REPOSITORY, answers, free_port, request
from tests.events.worker import session_database_url, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def logged_server(django_db_setup, tmp_path_factory):
    """gunicorn, one worker, JSON logs and the access log on stdout; (port, log file)."""
    port = free_port()
    log = tmp_path_factory.mktemp("gunicorn-logs") / "gunicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": session_database_url(),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "DEBUG": "false",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "GUNICORN_ACCESS_LOG": "-",
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
        yield port, log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def json_lines(log) -> list[dict]:
    """Every line of the log, parsed; a line that is not a JSON object fails the test."""
    lines = []
    for text in log.read_text().splitlines():
        try:
            line = json.loads(text)
        except ValueError:
            pytest.fail(f"Not a JSON line: {text!r}")
        assert isinstance(line, dict), text
        lines.append(line)
    return lines


def lines_of(log, request_id: str) -> dict[str, dict]:
    """The request's lines by logger, once both its request and access lines are there."""

    def found():
        mine = {
            line["logger"]: line for line in json_lines(log) if line.get("request_id") == request_id
        }
        return mine if {"registry.requestlog", "gunicorn.access"} <= set(mine) else None

    return wait_for(found, 10, f"the log lines of request {request_id}")


def test_a_request_has_a_request_line_and_an_access_line_with_its_id(logged_server):
    port, log = logged_server

    status, headers, _ = request(
        port, "GET", "/api/v1/assets/?symbol=X", X_Request_ID="edge-7f3a", User_Agent="probe/1"
    )

    assert status == 401  # no token: still one request line and one access line
    assert headers["X-Request-ID"] == "edge-7f3a"
    lines = lines_of(log, "edge-7f3a")
    access = lines["gunicorn.access"]
    assert access["event"] == "access"
    assert (access["method"], access["path"], access["query"]) == (
        "GET",
        "/api/v1/assets/",
        "symbol=X",
    )
    assert (access["status"], access["user_agent"], access["level"]) == (401, "probe/1", "info")
    assert access["bytes"] > 0 and access["duration_ms"] > 0 and access["timestamp"]
    line = lines["registry.requestlog"]
    assert (line["route"], line["status"], line["actor"]) == ("asset-list", 401, None)


def test_a_hostile_request_id_is_replaced_in_the_answer_and_both_lines(logged_server):
    port, log = logged_server

    _, headers, _ = request(port, "GET", "/admin/login/", X_Request_ID="x" * 4000)

    returned = headers["X-Request-ID"]
    assert len(returned) == 36
    lines = lines_of(log, returned)
    assert lines["gunicorn.access"]["status"] == lines["registry.requestlog"]["status"] == 200
    assert "x" * 200 not in log.read_text()


def test_gunicorn_s_own_lines_are_json_too(logged_server):
    """The master's start-up lines and a refusal gunicorn answers itself, with its id."""
    port, log = logged_server

    status, headers, _ = request(port, "GET", "/api/v1/assets/?symbol=" + "X" * 5000)

    assert status == 414
    refused = wait_for(
        lambda: [
            line
            for line in json_lines(log)
            if line.get("request_id") == headers["X-Request-ID"] and line.get("status") == 414
        ],
        10,
        "the refusal's log line",
    )
    assert refused[0]["logger"] == "gunicorn.error"
    assert refused[0]["level"] == "warning"
    events = [line["event"] for line in json_lines(log) if line["logger"] == "gunicorn.error"]
    assert any(event.startswith("Booting worker") for event in events), events

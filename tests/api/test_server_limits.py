"""The request limits as a client meets them: a real gunicorn with config/gunicorn.py,
started on a free port against the test database. Whatever refuses a request (gunicorn
itself, Django, DRF, the hot path) answers in the API's error shape."""

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from registry.roles import STEWARD, VIEWER
from tests.conftest import token_client
from tests.events.worker import session_database_url, wait_for
from tests.factories import AssetFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the server sees committed rows only

REPOSITORY = Path(__file__).resolve().parents[2]
THREE_MB = 3 * 1024 * 1024
# The production command; no control socket, which would be shared with other servers.
GUNICORN = [
    *(sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py"),
    *("--no-control-socket", "config.wsgi"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/healthz")
        connection.getresponse().read()
        return True
    except OSError:
        return False


@contextlib.contextmanager
def gunicorn(log: Path, **env: str):
    """gunicorn with the production configuration, one worker, on the test database and
    a free port (``env`` on top); its port."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": session_database_url(),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "DEBUG": "false",
        **env,
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


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory):
    """gunicorn, one worker, on the test database; its port."""
    with gunicorn(tmp_path_factory.mktemp("gunicorn") / "gunicorn.log") as port:
        yield port


def request(port: int, method: str, target: str, body: bytes = b"", **headers):
    """(status, headers, parsed JSON body) of one request over a fresh connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            connection.putheader(name.replace("_", "-"), value)
        connection.endheaders()
        # The server may answer (and close) before it has read the whole body.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.send(body)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def assert_error_shape(answer, status: int, code: str) -> dict:
    got_status, headers, body = answer
    assert got_status == status, body[:500]
    assert headers["Content-Type"].startswith("application/json"), body[:500]
    error = json.loads(body)["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code, error
    return error


def authorization(client) -> str:
    return client._credentials["HTTP_AUTHORIZATION"]


def test_a_url_over_the_request_line_limit_is_a_414_in_the_error_shape(server):
    """gunicorn refuses it before Django sees it; its answer is JSON, not its HTML page."""
    answer = request(server, "GET", "/api/v1/assets/?symbol=" + "X" * 5000)

    error = assert_error_shape(answer, 414, "uri_too_long")
    assert "4094 bytes" in error["message"]


def test_a_header_over_the_limit_is_a_431_in_the_error_shape(server):
    answer = request(server, "GET", "/api/v1/assets/", X_Padding="x" * 9000)

    assert_error_shape(answer, 431, "headers_too_large")


def test_a_url_under_the_limit_reaches_the_api(server):
    """Just under the limit, the API answers (here: the missing token)."""
    target = "/api/v1/assets/?symbol=" + "X" * 4000

    assert_error_shape(request(server, "GET", target), 401, "not_authenticated")


def test_a_3_mb_body_is_a_413_in_the_error_shape(server, transactional_db):
    """Was a 500 (RequestDataTooBig) on the REST API."""
    steward = token_client("steward", VIEWER, STEWARD)
    body = json.dumps({"symbol": "BIG", "name": "x" * THREE_MB, "asset_type": "ERC20"}).encode()

    answer = request(
        server,
        "POST",
        "/api/v1/assets/",
        body,
        Authorization=authorization(steward),
        Content_Type="application/json",
    )

    error = assert_error_shape(answer, 413, "request_too_large")
    assert "2,621,440 bytes" in error["message"]


def test_a_3_mb_batch_is_a_413_in_the_error_shape(server, transactional_db):
    viewer = token_client("viewer", VIEWER)
    lookup = {"type": "symbol", "symbol": "BTC"}
    body = json.dumps({"lookups": [lookup] * (THREE_MB // 30)}).encode()

    answer = request(
        server,
        "POST",
        "/api/v1/resolve/batch/",
        body,
        Authorization=authorization(viewer),
        Content_Type="application/json",
    )

    assert_error_shape(answer, 413, "request_too_large")


@pytest.mark.parametrize("version", ["²", pytest.param("9" * 5000, id="5000-digits")])
def test_an_if_match_that_is_no_version_is_a_412_in_the_error_shape(
    server, transactional_db, version
):
    """Were 500s: "²" is a digit to str.isdigit() and not to int(); 5,000 digits are more
    than int() reads. The write does not happen."""
    steward = token_client("steward", VIEWER, STEWARD)
    asset = AssetFactory(name="Before")

    answer = request(
        server,
        "PATCH",
        f"/api/v1/assets/{asset.pk}/",
        b'{"name": "After"}',
        Authorization=authorization(steward),
        Content_Type="application/json",
        If_Match=f'"{version}"',
    )

    assert_error_shape(answer, 412, "stale_version")
    asset.refresh_from_db()
    assert asset.name == "Before"


def test_an_unknown_api_path_is_a_json_404(server):
    assert_error_shape(request(server, "GET", "/api/v1/no-such-endpoint/"), 404, "not_found")


def raw_exchange(port: int, data: bytes) -> tuple[int, dict, bytes]:
    """Send ``data`` as it is; (status, headers, body) of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(data)
        return read_answer(sock)


def read_answer(sock: socket.socket) -> tuple[int, dict, bytes]:
    """(status, headers, body) of what the server sends until it closes."""
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    return int(status_line.split()[1]), headers, body


BATCH_HEAD = b"POST /api/v1/resolve/batch/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
MALFORMED = {
    "Content-Length and Transfer-Encoding": (
        BATCH_HEAD + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
        "bad_request",
    ),
    "two Content-Lengths": (
        BATCH_HEAD + b"Content-Length: 4\r\nContent-Length: 40\r\n\r\nabcd",
        400,
        "bad_request",
    ),
    "an unknown Transfer-Encoding": (
        BATCH_HEAD + b"Content-Length: 4\r\nTransfer-Encoding: xchunked\r\n\r\nabcd",
        501,
        "not_implemented",
    ),
    "bare LFs": (b"GET /livez HTTP/1.1\nHost: 127.0.0.1\n\n", 400, "bad_request"),
    "a CR in a header value": (
        b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\rb\r\n\r\n",
        400,
        "bad_request",
    ),
    "a body over 4 MiB announced": (
        BATCH_HEAD + b"Content-Length: 4194305\r\n\r\n{",
        413,
        "request_too_large",
    ),
}


@pytest.mark.parametrize(("data", "status", "code"), MALFORMED.values(), ids=list(MALFORMED))
def test_malformed_http_is_refused_in_the_error_shape_with_a_request_id(server, data, status, code):
    """Were gunicorn's HTML pages without X-Request-ID: its parser refuses them before
    Django (config/gunicorn_workers.py)."""
    answer = raw_exchange(server, data)

    assert_error_shape(answer, status, code)
    assert uuid.UUID(answer[1]["X-Request-ID"])


def test_forwarding_headers_of_a_local_client_are_not_trusted(server, transactional_db):
    """gunicorn trusted loopback's X-Forwarded-Proto: https links and HSTS over plain
    HTTP, though SECURE_PROXY_SSL_HEADER is unset; and its SCRIPT_NAME (a 500)."""
    viewer = token_client("viewer", VIEWER)
    status, headers, body = request(
        server,
        "GET",
        "/api/v1/",
        Authorization=authorization(viewer),
        X_Forwarded_Proto="https",
        X_Forwarded_Ssl="on",
    )
    assert status == 200
    assert "Strict-Transport-Security" not in headers
    assert json.loads(body)["assets"] == f"http://127.0.0.1:{server}/api/v1/assets/"

    status, _, body = raw_exchange(
        server, b"GET /api/v1/ HTTP/1.1\r\nHost: 127.0.0.1\r\nSCRIPT_NAME: /elsewhere\r\n\r\n"
    )
    assert status == 401, body  # the API's answer, not a 500 about SCRIPT_NAME

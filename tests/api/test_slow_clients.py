"""Slow clients against the production server (config/gunicorn.py, one worker): a
connection that sends nothing, drips its headers, or announces a body it never sends
holds no worker (config/gunicorn_workers.py buffers each request whole before the
application sees it), and is answered 408 (or closed, if it sent nothing) once
GUNICORN_READ_TIMEOUT has passed. With gunicorn's sync worker, three such connections
held a one-worker server until its worker timeout killed the worker."""

import contextlib
import socket

import pytest

from tests.api.test_server_limits import assert_error_shape, gunicorn, read_answer, request

SLOW_STARTS = {
    "idle": b"",
    "headers": b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: b\r\n",
    "body": (
        b"POST /api/v1/auth/tokens/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
    ),
}


@pytest.fixture(scope="module")
def patient_server(django_db_setup, tmp_path_factory):
    """A read timeout longer than the test: nothing the slow clients send expires."""
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with gunicorn(log, GUNICORN_READ_TIMEOUT="120") as port:
        yield port


@pytest.fixture(scope="module")
def impatient_server(django_db_setup, tmp_path_factory):
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with gunicorn(log, GUNICORN_READ_TIMEOUT="1") as port:
        yield port


@contextlib.contextmanager
def slow_clients(port: int, count: int):
    """``count`` connections of each kind in SLOW_STARTS, held open."""
    sockets = []
    try:
        for start in SLOW_STARTS.values():
            for _ in range(count):
                sock = socket.create_connection(("127.0.0.1", port), timeout=30)
                sock.sendall(start)
                sockets.append(sock)
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def still_waiting(sock: socket.socket) -> bool:
    """Neither answered nor closed by the server."""
    sock.setblocking(False)
    try:
        sock.recv(1, socket.MSG_PEEK)  # an answer, or b"": closed
    except BlockingIOError:
        return True
    finally:
        sock.setblocking(True)
    return False


def test_slow_clients_hold_no_worker(patient_server):
    """The one worker answers others while 30 slow connections are held open (each
    dripping more); no client times out waiting (30 s, the worker timeout)."""
    with slow_clients(patient_server, 10) as held:
        for sock in held[10:20]:
            sock.sendall(b"X-B: c\r\n")  # more of the headers, never their end
        for _ in range(3):
            assert request(patient_server, "GET", "/livez")[0] == 200
        assert all(still_waiting(sock) for sock in held)


def test_a_slow_request_completed_is_answered(patient_server):
    """Buffered in pieces, the request is the application's once it is whole."""
    with socket.create_connection(("127.0.0.1", patient_server), timeout=30) as sock:
        sock.sendall(b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        assert request(patient_server, "GET", "/livez")[0] == 200  # not held up meanwhile
        sock.sendall(b"Accept: application/json\r\n\r\n")
        assert read_answer(sock)[0] == 200


@pytest.mark.parametrize("kind", ["headers", "body"])
def test_a_request_not_whole_within_the_read_timeout_is_a_408(impatient_server, kind):
    with socket.create_connection(("127.0.0.1", impatient_server), timeout=30) as sock:
        sock.sendall(SLOW_STARTS[kind])
        answer = read_answer(sock)  # once the read timeout has passed
    error = assert_error_shape(answer, 408, "request_timeout")
    assert "within 1 s" in error["message"]
    assert "X-Request-ID" in answer[1]


def test_a_connection_that_sends_nothing_is_closed_after_the_read_timeout(impatient_server):
    with socket.create_connection(("127.0.0.1", impatient_server), timeout=30) as sock:
        assert sock.recv(1) == b""  # closed, without an answer

"""gunicorn's sync worker, given a request only once the whole of it has arrived, and
answering what gunicorn refuses itself in the API's error shape.

**Slow clients.** gunicorn's sync worker reads a request on a blocking socket: a
client that connects and sends nothing, drips its headers, or announces a body it
never sends holds the worker until gunicorn's timeout kills it, so four such
connections stop a four-worker server
(docs/RUNBOOK.md, "Slow clients and the proxy in front").

This worker reads like a buffering proxy: one poller per process accepts connections
and collects each request's bytes without blocking; only a request that has fully
arrived (its headers, and the body its Content-Length or chunked framing announces) is
handed to the application, one at a time, as in the sync worker. A slow client costs a
file descriptor and its buffered bytes, never the worker; a request not complete within
``GUNICORN_READ_TIMEOUT`` seconds of connecting is answered 408 (or, if it sent
nothing, closed). After the answer, the poller lingers on the connection (up to
``LINGER_SECONDS``) until the client closes, so a client that never does costs no
worker either.

**Refusals.** gunicorn reads the request line and the headers before Django sees
anything, and refuses what it cannot or will not parse with an HTML page. An API
client gets ``{"error": {"code", "message", "fields"}}`` and an ``X-Request-ID``
instead, as from every other refusal (registry.api.exceptions), whatever the path:
malformed HTTP has no path to tell an API call from an admin page.
"""

import collections
import errno
import json
import os
import selectors
import socket
import time
import uuid

from gunicorn import http, util
from gunicorn.http.errors import (
    ChunkMissingTerminator,
    ExpectationFailed,
    InvalidChunkExtension,
    InvalidChunkSize,
    InvalidHeader,
    InvalidHeaderName,
    InvalidHTTPVersion,
    InvalidRequestLine,
    InvalidRequestMethod,
    InvalidSchemeHeaders,
    LimitRequestHeaders,
    LimitRequestLine,
    ObsoleteFolding,
    UnsupportedTransferCoding,
)
from gunicorn.workers.sync import SyncWorker

# Seconds from connecting to the last byte of the request (headers and body). A client
# behind the recommended proxy sends the request in one go; one without a proxy on a
# slow link (the admin's 2 MB upload at 2 Mbit/s: 8 s) should have it raised.
READ_TIMEOUT_SECONDS = float(os.environ.get("GUNICORN_READ_TIMEOUT", 10))
# The largest body buffered: the admin's 2 MB uploads (registry.exchange.jobs) with their
# multipart framing, and the API's 2.5 MiB (DATA_UPLOAD_MAX_MEMORY_SIZE). A larger
# announced or sent body is a 413 before the application sees it.
MAX_BODY_BYTES = 4 * 1024 * 1024
# Bytes one worker buffers over all its waiting connections; past it, or past
# gunicorn's worker_connections connections, the oldest waiting connection is closed
# to make room (it has had the most time to send its request).
MAX_BUFFERED_BYTES = 64 * 1024 * 1024
# How long a closing connection is drained until the client closes it (a close with
# unread bytes makes the kernel send a reset that can destroy the answer in flight).
LINGER_SECONDS = 2.0
LINGER_MAX_BYTES = 64 * 1024
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"

# A request is in one of three states while it arrives.
INCOMPLETE, COMPLETE, TOO_LARGE = "incomplete", "complete", "too large"

# exception -> (status, reason phrase, error code, message); the first match counts.
REFUSALS = [
    (
        LimitRequestLine,
        (
            414,
            "URI Too Long",
            "uri_too_long",
            "The request line (method, URL and HTTP version) is longer than {line} bytes.",
        ),
    ),
    (
        LimitRequestHeaders,
        (
            431,
            "Request Header Fields Too Large",
            "headers_too_large",
            "More than {fields} headers, or one longer than {field_size} bytes.",
        ),
    ),
    (
        UnsupportedTransferCoding,
        (
            501,
            "Not Implemented",
            "not_implemented",
            "The only Transfer-Encoding understood is chunked.",
        ),
    ),
    (
        ExpectationFailed,
        (
            417,
            "Expectation Failed",
            "expectation_failed",
            "The only Expect understood is 100-continue.",
        ),
    ),
    (
        (
            InvalidRequestLine,
            InvalidRequestMethod,
            InvalidHTTPVersion,
            InvalidHeader,
            InvalidHeaderName,
            InvalidSchemeHeaders,
            ObsoleteFolding,
            InvalidChunkSize,
            ChunkMissingTerminator,
            InvalidChunkExtension,
        ),
        (
            400,
            "Bad Request",
            "bad_request",
            # Not the parser's words: they would echo what the client sent (a token).
            "Malformed HTTP: an invalid request line, header or chunk, a bare LF, or "
            "a header repeated that must appear once (Content-Length, Host).",
        ),
    ),
]
# Answered by the poller itself, before gunicorn's parser sees the request.
REQUEST_TIMEOUT = (
    408,
    "Request Timeout",
    "request_timeout",
    "The request did not arrive whole within {read_timeout:g} s of connecting.",
)
BODY_TOO_LARGE = (
    413,
    "Content Too Large",
    "request_too_large",
    "The request body is larger than {max_body:,} bytes.",
)


def request_state(data: bytes, head_limit: int) -> str:
    """Whether ``data`` holds a whole request: its headers and the body they announce.

    Only the framing is read here; anything odd about it (two Content-Lengths, one with
    a Transfer-Encoding, a length that is no number) counts as complete, so that
    gunicorn's parser refuses it as it would have."""
    head_end = data.find(b"\r\n\r\n")
    body_start = head_end + 4
    if head_end < 0:
        head_end = data.find(b"\n\n")  # bare LFs: gunicorn refuses them
        body_start = head_end + 2
    if head_end < 0:
        return COMPLETE if len(data) > head_limit else INCOMPLETE
    lengths, chunked = [], False
    for line in data[:head_end].split(b"\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            lengths.append(value.strip())
        elif name == b"transfer-encoding":
            # Only a body whose last coding is chunked is framed by chunks; any other
            # coding is gunicorn's to refuse (501), at once rather than at the timeout.
            codings = [c.strip().lower() for c in value.split(b",")]
            if codings[-1] != b"chunked":
                return COMPLETE
            chunked = True
    body = memoryview(data)[body_start:]
    if chunked:
        if lengths:
            return COMPLETE
        return chunked_body_state(body)
    if not lengths:
        return COMPLETE
    if len(lengths) > 1 or not lengths[0].isdigit():
        return COMPLETE
    if len(lengths[0]) > 12 or int(lengths[0]) > MAX_BODY_BYTES:
        return TOO_LARGE
    return COMPLETE if len(body) >= int(lengths[0]) else INCOMPLETE


HEX_DIGITS = b"0123456789abcdefABCDEF"


def chunked_body_state(body: memoryview) -> str:
    """Walk the chunks: complete at the last chunk and the empty line after any trailers."""
    data, position = body.tobytes(), 0
    while True:
        line_end = data.find(b"\r\n", position)
        if line_end < 0:
            return TOO_LARGE if len(data) > MAX_BODY_BYTES else INCOMPLETE
        size = data[position:line_end].split(b";", 1)[0].strip()
        # Hex digits only: int() also takes "-6", "+5", "0x5" and "1_0", and a negative
        # size walked back to the same line for ever, before any authentication.
        if not size or size.strip(HEX_DIGITS) or len(size) > 16:
            return COMPLETE  # gunicorn refuses the chunk
        size = int(size, 16)
        if size == 0:  # the last chunk; trailers, if any, end at an empty line
            return COMPLETE if data.find(b"\r\n\r\n", line_end) >= 0 else INCOMPLETE
        position = line_end + 2 + size + 2
        if position > MAX_BODY_BYTES:
            return TOO_LARGE
        if position > len(data):
            return INCOMPLETE


class ArrivingRequest:
    """An accepted connection whose request is still arriving."""

    __slots__ = ("addr", "continued", "data", "deadline", "listener", "sock")

    def __init__(self, sock, addr, listener):
        self.sock = sock
        self.addr = addr
        self.listener = listener
        self.data = bytearray()
        self.deadline = time.monotonic() + READ_TIMEOUT_SECONDS
        self.continued = False


class ArrivedClient:
    """The client socket as gunicorn's parser reads it: the buffered request first.

    gunicorn reads through ``recv``; the response goes out through the socket itself
    (every other attribute). Should the parser want more than was buffered (framing
    this module misjudged), it may read until the connection's deadline, then meets
    the end of the stream."""

    def __init__(self, sock, data: bytearray, deadline: float):
        self._sock = sock
        self._data = memoryview(bytes(data))
        self._deadline = deadline

    def recv(self, size: int, *flags) -> bytes:
        if self._data:
            chunk, self._data = self._data[:size], self._data[size:]
            return chunk.tobytes()
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            return b""
        self._sock.settimeout(remaining)
        try:
            return self._sock.recv(size, *flags)
        except TimeoutError:
            return b""
        finally:
            self._sock.settimeout(None)

    def __getattr__(self, name):
        return getattr(self._sock, name)


class BufferingSyncWorker(SyncWorker):
    """The sync worker behind a poller that buffers each request (module docstring)."""

    def init_process(self):
        if self.cfg.is_ssl:
            raise RuntimeError("BufferingSyncWorker serves plain HTTP: end TLS in a proxy.")
        self.poller = selectors.DefaultSelector()
        self.arriving = collections.OrderedDict()  # socket -> ArrivingRequest, oldest first
        self.buffered = 0  # bytes of the arriving requests, kept under MAX_BUFFERED_BYTES
        self.arrived = collections.deque()
        self.lingering = {}  # socket -> (deadline, bytes drained)
        super().init_process()

    def run(self):
        for listener in self.sockets:
            listener.setblocking(False)
            self.poller.register(listener, selectors.EVENT_READ, self.accept)
        self.poller.register(self.PIPE[0], selectors.EVENT_READ, self.wake_up)
        heartbeat = self.timeout or 0.5
        while self.alive:
            self.notify()
            if not self.is_parent_alive():
                break
            wait = 0 if self.arrived else min(heartbeat, self.next_deadline())
            for key, _ in self.poller.select(max(wait, 0)):
                key.data(key.fileobj)
            self.expire()
            if self.arrived:
                self.serve(self.arrived.popleft())
        # Stopping: answer what has arrived (graceful_timeout bounds it), drop the rest.
        while self.arrived:
            self.notify()
            self.serve(self.arrived.popleft())
        for sock in [*self.arriving, *self.lingering]:
            util.close(sock)

    def wake_up(self, pipe):
        os.read(pipe, 4096)

    def next_deadline(self) -> float:
        oldest = next(iter(self.arriving.values()), None)
        deadlines = [deadline for deadline, _ in self.lingering.values()]
        if oldest is not None:
            deadlines.append(oldest.deadline)
        return min(deadlines, default=float("inf")) - time.monotonic()

    def accept(self, listener):
        """Take one connection (the other workers take the next ones) and read what is there."""
        try:
            sock, addr = listener.accept()
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                return
            raise
        sock.setblocking(False)
        util.close_on_exec(sock)
        self.make_room()
        arriving = ArrivingRequest(sock, addr, listener)
        self.arriving[sock] = arriving
        self.poller.register(sock, selectors.EVENT_READ, self.receive)
        self.receive(sock)

    def make_room(self, connecting: bool = True):
        """Close the oldest arriving connections while there are too many (``connecting``:
        room for one more) or their bytes are over MAX_BUFFERED_BYTES."""
        while self.arriving and (
            (connecting and len(self.arriving) >= self.cfg.worker_connections)
            or self.buffered > MAX_BUFFERED_BYTES
        ):
            sock = next(iter(self.arriving))
            self.forget(sock)
            util.close(sock)

    def receive(self, sock):
        arriving = self.arriving[sock]
        try:
            data = sock.recv(256 * 1024)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client gave up
            self.forget(sock)
            util.close(sock)
            return
        arriving.data += data
        self.buffered += len(data)
        if self.buffered > MAX_BUFFERED_BYTES:  # checked as bytes arrive, not only at accept
            self.make_room(connecting=False)
            if sock not in self.arriving:
                return
        head_limit = self.cfg.limit_request_line + self.cfg.limit_request_fields * (
            self.cfg.limit_request_field_size + 2
        )
        state = request_state(arriving.data, head_limit)
        if state == INCOMPLETE:
            head_end = arriving.data.find(b"\r\n\r\n")
            head = arriving.data[:head_end].lower() if head_end >= 0 else b""
            if not arriving.continued and b"100-continue" in head:
                # The client waits for this before it sends the body (curl, for bodies
                # over 1 kB); gunicorn sends its own again when it parses the request,
                # which HTTP/1.1 clients read past (any number of 1xx may precede).
                arriving.continued = True
                self.send_quietly(sock, CONTINUE)
            return
        self.forget(sock)
        if state == TOO_LARGE:
            self.refuse(sock, arriving.addr, BODY_TOO_LARGE, "body over the limit")
        else:
            self.arrived.append(arriving)

    def forget(self, sock):
        self.poller.unregister(sock)
        self.buffered -= len(self.arriving.pop(sock).data)

    def expire(self):
        now = time.monotonic()
        while self.arriving:
            sock, oldest = next(iter(self.arriving.items()))
            if oldest.deadline > now:
                break
            self.forget(sock)
            if oldest.data:
                self.refuse(sock, oldest.addr, REQUEST_TIMEOUT, "request not whole in time")
            else:
                util.close(sock)
        for sock, (deadline, _) in list(self.lingering.items()):
            if deadline <= now:
                self.stop_lingering(sock)

    def serve(self, arrived):
        arrived.sock.setblocking(True)
        client = ArrivedClient(arrived.sock, arrived.data, arrived.deadline)
        self.handle(arrived.listener, client, arrived.addr)

    def handle(self, listener, client, addr):
        """SyncWorker.handle, with the connection closed through the poller (linger)."""
        req = None
        try:
            parser = http.get_parser(self.cfg, client, addr)
            req = next(parser)
            self.handle_request(listener, req, client, addr)
        except http.errors.NoMoreData as error:
            self.log.debug("Ignored premature client disconnection. %s", error)
        except StopIteration as error:
            self.log.debug("Closing connection. %s", error)
        except OSError as error:
            if error.errno not in (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN):
                self.log.exception("Socket error processing request.")
        except BaseException as error:
            self.handle_error(req, client, addr, error)
        finally:
            self.linger(client._sock if isinstance(client, ArrivedClient) else client)

    def linger(self, sock):
        """Half-close, and drain through the poller until the client closes too."""
        try:
            sock.shutdown(socket.SHUT_WR)
            sock.setblocking(False)
        except OSError:
            util.close(sock)
            return
        self.lingering[sock] = (time.monotonic() + LINGER_SECONDS, 0)
        self.poller.register(sock, selectors.EVENT_READ, self.drain)

    def drain(self, sock):
        deadline, drained = self.lingering[sock]
        try:
            data = sock.recv(LINGER_MAX_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        drained += len(data)
        if not data or drained >= LINGER_MAX_BYTES:
            self.stop_lingering(sock)
        else:
            self.lingering[sock] = (deadline, drained)

    def stop_lingering(self, sock):
        self.poller.unregister(sock)
        del self.lingering[sock]
        util.close(sock)

    def send_quietly(self, sock, data: bytes):
        """Send on a non-blocking socket what fits (a short answer fits): a client that
        does not read loses it, and costs nothing."""
        try:
            sock.send(data)
        except OSError:
            self.log.debug("Failed to send to %s.", sock)

    def refuse(self, sock, addr, refusal, cause: str):
        """Answer ``refusal`` in the error shape, then linger and close."""
        sock.setblocking(False)
        self.write_refusal(sock, addr, refusal, cause)
        self.linger(sock)

    def handle_error(self, req, client, addr, exc):
        """gunicorn's parser refused the request: in the error shape (handle() lingers)."""
        refusal = next((answer for error, answer in REFUSALS if isinstance(exc, error)), None)
        if refusal is None:
            return super().handle_error(req, client, addr, exc)
        sock = client._sock if isinstance(client, ArrivedClient) else client
        self.write_refusal(sock, addr, refusal, type(exc).__name__)

    def write_refusal(self, sock, addr, refusal, cause: str):
        status, reason, code, message = refusal
        # Django never sees this request, so its id is made here.
        request_id = str(uuid.uuid4())
        self.log.warning(
            "Invalid request from ip=%s: %s",
            (addr or ("",))[0],
            cause,
            extra={"request_id": request_id, "status": status},
        )
        message = message.format(
            line=self.cfg.limit_request_line,
            fields=self.cfg.limit_request_fields,
            field_size=self.cfg.limit_request_field_size,
            read_timeout=READ_TIMEOUT_SECONDS,
            max_body=MAX_BODY_BYTES,
        )
        body = json.dumps({"error": {"code": code, "message": message, "fields": {}}}).encode()
        head = (
            f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"X-Request-ID: {request_id}\r\n\r\n"
        )
        try:
            util.write_nonblock(sock, head.encode("latin-1") + body)
        except OSError:
            self.log.debug("Failed to send error message.")

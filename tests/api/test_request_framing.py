"""How the buffering worker (config/gunicorn_workers.py) decides a request has arrived
whole: pure framing, before any authentication, so every odd framing must end."""

import pytest

from config.gunicorn_workers import COMPLETE, INCOMPLETE, TOO_LARGE, request_state

HEAD = b"POST /api/v1/assets/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
HEAD_LIMIT = 9999


@pytest.mark.parametrize(
    ("body", "state"),
    [
        (b"", INCOMPLETE),
        (b"5\r\nhello\r\n", INCOMPLETE),
        (b"5\r\nhello\r\n0\r\n\r\n", COMPLETE),
        (b"5;ext=1\r\nhello\r\n0\r\n\r\n", COMPLETE),
        (b"A\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n", COMPLETE),
        # Not hex digits: handed to gunicorn's parser to refuse, never walked. A negative
        # size walked back to the same line for ever (a worker hung by 60 bytes).
        (b"-6\r\n", COMPLETE),
        (b"-6\r\nxx\r\n", COMPLETE),
        (b"+5\r\nhello\r\n", COMPLETE),
        (b"0x5\r\nhello\r\n", COMPLETE),
        (b"1_0\r\n", COMPLETE),
        (b" \r\n", COMPLETE),
        (b"\xd9\xa1\r\n", COMPLETE),
        (b"FFFFFFFFFFFFFFFFFF\r\n", COMPLETE),
        (b"FFFFFFF\r\n", TOO_LARGE),
    ],
)
def test_chunked_framing_always_ends(body, state):
    assert request_state(HEAD + body, HEAD_LIMIT) == state


def test_content_length_framing():
    head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"
    assert request_state(head + b"hel", HEAD_LIMIT) == INCOMPLETE
    assert request_state(head + b"hello", HEAD_LIMIT) == COMPLETE
    signed = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"
    assert request_state(signed, HEAD_LIMIT) == COMPLETE  # gunicorn refuses it


@pytest.mark.parametrize("coding", [b"gzip", b"chunked, gzip", b"xchunked", b""])
def test_a_coding_gunicorn_refuses_is_handed_to_it_at_once(coding):
    """Not framed by chunks: complete now, so gunicorn answers 501/400 at once, not 408
    after the read timeout."""
    head = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding + b"\r\n\r\n"
    assert request_state(head, HEAD_LIMIT) == COMPLETE


def test_gzip_then_chunked_is_framed_by_chunks():
    head = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
    assert request_state(head + b"5\r\nhello\r\n", HEAD_LIMIT) == INCOMPLETE

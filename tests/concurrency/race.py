"""Real races: each client a thread with its own PostgreSQL connection, all released at
once by a barrier, so their statements interleave in the database as a busy server's
requests do (no sleeps: the barrier makes the overlap, repetition makes it likely)."""

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TypeVar

from django.db import connection
from rest_framework.test import APIClient

T = TypeVar("T")

# How many clients each race releases at once.
CLIENTS = 16


def race(actions: Sequence[Callable[[], T]]) -> list[T]:
    """Run each action in a thread of its own, released together; their results in order.

    Each thread opens its database connection before the barrier (so connecting does not
    spread the start out) and closes it after. An exception in any action is re-raised.
    """
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)
    errors: list[BaseException] = []

    def run(index: int, action: Callable[[], T]) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=60)
            results[index] = action()
        except BaseException as error:  # reported by the caller's thread
            errors.append(error)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads), "a client never finished"
    if errors:
        raise errors[0]
    return results


def clients_of(client: APIClient, count: int = CLIENTS) -> list[APIClient]:
    """``count`` API clients with ``client``'s credentials, one per thread."""
    copies = []
    for _ in range(count):
        copy = APIClient()
        copy.credentials(**client._credentials)
        copies.append(copy)
    return copies


def statuses(responses) -> Counter:
    """How many responses had each status: Counter({201: 1, 409: 15})."""
    return Counter(response.status_code for response in responses)


def error_codes(responses, status: int) -> set[str]:
    """The error codes of the responses with ``status``, each checked to be in the error
    shape."""
    codes = set()
    for response in responses:
        if response.status_code != status:
            continue
        body = response.json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}, body
        codes.add(body["error"]["code"])
    return codes

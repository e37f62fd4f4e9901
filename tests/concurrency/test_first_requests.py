"""The first requests of a fresh threaded server, arriving together: each endpoint
works out the query parameters it takes (registry.api.params) by drf-spectacular's
introspection, once per process, and concurrent introspections must not break it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# In a process of its own: the introspection happens once per process, and this test
# process has long done it.
FIRST_REQUESTS = """
import threading

import django

django.setup()

from django.urls import resolve

from registry.api.params import documented_query_parameters

paths = [
    "/api/v1/assets/", "/api/v1/deployments/", "/api/v1/identifiers/",
    "/api/v1/relationships/", "/api/v1/groups/", "/api/v1/venues/",
    "/api/v1/venue-symbols/", "/api/v1/markets/", "/api/v1/instruments/",
    "/api/v1/quality-flags/", "/api/v1/chains/", "/api/v1/venue-assets/",
]
views = [resolve(path).func for path in paths] * 2
barrier = threading.Barrier(len(views) * 2)
failures = []


def first_request(view, method):
    barrier.wait(timeout=60)
    try:
        documented_query_parameters(view, method)
    except Exception as error:
        failures.append(repr(error))


threads = [
    threading.Thread(target=first_request, args=(view, method))
    for view in views
    for method in ("GET", "POST")
]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(60)
print(failures)
raise SystemExit(1 if failures else 0)
"""


def test_concurrent_first_requests_each_learn_their_parameters():
    finished = subprocess.run(
        [sys.executable, "-c", FIRST_REQUESTS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr[-3000:]

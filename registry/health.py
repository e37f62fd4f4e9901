"""/healthz: is this process able to serve? Checks the database and the cache.

The database is required: without it the process cannot answer, so the check fails
(503). The cache is not: without Redis lookups read PostgreSQL and rate limits are not
enforced, so a failing cache makes the process "degraded" but still healthy (200). A
load balancer that took every process out of service because Redis is down would turn
a slower registry into none.
"""

import time
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    # A round trip through the real backend: a broken Redis must show here.
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=5)
    if cache.get(key) != "ok":
        raise RuntimeError("cache did not return the value just written")
    cache.delete(key)


# name -> (check, required to serve)
CHECKS = {"database": (_check_database, True), "cache": (_check_cache, False)}


@never_cache
def healthz(request):
    """200 with status "ok", or "degraded" naming a failing optional check; 503 with
    status "error" when a required check fails."""
    results = {}
    failed = set()  # whether each failing check was required
    for name, (check, required) in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:  # any failure of a dependency is a failed check
            results[name] = {"status": "error", "error": f"{type(error).__name__}: {error}"}
            failed.add(required)
        else:
            elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
            results[name] = {"status": "ok", "ms": elapsed_ms}
    status = "error" if True in failed else "degraded" if failed else "ok"
    return JsonResponse(
        {"status": status, "checks": results}, status=503 if status == "error" else 200
    )

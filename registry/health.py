"""/healthz: is this process able to serve? Checks the database and the cache."""

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


CHECKS = {"database": _check_database, "cache": _check_cache}


@never_cache
def healthz(request):
    """200 with every check "ok", or 503 naming the failing check and its error."""
    results = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:  # any failure of a dependency is a failed check
            healthy = False
            results[name] = {"status": "error", "error": f"{type(error).__name__}: {error}"}
        else:
            elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
            results[name] = {"status": "ok", "ms": elapsed_ms}
    body = {"status": "ok" if healthy else "error", "checks": results}
    return JsonResponse(body, status=200 if healthy else 503)

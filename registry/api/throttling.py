"""Rate limits per scope: ``read`` for safe methods, ``write`` for the others, or the
view's own ``throttle_scope``; ``resolve`` for the hot lookups (/api/v1/resolve/ and the
gRPC hot reads), counted per account in lookups (a batch counts each of its lookups).
Rates come from API_THROTTLE_RATES (README); a scope without a rate is not limited.

The hot lookups' counter is a fixed window (``resolve=100000/min``: at most that many
lookups per account in each minute of the clock), counted in the same Redis round trip
that reads the caller and the answer (registry.cache.read_caller_and_answer), so a
cached lookup still costs one round trip; the full path counts with one more.

The counts live in the cache (Redis). When Redis cannot count a request, the request is
let through (fails open) rather than refused or failed: a rate limit protects the
registry, it must not take it down with the cache. The failure is logged once per
breaker opening and each request let through is counted in /metrics
(``cqar_throttle_failed_open_total``).
"""

import math
import time
from dataclasses import dataclass

from django.core.cache import cache as django_cache
from rest_framework.exceptions import Throttled
from rest_framework.throttling import SimpleRateThrottle

from registry import cache
from registry.metrics import THROTTLE_FAILED_OPEN

HOT_SCOPE = "resolve"
HOT_COUNTER_PREFIX = "cqar-throttle:resolve:"  # outside v1:*, which flushes hot answers


class RegistryScopedThrottle(SimpleRateThrottle):
    def __init__(self) -> None:
        pass  # the scope, and so the rate, depend on the request

    def allow_request(self, request, view):
        scope = getattr(view, "throttle_scope", None) or (
            "read" if request.method in ("GET", "HEAD", "OPTIONS") else "write"
        )
        if request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.allow(scope, ident)

    def allow(self, scope: str, ident: str) -> bool:
        """One more request of ``ident`` (``user:<pk>``) in ``scope``, if within its
        rate: REST's requests and the gRPC calls (registry.grpc.calls) count alike."""
        self.scope = scope
        self.rate = self.THROTTLE_RATES.get(scope)
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.cache_format % {"scope": scope, "ident": ident}
        count = super().allow_request
        allowed = cache.guarded("throttle", lambda: count(None, None), None)
        if allowed is None:
            THROTTLE_FAILED_OPEN.labels(self.scope).inc()
            return True
        return allowed

    def get_cache_key(self, request, view):
        return self.key


@dataclass(frozen=True)
class HotLimit:
    """The ``resolve`` rate in the window of the clock that holds now."""

    limit: int
    seconds: int
    started: float

    def count(self, amount: int = 1) -> cache.Count:
        window = int(self.started // self.seconds)
        return cache.Count(HOT_COUNTER_PREFIX, window, self.seconds, amount)

    def refusal(self, counted: int) -> Throttled | None:
        """The 429 (with the seconds until the window ends) when ``counted`` is over the
        limit; None within it."""
        if counted <= self.limit:
            return None
        return Throttled(max(1, math.ceil(self.seconds - self.started % self.seconds)))


def hot_limit() -> HotLimit | None:
    """The hot lookups' rate limit now; None while ``resolve`` has no rate."""
    rate = RegistryScopedThrottle.THROTTLE_RATES.get(HOT_SCOPE)
    if rate is None:
        return None
    limit, seconds = SimpleRateThrottle.parse_rate(None, rate)
    return HotLimit(limit, seconds, time.time())


def count_hot_lookups(actor: str, amount: int = 1) -> Throttled | None:
    """Count ``amount`` hot lookups of ``actor`` (the full path; the fast path counted in
    its read): the 429 when over the limit. Without Redis (the quick start) the
    local-memory cache counts; when Redis cannot, the lookups go through (fail open)."""
    limit = hot_limit()
    if limit is None:
        return None
    count = limit.count(amount)
    try:
        cache.redis_state.raw()
    except cache.NoRedis:
        return limit.refusal(_count_in_process(count.key(actor), count))
    counted = cache.guarded("throttle", lambda: cache.count_lookups(actor, count), None)
    if counted is None:
        THROTTLE_FAILED_OPEN.labels(HOT_SCOPE).inc()
        return None
    return limit.refusal(counted)


def _count_in_process(key: str, count: cache.Count) -> int:
    django_cache.add(key, 0, count.seconds)
    return django_cache.incr(key, count.amount)

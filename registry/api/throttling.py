"""Rate limits per scope: ``read`` for safe methods, ``write`` for the others, or the
view's own ``throttle_scope``. Rates come from API_THROTTLE_RATES (README); a scope
without a rate is not limited.

The counts live in the cache (Redis). When Redis cannot count a request, the request is
let through (fails open) rather than refused or failed: a rate limit protects the
registry, it must not take it down with the cache. The failure is logged once per
breaker opening and each request let through is counted in /metrics
(``cqar_throttle_failed_open_total``).
"""

from rest_framework.throttling import SimpleRateThrottle

from registry import cache
from registry.metrics import THROTTLE_FAILED_OPEN


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

"""Rate limits per scope: ``read`` for safe methods, ``write`` for the others, or the
view's own ``throttle_scope``. Rates come from API_THROTTLE_RATES (README); a scope
without a rate is not limited."""

from rest_framework.throttling import SimpleRateThrottle


class RegistryScopedThrottle(SimpleRateThrottle):
    def __init__(self) -> None:
        pass  # the scope, and so the rate, depend on the request

    def allow_request(self, request, view):
        self.scope = getattr(view, "throttle_scope", None) or (
            "read" if request.method in ("GET", "HEAD", "OPTIONS") else "write"
        )
        self.rate = self.THROTTLE_RATES.get(self.scope)
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

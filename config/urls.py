"""Top-level URL configuration: the admin, the API under /api/v1/, its schema and docs."""

import functools

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from assets.api.urls import router as assets_router
from chains.api.urls import router as chains_router
from markets.api.urls import router as markets_router
from quality.api.urls import router as quality_router
from registry.api import auth
from registry.api import resolve as hot
from registry.api.events import EventFeedView
from registry.api.exceptions import api_not_found
from registry.health import healthz, livez, readyz
from registry.metrics import metrics
from venues.api.urls import router as venues_router

admin.site.site_header = "CQAR: Crypto Quant Asset Registry"
admin.site.site_title = "CQAR"
admin.site.index_title = "Reference data"
# Registry totals and the recent changes of every path (registry/templatetags).
admin.site.index_template = "registry/admin/index.html"

# One router, so /api/v1/ lists every resource; each app declares its own routes.
api_router = DefaultRouter()
for app_router in (chains_router, assets_router, venues_router, markets_router, quality_router):
    api_router.registry.extend(app_router.registry)

resolve = [
    path("venue-symbol/", hot.venue_symbol, name="resolve-venue-symbol"),
    path("instrument/", hot.instrument, name="resolve-instrument"),
    path("deployment/", hot.deployment, name="resolve-deployment"),
    path("address/", hot.address, name="resolve-address"),
    path("pretrade/", hot.pretrade, name="resolve-pretrade"),
    path("aggregate/", hot.aggregate, name="resolve-aggregate"),
    path("symbol/", hot.symbol, name="resolve-symbol"),
    path("batch/", hot.batch, name="resolve-batch"),
]

api_v1 = [
    path("resolve/", include(resolve)),
    path("auth/tokens/", auth.TokenCreateView.as_view(), name="token-create"),
    path("auth/tokens/current/", auth.TokenRevokeView.as_view(), name="token-revoke"),
    path("auth/tokens/all/", auth.TokenRevokeAllView.as_view(), name="token-revoke-all"),
    path("events/", EventFeedView.as_view(), name="event-feed"),
    path("", include(api_router.urls)),
]

# The docs pages load their scripts and styles from our static files (drf-spectacular-
# sidecar); the policy makes the browser refuse anything from another host as well, such
# as the Redocly logo Redoc's script fetches from its CDN.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)


def same_origin_only(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
        return response

    return wrapper


urlpatterns = [
    # The registry's front door is the curation console (and so is the admin's "View site").
    path("", RedirectView.as_view(pattern_name="admin:index"), name="home"),
    path("admin/", admin.site.urls),
    path("livez", livez, name="livez"),
    path("readyz", readyz, name="readyz"),
    path("healthz", healthz, name="healthz"),  # the old name of /readyz
    path("metrics", metrics, name="metrics"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        same_origin_only(SpectacularSwaggerView.as_view(url_name="schema")),
        name="swagger-ui",
    ),
    path(
        "api/redoc/",
        # Without the Google Fonts links of drf-spectacular's page.
        same_origin_only(
            SpectacularRedocView.as_view(url_name="schema", template_name="registry/api/redoc.html")
        ),
        name="redoc",
    ),
]

if settings.BENCH_FLOOR:
    urlpatterns.append(path("bench/floor", hot.floor, name="bench-floor"))

# Last: any other path under /api/ is the API's JSON 404, also with DEBUG on.
urlpatterns.append(re_path(r"^api/", api_not_found))

handler400 = "registry.api.exceptions.api_bad_request"
handler403 = "registry.api.exceptions.api_permission_denied"
handler404 = "registry.api.exceptions.api_not_found"
handler500 = "registry.api.exceptions.api_server_error"

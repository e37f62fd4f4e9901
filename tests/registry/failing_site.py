"""The URLs of a registry with one view that fails, for the error-reporting tests: a real
bug must still reach Sentry, and no view of the registry fails on purpose. A server runs
on it with DJANGO_SETTINGS_MODULE=tests.registry.failing_settings."""

from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as registry_urlpatterns


def fail(request):
    # A local variable holding the session cookie: the report must not carry it.
    session_cookie = request.COOKIES.get("sessionid")
    raise RuntimeError(f"a bug, with {len(session_cookie or '')} characters of cookie")


urlpatterns = [path("fail/", fail, name="fail"), *registry_urlpatterns]

"""Login limits: django-axes locks out a login that failed too often, and the registry
says so in its own words.

Failures are counted in PostgreSQL (axes' database handler) per username and client
address (LOGIN_FAILURE_LIMIT, LOGIN_COOLOFF_MINUTES, LOGIN_LOCKOUT_BY): the admin's
login form and the API's token login (POST /api/v1/auth/tokens/) alike, since both call
``django.contrib.auth.authenticate`` with the request. A locked-out login is answered
429, with ``Retry-After``: in the API's error shape under /api/, as a page elsewhere.
Each failure and each lockout is one structured log line (never the password), and the
lockouts are in the admin (Axes: access attempts), for superusers only: no role holds
axes' permissions (registry.roles).
"""

import ipaddress

import structlog
from axes.models import AccessAttempt
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from rest_framework.throttling import BaseThrottle

from registry.api.exceptions import error_body, is_api_request

logger = structlog.get_logger(__name__)

USERNAME_LENGTH = AccessAttempt._meta.get_field("username").max_length

LOCKED_OUT = (
    "locked_out",
    "Too many failed logins for this account from this address; try again later, or ask "
    "an administrator to unlock it.",
)


def client_address(request) -> str | None:
    """The client's address, read as the rate limits read it: from X-Forwarded-For only
    behind TRUSTED_PROXY_COUNT proxies, else the TCP peer's (AXES_CLIENT_IP_CALLABLE).
    What names no address (a header short of entries lets the client's own through) is
    not one: the peer's address counts instead."""
    forwarded = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(forwarded))
    except ValueError:
        return request.META.get("REMOTE_ADDR") or None


def login_username(request, credentials: dict | None) -> str | None:
    """The username a login named, as axes records it (AXES_USERNAME_CALLABLE): cut to
    its column's 255 characters, where axes' own would fail the login with a 500. No
    account's name is that long (150 at most), so a cut one locks out none."""
    source = credentials if credentials is not None else getattr(request, "POST", {})
    value = source.get("username")
    return str(value)[:USERNAME_LENGTH] if value is not None else None


def cooloff_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """The answer to a locked-out login (AXES_LOCKOUT_CALLABLE): 429 with Retry-After."""
    if is_api_request(request):
        response = JsonResponse(error_body(*LOCKED_OUT), status=429)
    else:
        response = TemplateResponse(
            request,
            "registry/login_locked_out.html",
            {"title": "Login locked", "minutes": round(cooloff_seconds() / 60)},
            status=429,
        ).render()
    response["Retry-After"] = str(cooloff_seconds())
    return response


def log_login_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    """Django's user_login_failed: one warning line, without the password."""
    logger.warning(
        "login_failed",
        username=login_username(request, credentials or {}),
        client_address=getattr(request, "axes_ip_address", None),
        path=getattr(request, "path", None),
        failures=getattr(request, "axes_failures_since_start", None),
    )


def log_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """axes' user_locked_out: one warning line naming the account and the address."""
    logger.warning(
        "login_locked_out",
        username=username,
        client_address=ip_address,
        path=getattr(request, "path", None),
        cooloff_seconds=cooloff_seconds(),
    )

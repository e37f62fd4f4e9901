"""Who made a change and through which path, as the platform names them.

An actor is ``user:<username>`` or ``service:<account>``. Services never take the
actor as an argument (every write would have to thread it through); they read the
*change context* instead: the request being served (set by ``ChangeContextMiddleware``
for the admin and the API, where DRF's authentication later fills in ``request.user``)
or an explicit ``acting_as(...)`` block (management commands, importers, the shell).
The request id travels in the log context instead (``current_request_id``): a task
keeps the id of the request that scheduled it, whoever it acts as.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import structlog
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from registry.history import history_context

SERVICE_ACCOUNTS_GROUP = "Service accounts"


def is_service_account(user) -> bool:
    return user.is_authenticated and user.groups.filter(name=SERVICE_ACCOUNTS_GROUP).exists()


def actor_id(user: AbstractBaseUser | AnonymousUser | None) -> str:
    if user is None or not user.is_authenticated:
        return "system"
    kind = "service" if is_service_account(user) else "user"
    return f"{kind}:{user.get_username()}"


@dataclass(frozen=True)
class ChangeContext:
    actor: str | None = None
    source: str = ""
    request: Any = None


_context: ContextVar[ChangeContext | None] = ContextVar("cqar_change_context", default=None)


@contextmanager
def acting_as(actor: str, source: str = "") -> Iterator[None]:
    """Attribute every write in the block to ``actor`` (``service:importer``), via ``source``."""
    token = _context.set(ChangeContext(actor=actor, source=source or current_source()))
    try:
        with history_context():
            yield
    finally:
        _context.reset(token)


def current_actor() -> str:
    """The actor of the write being made; ``CQAR_DEFAULT_ACTOR`` outside any context."""
    context = _context.get()
    if context is None:
        return settings.CQAR_DEFAULT_ACTOR
    if context.actor:
        return context.actor
    request = context.request
    cached = getattr(request, "_cqar_actor", None)
    if cached is None:
        if getattr(request, "_cqar_resolving_actor", False):
            # Resolving request.user writes itself (Django re-keys a session verified by a
            # SECRET_KEY_FALLBACKS key), and the history context asks who writes: nobody yet.
            return settings.CQAR_DEFAULT_ACTOR
        request._cqar_resolving_actor = True
        try:
            cached = actor_id(getattr(request, "user", None))
        finally:
            request._cqar_resolving_actor = False
        if cached != "system":  # not yet authenticated: ask again next time
            request._cqar_actor = cached
    return cached if cached != "system" else settings.CQAR_DEFAULT_ACTOR


def current_source() -> str:
    """The path the write came through: "api", "admin", "cli", or what an importer names."""
    context = _context.get()
    return context.source if context is not None and context.source else "cli"


def current_request_id() -> str:
    """The id of the request the write is part of (registry.requestlog), or of the
    request that scheduled the task making it; empty for a command or the shell."""
    return structlog.contextvars.get_contextvars().get("request_id", "")


class ChangeContextMiddleware:
    """Makes the request the change context of whatever the view writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        source = (
            "admin" if path.startswith("/admin/") else "api" if path.startswith("/api/") else ""
        )
        token = _context.set(ChangeContext(source=source or "web", request=request))
        try:
            with history_context():
                return self.get_response(request)
        finally:
            _context.reset(token)

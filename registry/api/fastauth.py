"""Token authentication for the hot paths, without a database query on every call.

The first call with a token authenticates it the way the DRF API does (knox: digest
lookup, expiry, active user) and caches who it is and what it may do for
``HOT_AUTH_CACHE_SECONDS`` (60 s), keyed by the token's digest. Revoking a token
deletes that entry at once (a post_delete signal); a permission or user change takes
effect within the cache time.
"""

import contextlib
import time

from django.conf import settings
from django.core.cache import cache
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from rest_framework.exceptions import AuthenticationFailed

from registry.actors import actor_id


class Caller:
    def __init__(self, actor: str, permissions: set[str]) -> None:
        self.actor = actor
        self.permissions = permissions

    def has_perm(self, permission: str) -> bool:
        return permission in self.permissions


def _auth_key(digest: str) -> str:
    return f"v1:auth:{digest}"


def authenticate(request) -> Caller | None:
    """The caller of ``request`` by its ``Authorization: Token …`` header, or None."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    prefix, _, token = header.partition(" ")
    if prefix != "Token" or not token or "\x00" in token:
        return None
    digest = hash_token(token)
    key = _auth_key(digest)
    try:
        entry = cache.get(key)
    except Exception:  # a cache outage must not lock callers out
        entry = None
    now = time.time()
    if entry and (entry["expiry"] is None or entry["expiry"] > now):
        return Caller(entry["actor"], set(entry["permissions"]))
    try:
        user, auth_token = TokenAuthentication().authenticate_credentials(token.encode())
    except AuthenticationFailed:
        return None
    expiry = auth_token.expiry.timestamp() if auth_token.expiry else None
    entry = {
        "actor": actor_id(user),
        "permissions": sorted(user.get_all_permissions()),
        "expiry": expiry,
    }
    ttl = settings.HOT_AUTH_CACHE_SECONDS
    if expiry is not None:
        ttl = max(1, min(ttl, int(expiry - now)))
    with contextlib.suppress(Exception):
        cache.set(key, entry, timeout=ttl)
    return Caller(entry["actor"], set(entry["permissions"]))


def forget_token(sender, instance, **kwargs) -> None:
    """post_delete of a knox token: its cached identity goes with it."""
    with contextlib.suppress(Exception):
        cache.delete(_auth_key(instance.digest))

"""Token authentication for the hot paths, without a database query on every call.

The first call with a token authenticates it the way the DRF API does (knox: digest
lookup, expiry, active user) and keeps who it is and what it may do in Redis for
``HOT_AUTH_CACHE_SECONDS`` (60 s), keyed by the token's digest, behind the same circuit
breaker and lease as the answers. Revoking a token invalidates that entry like any
write invalidates its keys (a post_delete signal: a tombstone now, a delete after
commit, the fence when Redis cannot be reached), and an entry is only ever remembered
where nothing is (SET NX), so a check made before the revocation cannot overwrite its
tombstone. A change of who the token's account is or what it may do invalidates the
entries of all the account's tokens the same way, so it too takes effect at once: the
account saved (deactivated, made or unmade superuser, renamed) or deleted, its groups or
permissions changed, a permission added to or taken from one of its groups, one of its
groups deleted (``forget_accounts_*``, connected in registry.apps).
"""

import time
from dataclasses import dataclass

import orjson
from django.conf import settings
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from rest_framework.exceptions import AuthenticationFailed, Throttled

from registry import cache
from registry.actors import actor_id
from registry.api.authentication import AuthorizationError, token_of
from registry.api.throttling import hot_limit


class Caller:
    def __init__(self, actor: str, permissions: set[str]) -> None:
        self.actor = actor
        self.permissions = permissions

    def has_perm(self, permission: str) -> bool:
        return permission in self.permissions


def _auth_key(digest: str) -> str:
    return f"v1:auth:{digest}"


def _remembered(key: str) -> dict | None:
    value = cache.guarded("auth", lambda: cache.read_keys([key])[0], None)
    return orjson.loads(value) if _is_entry(value) else None


def _remember(key: str, entry: dict, ttl: int) -> None:
    cache.guarded(
        "auth",
        lambda: cache.redis_state.available().set(key, orjson.dumps(entry), ex=ttl, nx=True),
        None,
    )


def _is_entry(value: bytes | None) -> bool:
    """A remembered entry (JSON), not nothing or a revocation's tombstone."""
    return bool(value) and value[:1] == b"{"


def auth_key_of(request) -> str | None:
    """The cache key of the request's token, to read along with an answer."""
    return auth_key_of_header(request.META.get("HTTP_AUTHORIZATION", ""))


def auth_key_of_header(header: str) -> str | None:
    """The cache key of the token an ``Authorization`` value names (the HTTP header, or
    the gRPC ``authorization`` metadata)."""
    try:
        token = token_of(header)
    except AuthorizationError:
        return None
    return _auth_key(hash_token(token)) if token else None


def remembered_caller(value: bytes | None) -> Caller | None:
    """The caller a remembered entry names, if it is still valid."""
    if not _is_entry(value):
        return None
    entry = orjson.loads(value)
    if entry["expiry"] is not None and entry["expiry"] <= time.time():
        return None
    return Caller(entry["actor"], set(entry["permissions"]))


@dataclass(frozen=True)
class FastRead:
    """What the hot path's one Redis round trip found."""

    caller: Caller | None  # the token's remembered caller, if still valid
    answer: cache.Answer | None  # the cached answer, if there
    counted: bool  # the lookup was counted against the caller's account
    refusal: Throttled | None  # the 429, when that count is over the rate limit


def read_remembered(auth_key: str, answer_key: str) -> FastRead:
    """The token's remembered caller and the cached answer in one Redis round trip, which
    also counts the lookup against the caller's account while the hot lookups are rate
    limited (registry.api.throttling). Nothing found when Redis cannot answer."""
    limit = hot_limit()
    count = limit.count() if limit is not None else None
    remembered, value, counted = cache.guarded(
        "read",
        lambda: cache.read_caller_and_answer(auth_key, answer_key, count),
        (None, None, None),
    )
    return FastRead(
        caller=remembered_caller(remembered),
        answer=cache.decode(value),
        counted=counted is not None,
        refusal=limit.refusal(counted) if counted is not None else None,
    )


def authenticate(request) -> Caller | None:
    """The caller of ``request`` by its ``Authorization: Token …`` (or ``Bearer …``)
    header; None without the header, AuthorizationError when it names no valid token."""
    return authenticate_header(request.META.get("HTTP_AUTHORIZATION", ""))


def authenticate_header(header: str) -> Caller | None:
    """The caller an ``Authorization`` value names (the HTTP header, or the gRPC
    ``authorization`` metadata); None when it is empty."""
    token = token_of(header)
    if token is None:
        return None
    key = _auth_key(hash_token(token))
    entry = _remembered(key)
    now = time.time()
    if entry and (entry["expiry"] is None or entry["expiry"] > now):
        return Caller(entry["actor"], set(entry["permissions"]))
    try:
        user, auth_token = TokenAuthentication().authenticate_credentials(token.encode())
    except AuthenticationFailed as error:
        raise AuthorizationError(str(error.detail)) from None
    expiry = auth_token.expiry.timestamp() if auth_token.expiry else None
    entry = {
        "actor": actor_id(user),
        "permissions": sorted(user.get_all_permissions()),
        "expiry": expiry,
    }
    ttl = settings.HOT_AUTH_CACHE_SECONDS
    if expiry is not None:
        ttl = max(1, min(ttl, int(expiry - now)))
    _remember(key, entry, ttl)
    return Caller(entry["actor"], set(entry["permissions"]))


def forget_token(sender, instance, **kwargs) -> None:
    """post_delete of a knox token (inside the deletion's transaction): its remembered
    identity is invalidated with it."""
    cache.invalidate([_auth_key(instance.digest)])


def forget_accounts(user_ids) -> None:
    """Invalidate the remembered entries of every token of these accounts (inside the
    change's transaction, as ``forget_token``)."""
    from knox.models import AuthToken

    user_ids = {user_id for user_id in user_ids if user_id is not None}
    if not user_ids:
        return
    digests = AuthToken.objects.filter(user_id__in=user_ids).values_list("digest", flat=True)
    cache.invalidate([_auth_key(digest) for digest in digests])


def forget_accounts_of_user(sender, instance, update_fields=None, **kwargs) -> None:
    """post_save (is_active, is_superuser, the username its actor is named by) and
    pre_delete of an account. A login's save of ``last_login`` alone changes nothing
    remembered."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    forget_accounts([instance.pk])


def _users_of_groups(group_ids) -> set:
    from django.contrib.auth import get_user_model

    through = get_user_model().groups.through
    return set(through.objects.filter(group_id__in=group_ids).values_list("user_id", flat=True))


def forget_accounts_of_membership(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """m2m_changed of an account's groups or its own permissions, from either side:
    ``user.groups.add(group)`` (instance: the account) or ``group.user_set.add(user)``
    (instance: the group, pk_set: the accounts). A clear is seen before it happens, while
    the accounts it concerns are still known."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:
        forget_accounts([instance.pk])
    elif action == "pre_clear":  # every account of the group (or with the permission)
        forget_accounts(instance.user_set.values_list("pk", flat=True))
    else:
        forget_accounts(pk_set)


def forget_accounts_of_group(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """m2m_changed of a group's permissions (every account of the group), from either
    side: ``group.permissions.add(permission)`` or ``permission.group_set.add(group)``."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:
        group_ids = [instance.pk]
    elif action == "pre_clear":
        group_ids = list(instance.group_set.values_list("pk", flat=True))
    else:
        group_ids = pk_set
    forget_accounts(_users_of_groups(group_ids))


def forget_accounts_of_deleted_group(sender, instance, **kwargs) -> None:
    """pre_delete of a group: its accounts lose what it gave them."""
    forget_accounts(_users_of_groups([instance.pk]))

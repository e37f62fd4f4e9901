"""The hot lookups as lean Django views: /api/v1/resolve/…

Three platform services call these on every tick and every order, so they skip what the
numbers showed they do not need: DRF's request, renderer and serializers, and a
database query for authentication. A cached answer is returned as the bytes Redis
holds. The rest of the API stays DRF.

- ``venue-symbol``: ``venue``, ``symbol``, ``market_type`` (default SPOT)
- ``instrument``: ``code``
- ``deployment``: ``chain`` (slug or CAIP-2 id), ``address`` (any letter case for
  EVM); or ``caip19``
- ``address``: ``address`` -> every deployment at it on any chain, and collisions
- ``pretrade``: ``asset`` | ``venue`` + ``symbol`` [+ ``market_type``] | ``chain`` +
  ``address``; ``min_severity`` (default 5, CRITICAL)
- ``aggregate``: ``group`` (canonical symbol) | ``asset``
- ``symbol``: ``symbol``
- ``batch`` (POST, JSON): ``{"lookups": [{"type": …, …params}, …]}``, at most 1,000

Every lookup also takes ``as_of`` (what was true then) and ``known_at`` (as the registry
held it then): registry.timeline. Such an answer is built from PostgreSQL, never cached.

A parameter the lookup does not document (registry.api.schema) is a 400 naming it; in a
batch, an item that cannot be read answers ``found: false`` with the reason.
"""

import time
from collections.abc import Callable

import orjson
from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import Throttled

from registry import cache, timeline
from registry.api.authentication import SCHEMES_HINT, TOKEN_SCHEMES, AuthorizationError
from registry.api.exceptions import DATABASE_UNAVAILABLE, error_body
from registry.api.fastauth import auth_key_of, authenticate, read_remembered
from registry.api.params import (
    repeated_parameter_errors,
    unknown_parameter_errors,
    unstorable_value_errors,
)
from registry.api.parsers import UTF8_NAMES
from registry.api.schema import BATCH_LIMIT, resolve_query_parameters
from registry.api.throttling import count_hot_lookups
from registry.metrics import count_cache_lookups
from registry.numbers import ascii_integer

DEFAULT_MIN_SEVERITY = 5  # CRITICAL

# The hot lookups by URL name, and pretrade's input forms: (lookup, parameters it needs).
PRETRADE_INPUTS = (
    ("flags", ("asset",)),
    ("venue_symbol", ("venue", "symbol")),
    ("deployment", ("chain", "address")),
)


_read_permission: str | None = None


def register_read_permission(permission: str) -> None:
    """The permission (``app_label.codename``) a caller needs to read the hot lookups,
    named in ``ready()`` by the app whose entity their answers are about."""
    global _read_permission
    _read_permission = permission


def read_permission() -> str:
    if _read_permission is None:
        raise LookupError("No read permission for the hot lookups; an app must register it.")
    return _read_permission


def _json(body: bytes, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="application/json")


def _error(status: int, code: str, message: str, fields: dict | None = None) -> HttpResponse:
    return _json(orjson.dumps(error_body(code, message, fields)), status)


def _guarded(method: str, fast=None, counted_by_view: bool = False):
    """One HTTP method; token authentication (no cookies, so no CSRF); the read
    permission; the account's rate limit (``resolve``: one lookup, unless
    ``counted_by_view`` counts its own); only the query parameters the lookup documents,
    each once and without NUL; and a 503 when PostgreSQL cannot answer.

    ``fast(params) -> lookup type`` enables the one-round-trip path: when the token's
    caller and the answer are both in Redis, the view gets the answer as ``cached``.
    """

    def decorate(view):
        accepted = resolve_query_parameters(view.__name__) if method == "GET" else frozenset()
        allowed = "GET, HEAD" if method == "GET" else method

        @csrf_exempt
        def wrapper(request, *args, **kwargs):
            request._cqar_hot_counted = False  # this request's lookups, against its account
            if request.method == "HEAD" and method == "GET":
                return _headers_only(answer(request, *args, **kwargs))
            if request.method != method:
                response = _error(405, "method_not_allowed", f"Use {allowed}.")
                response["Allow"] = allowed
                return response
            return answer(request, *args, **kwargs)

        def answer(request, *args, **kwargs):
            unknown = (
                unknown_parameter_errors(request.GET.keys(), accepted)
                or repeated_parameter_errors(request.GET)
                or unstorable_value_errors(dict(request.GET.lists()))
            )
            if unknown:  # answered after authentication, as the DRF API does
                return _answer(_refuse_unknown, request, unknown=unknown)
            if fast is not None and not _point_in_time(request.GET):
                lookup_type = fast(request.GET)
                try:
                    cached = lookup_type and cached_fast_path(request, lookup_type, request.GET)
                except Throttled as refusal:
                    return _throttled(refusal)
                if cached:
                    return _answer(view, request, cached=cached)
            request._cqar_hot_counted |= counted_by_view
            return _answer(view, request, *args, **kwargs)

        wrapper.__name__ = view.__name__
        wrapper.__doc__ = view.__doc__
        return wrapper

    return decorate


def _headers_only(response: HttpResponse) -> HttpResponse:
    """HEAD: the GET's status and headers (its Content-Length too), without the body."""
    length = len(response.content)
    response.content = b""
    response["Content-Length"] = str(length)
    return response


def _answer(view, request, *args, **kwargs):
    """Authenticate (unless the fast path did), authorize, run the view, and turn its
    failures into answers."""
    try:
        if "cached" in kwargs:
            return view(request, *args, **kwargs)
        try:
            caller = authenticate(request)
        except AuthorizationError as error:
            return _unauthorized("authentication_failed", str(error))
        if caller is None:
            return _unauthorized("not_authenticated", f"No credentials; {SCHEMES_HINT}.")
        request._cqar_actor = caller.actor
        if not caller.has_perm(read_permission()):
            return _error(
                403, "permission_denied", "The token's account may not read the registry."
            )
        if not request._cqar_hot_counted:
            request._cqar_hot_counted = True
            if refusal := count_hot_lookups(caller.actor):
                return _throttled(refusal)
        return view(request, *args, **kwargs)
    except Throttled as refusal:
        return _throttled(refusal)
    except cache.NotFound as error:  # a CAIP-2 id of no registered chain
        return _error(404, "not_found", str(error).partition(": ")[2] or str(error))
    except ValueError as error:
        name, _, reason = str(error).partition(": ")
        return _error(400, "invalid", str(error), {name: [reason or str(error)]})
    except DatabaseError:
        # Never guess: with neither Redis nor PostgreSQL, there is no answer.
        return _error(503, *DATABASE_UNAVAILABLE)


def _unauthorized(code: str, message: str) -> HttpResponse:
    response = _error(401, code, message)
    response["WWW-Authenticate"] = TOKEN_SCHEMES[0]
    return response


def _throttled(refusal: Throttled) -> HttpResponse:
    """429 in the error shape, with Retry-After: the seconds until the window ends."""
    response = _error(429, "throttled", str(refusal.detail))
    response["Retry-After"] = str(int(refusal.wait))
    return response


def _refuse_unknown(request, unknown: dict) -> HttpResponse:
    name, reasons = next(iter(unknown.items()))
    return _error(400, "invalid", f"{name}: {reasons[0]}", unknown)


def _point_in_time(params) -> bool:
    """Asked about a moment (``as_of``, ``known_at``): answered from PostgreSQL, never
    from the cache of current answers."""
    return any(name in params for name in timeline.TIME_PARAMETERS)


def _single(lookup_type: str, params, cached: cache.Answer | None = None) -> HttpResponse:
    if cached is None:
        lookup = cache.lookup(lookup_type)
        moment = timeline.moment_of(params)
        cached = lookup.resolve([lookup.parse(params)], moment=moment)[0]
    found, body = cached
    return _json(body, 200 if found else 404)


def cached_fast_path(request, lookup_type: str, params):
    """The whole request in one Redis round trip: the token's remembered caller and the
    cached answer in one MGET (and, while the hot lookups are rate limited, the lookup
    counted against the caller's account: Throttled when over). None when either is
    missing (the full path takes over)."""
    auth_key = auth_key_of(request)
    if auth_key is None:
        return None
    try:
        lookup = cache.lookup(lookup_type)
        key = lookup.key_of(lookup.parse(params))
    except ValueError:
        return None
    read = read_remembered(auth_key, key)
    request._cqar_hot_counted = read.counted
    caller, answer = read.caller, read.answer
    if caller is None or not caller.has_perm(read_permission()):
        return None  # the full path says why (401, 403)
    if read.refusal is not None:
        raise read.refusal
    if answer is None:
        return None  # the full path reads (and counts) the answer again
    count_cache_lookups(lookup.family, hits=1)
    request._cqar_actor = caller.actor  # for the request's log line (registry.requestlog)
    return answer


def _pretrade_type(params) -> str | None:
    for lookup_type, needed in PRETRADE_INPUTS:
        if all(params.get(name) for name in needed):
            return lookup_type
    return None


def _aggregate_type(params) -> str:
    return "group" if params.get("group") else "variants"


def _pretrade_input(params) -> tuple[str, dict]:
    for lookup_type, needed in PRETRADE_INPUTS:
        if all(params.get(name) for name in needed):
            return lookup_type, cache.lookup(lookup_type).parse(params)
    raise ValueError("asset: give asset, or venue and symbol, or chain and address.")


def _min_severity(params) -> int:
    """ASCII digits in a query string; a JSON integer in a batch item."""
    raw = params.get("min_severity", DEFAULT_MIN_SEVERITY)
    value = ascii_integer(raw) if isinstance(raw, str) else raw
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValueError("min_severity: an integer from 1 (info) to 5 (critical).")
    return value


# What a pre-trade check weighs, per lookup type: answer -> [(role, asset summary)], the
# asset the check is about first. An app whose answers show more than one asset (a
# market: base, quote, settlement) registers it; otherwise the one asset is weighed.
PretradeAssets = Callable[[dict], list[tuple[str, dict]]]
_pretrade_assets: dict[str, PretradeAssets] = {}


def register_pretrade_assets(lookup_type: str, assets: PretradeAssets) -> None:
    """Called from an upper app's ready(): the assets a pre-trade check by this lookup
    weighs."""
    _pretrade_assets[lookup_type] = assets


# lookup type -> the status of the market its answer names ("TRADING", "HALTED" …), for a
# lookup whose answer is a market (an upper app's, registered from its ready()).
_pretrade_status: dict[str, Callable[[dict], str]] = {}


def register_pretrade_status(lookup_type: str, status: Callable[[dict], str]) -> None:
    """Called from an upper app's ready(): a pre-trade check by this lookup also refuses
    what its market's status does not let one trade (only TRADING does)."""
    _pretrade_status[lookup_type] = status


def _assets_weighed(lookup_type: str, answer: dict) -> list[tuple[str, dict]]:
    if lookup_type in _pretrade_assets:
        return _pretrade_assets[lookup_type](answer)
    return [("asset", answer if lookup_type == "flags" else answer["asset"])]


def pretrade_answer(
    lookup_type: str, found: bool, body: bytes, min_severity: int
) -> tuple[bool, dict]:
    """Tradeable or not, from any answer that shows the asset(s) (and their active flags):
    not while any asset weighed has an active flag of ``min_severity`` or more."""
    answer = orjson.loads(body)
    if not found:
        return False, answer
    weighed: dict[str, tuple[list[str], dict]] = {}  # asset_id -> (roles, summary)
    for role, summary in _assets_weighed(lookup_type, answer):
        weighed.setdefault(summary["asset_id"], ([], summary))[0].append(role)
    blocking = [
        {**flag, "asset_id": asset_id}
        for asset_id, (_, summary) in weighed.items()
        for flag in summary["active_flags"]
        if flag["severity"] >= min_severity
    ]
    blocking.sort(key=lambda flag: -flag["severity"])  # stable: each asset's order kept
    first = next(iter(weighed.values()))[1]
    market_status = (
        _pretrade_status[lookup_type](answer) if lookup_type in _pretrade_status else None
    )
    return True, {
        "asset": {key: first[key] for key in ("asset_id", "symbol", "name")},
        "tradeable": not blocking and market_status in (None, "TRADING"),
        "market_status": market_status,
        "min_severity": min_severity,
        "highest_active_severity": max(s["highest_active_severity"] for _, s in weighed.values()),
        "blocking_flags": blocking,
        "checked_assets": [
            {
                "asset_id": asset_id,
                "symbol": summary["symbol"],
                "roles": roles,
                "highest_active_severity": summary["highest_active_severity"],
            }
            for asset_id, (roles, summary) in weighed.items()
        ],
    }


@_guarded("GET", fast=lambda params: "venue_symbol")
def venue_symbol(request, cached=None):
    """Venue ticker -> the asset it means, its quote, and the asset's symbol collisions."""
    return _single("venue_symbol", request.GET, cached)


@_guarded("GET", fast=lambda params: "instrument")
def instrument(request, cached=None):
    """Instrument code -> its terms, its assets and every current market across venues."""
    return _single("instrument", request.GET, cached)


@_guarded("GET", fast=lambda params: "deployment")
def deployment(request, cached=None):
    """(chain, address) -> the deployment and its asset."""
    return _single("deployment", request.GET, cached)


@_guarded("GET", fast=lambda params: "address")
def address(request, cached=None):
    """Address -> every deployment at it, on any chain, and whether they are one asset."""
    return _single("address", request.GET, cached)


@_guarded("GET", fast=lambda params: "symbol")
def symbol(request, cached=None):
    """Symbol -> every live asset that has it, with the chains each is on."""
    return _single("symbol", request.GET, cached)


@_guarded("GET", fast=_aggregate_type)
def aggregate(request, cached=None):
    """A group by canonical symbol, or an asset -> every variant, with paths and rates."""
    return _single(_aggregate_type(request.GET), request.GET, cached)


@_guarded("GET", fast=_pretrade_type)
def pretrade(request, cached=None):
    """May this asset be traded? Not while it has an active flag of min_severity or more."""
    lookup_type, parsed = _pretrade_input(request.GET)
    min_severity = _min_severity(request.GET)
    moment = timeline.moment_of(request.GET)
    found, body = cached or cache.lookup(lookup_type).resolve([parsed], moment=moment)[0]
    found, answer = pretrade_answer(lookup_type, found, body, min_severity)
    return _json(orjson.dumps(answer), 200 if found else 404)


@_guarded("POST", counted_by_view=True)
def batch(request):
    """Up to 1,000 mixed lookups in one request, answered in order (null and a reason
    for each unknown or malformed one). Cached answers come from one Redis round trip
    per type."""
    started = time.monotonic()
    charset = request.content_params.get("charset", "utf-8").lower()
    if request.content_type != "application/json" or charset not in UTF8_NAMES:
        return _error(
            415,
            "unsupported_media_type",
            f'Unsupported media type "{request.content_type[:100]}" (charset '
            f'"{charset[:40]}") in request; send application/json in UTF-8.',
        )
    try:
        payload = orjson.loads(request.body)
    except orjson.JSONDecodeError:
        raise ValueError("lookups: the body is not JSON.") from None
    items = payload.get("lookups") if isinstance(payload, dict) else None
    if not isinstance(items, list) or not items:
        raise ValueError('lookups: give {"lookups": [{"type": …, …}, …]}.')
    if len(items) > BATCH_LIMIT:
        raise ValueError(f"lookups: at most {BATCH_LIMIT} per request, not {len(items)}.")
    if refusal := count_hot_lookups(request._cqar_actor, len(items)):
        raise refusal  # each lookup counts against the account's rate limit
    results: list[bytes] = [b""] * len(items)
    # (lookup type, moment) -> [(index, parsed request, min_severity)]: the items asked
    # about one moment are answered together, as the current ones are.
    by_type: dict[tuple, list] = {}
    for index, item in enumerate(items):
        try:
            lookup_type, parsed, min_severity = _batch_item(item)
            moment = timeline.moment_of(item)
        except ValueError as error:
            results[index] = _not_found(str(error))
            continue
        by_type.setdefault((lookup_type, moment), []).append((index, parsed, min_severity))
    # What is not loaded from PostgreSQL by then answers "retry" (loaded answers are
    # cached): a batch of slow lookups ends well within the server's request timeout.
    deadline = started + settings.RESOLVE_BATCH_SECONDS
    not_loaded = 0
    for (lookup_type, moment), entries in by_type.items():
        parsed_requests = [parsed for _, parsed, _ in entries]
        if moment is not None and time.monotonic() >= deadline:
            # Answered from PostgreSQL each time: what the budget did not reach is asked
            # again (a smaller batch), as an uncached item is.
            answers = [None] * len(entries)
        else:
            answers = cache.lookup(lookup_type).resolve(parsed_requests, deadline, moment)
        for (index, _, min_severity), answer in zip(entries, answers, strict=True):
            if answer is None:
                results[index] = NOT_LOADED
                not_loaded += 1
                continue
            found, body = answer
            if min_severity is not None:
                found, answer = pretrade_answer(lookup_type, found, body, min_severity)
                body = orjson.dumps(answer)
            if found:
                results[index] = b'{"found":true,"result":' + body + b"}"
            else:
                results[index] = _not_found(orjson.loads(body)["error"]["message"])
    response = _json(b'{"results":[' + b",".join(results) + b"]}")
    if not_loaded:
        response["Retry-After"] = "1"
    return response


# A batch item not looked up within RESOLVE_BATCH_SECONDS
# (docs/API.md, "Hot lookups: /api/v1/resolve/").
NOT_LOADED = (
    b'{"found":false,"result":null,"retry":true,"reason":"Not looked up within the '
    b"batch's time budget; ask again: what was looked up is now cached.\"}"
)


def _not_found(reason: str) -> bytes:
    return b'{"found":false,"result":null,"retry":false,"reason":' + orjson.dumps(reason) + b"}"


def _batch_item(item) -> tuple[str, dict, int | None]:
    """(lookup type, parsed request, min_severity for pretrade) of one batch item; a
    ValueError saying what is wrong with it."""
    if not isinstance(item, dict):
        raise ValueError("must be an object with a type.")
    kind = item.get("type")
    if not isinstance(kind, str) or kind not in BATCH_TYPES:
        raise ValueError(f"type: one of {', '.join(sorted(BATCH_TYPES))}.")
    unknown = unknown_parameter_errors(set(item) - {"type"}, BATCH_TYPES[kind])
    if unknown:
        name, reasons = next(iter(unknown.items()))
        raise ValueError(f"{name}: {reasons[0]}")
    if kind == "pretrade":
        lookup_type, parsed = _pretrade_input(item)
        return lookup_type, parsed, _min_severity(item)
    lookup_type = _aggregate_type(item) if kind == "aggregate" else kind
    return lookup_type, cache.lookup(lookup_type).parse(item), None


# The lookups a batch may name, with the fields each takes: those of its GET endpoint;
# "asset" (the asset summary by id) has none.
BATCH_TYPES = {
    **{
        lookup: resolve_query_parameters(lookup)
        for lookup in (
            "venue_symbol",
            "instrument",
            "deployment",
            "address",
            "symbol",
            "pretrade",
            "aggregate",
        )
    },
    "asset": resolve_query_parameters("asset"),
}


def floor(request):
    """The benchmark's floor: constant bytes, no middleware work, no I/O."""
    return HttpResponse(b'{"ok":true}', content_type="application/json")

"""The authorization matrix over REST: every operation openapi.yaml documents x every kind
of caller (tests/authorization.py), and every page of the admin x every role.

``OPERATIONS`` gives each operation of openapi.yaml (its method and path, as the
document writes them) its kind; an operation added to the document without a row, or a
row naming one that is gone, fails ``test_every_operation_of_openapi_yaml_has_a_row``.

Each call goes to a real object of the demo data (loaded once for the module) with a
minimal body (``{}``), inside a savepoint rolled back after it: what one caller writes is
gone before the next call. A 401 carries ``WWW-Authenticate``; every 401 and 403 is in
the error shape; no cell may answer a 5xx.
"""

import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from assets.models import (
    AssetDeployment,
    AssetGroupMember,
    AssetIdentifier,
    AssetRelationship,
)
from markets.models import Instrument, Market, VenueSymbol
from quality.models import AssetQualityFlag
from registry.roles import AUDITOR, STEWARD, VIEWER
from tests.api.conftest import assert_error
from tests.authorization import CALLERS, MATRIX, OK, caller_tokens, parse_matrix
from venues.models import VenueAsset

OPENAPI = Path(__file__).resolve().parents[2] / "openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

READ, HOT_READ, REFERENCE_WRITE = "read", "hot-read", "reference-write"

# Every operation of openapi.yaml and its kind (a row of tests/authorization.py's MATRIX).
OPERATIONS = {
    "POST /api/v1/auth/tokens/": "public",
    "DELETE /api/v1/auth/tokens/current/": "account",
    "DELETE /api/v1/auth/tokens/all/": "account",
    "GET /api/v1/events/": READ,
    # assets
    "GET /api/v1/assets/": READ,
    "POST /api/v1/assets/": REFERENCE_WRITE,
    "GET /api/v1/assets/{asset_id}/": READ,
    "PUT /api/v1/assets/{asset_id}/": REFERENCE_WRITE,
    "PATCH /api/v1/assets/{asset_id}/": REFERENCE_WRITE,
    "DELETE /api/v1/assets/{asset_id}/": REFERENCE_WRITE,
    "POST /api/v1/assets/{asset_id}/restore/": REFERENCE_WRITE,
    "GET /api/v1/assets/{asset_id}/variants/": READ,
    "GET /api/v1/assets/{asset_id}/lineage/": READ,
    "GET /api/v1/assets/by-identifier/": READ,
    "GET /api/v1/assets/search/": READ,
    # chains
    "GET /api/v1/chains/": READ,
    "POST /api/v1/chains/": REFERENCE_WRITE,
    "GET /api/v1/chains/{chain_id}/": READ,
    "PUT /api/v1/chains/{chain_id}/": REFERENCE_WRITE,
    "PATCH /api/v1/chains/{chain_id}/": REFERENCE_WRITE,
    "DELETE /api/v1/chains/{chain_id}/": REFERENCE_WRITE,
    "GET /api/v1/chains/{chain_id}/assets/": READ,
    # deployments
    "GET /api/v1/deployments/": READ,
    "POST /api/v1/deployments/": REFERENCE_WRITE,
    "GET /api/v1/deployments/{deployment_id}/": READ,
    "PUT /api/v1/deployments/{deployment_id}/": REFERENCE_WRITE,
    "PATCH /api/v1/deployments/{deployment_id}/": REFERENCE_WRITE,
    "DELETE /api/v1/deployments/{deployment_id}/": REFERENCE_WRITE,
    "GET /api/v1/deployments/by-address/": READ,
    "GET /api/v1/deployments/by-address/{address}/": READ,
    # groups and their members
    "GET /api/v1/groups/": READ,
    "POST /api/v1/groups/": REFERENCE_WRITE,
    "GET /api/v1/groups/{group_id}/": READ,
    "PUT /api/v1/groups/{group_id}/": REFERENCE_WRITE,
    "PATCH /api/v1/groups/{group_id}/": REFERENCE_WRITE,
    "DELETE /api/v1/groups/{group_id}/": REFERENCE_WRITE,
    "GET /api/v1/groups/{group_id}/members/": READ,
    "POST /api/v1/groups/{group_id}/members/": REFERENCE_WRITE,
    "DELETE /api/v1/groups/{group_id}/members/{asset_id}/": REFERENCE_WRITE,
    "GET /api/v1/groups/by-symbol/{canonical_symbol}/": READ,
    # identifiers
    "GET /api/v1/identifiers/": READ,
    "POST /api/v1/identifiers/": REFERENCE_WRITE,
    "GET /api/v1/identifiers/{id}/": READ,
    "DELETE /api/v1/identifiers/{id}/": REFERENCE_WRITE,
    # instruments and markets
    "GET /api/v1/instruments/": READ,
    "POST /api/v1/instruments/": REFERENCE_WRITE,
    "GET /api/v1/instruments/{instrument_id}/": READ,
    "PUT /api/v1/instruments/{instrument_id}/": REFERENCE_WRITE,
    "PATCH /api/v1/instruments/{instrument_id}/": REFERENCE_WRITE,
    "DELETE /api/v1/instruments/{instrument_id}/": REFERENCE_WRITE,
    "GET /api/v1/instruments/by-code/": READ,
    "GET /api/v1/markets/": READ,
    "POST /api/v1/markets/": REFERENCE_WRITE,
    "GET /api/v1/markets/{id}/": READ,
    "PUT /api/v1/markets/{id}/": REFERENCE_WRITE,
    "PATCH /api/v1/markets/{id}/": REFERENCE_WRITE,
    "POST /api/v1/markets/{id}/delist/": REFERENCE_WRITE,
    "GET /api/v1/markets/by-symbol/": READ,
    # quality flags: the Auditor's
    "GET /api/v1/quality-flags/": READ,
    "POST /api/v1/quality-flags/": "flag-write",
    "GET /api/v1/quality-flags/{flag_id}/": READ,
    "POST /api/v1/quality-flags/{flag_id}/resolve/": "flag-write",
    # relationships
    "GET /api/v1/relationships/": READ,
    "POST /api/v1/relationships/": REFERENCE_WRITE,
    "GET /api/v1/relationships/{relationship_id}/": READ,
    "PUT /api/v1/relationships/{relationship_id}/": REFERENCE_WRITE,
    "PATCH /api/v1/relationships/{relationship_id}/": REFERENCE_WRITE,
    "DELETE /api/v1/relationships/{relationship_id}/": REFERENCE_WRITE,
    # venues, their assets and their tickers
    "GET /api/v1/venues/": READ,
    "POST /api/v1/venues/": REFERENCE_WRITE,
    "GET /api/v1/venues/{venue_id}/": READ,
    "PUT /api/v1/venues/{venue_id}/": REFERENCE_WRITE,
    "PATCH /api/v1/venues/{venue_id}/": REFERENCE_WRITE,
    "DELETE /api/v1/venues/{venue_id}/": REFERENCE_WRITE,
    "GET /api/v1/venues/{venue_id}/assets/": READ,
    "GET /api/v1/venue-assets/": READ,
    "POST /api/v1/venue-assets/": REFERENCE_WRITE,
    "GET /api/v1/venue-assets/{id}/": READ,
    "PUT /api/v1/venue-assets/{id}/": REFERENCE_WRITE,
    "PATCH /api/v1/venue-assets/{id}/": REFERENCE_WRITE,
    "DELETE /api/v1/venue-assets/{id}/": REFERENCE_WRITE,
    "GET /api/v1/venue-symbols/": READ,
    "POST /api/v1/venue-symbols/": REFERENCE_WRITE,
    "GET /api/v1/venue-symbols/{id}/": READ,
    "PUT /api/v1/venue-symbols/{id}/": REFERENCE_WRITE,
    "PATCH /api/v1/venue-symbols/{id}/": REFERENCE_WRITE,
    "POST /api/v1/venue-symbols/{id}/delist/": REFERENCE_WRITE,
    "GET /api/v1/venue-symbols/by-ticker/": READ,
    # the hot lookups
    "GET /api/v1/resolve/venue-symbol/": HOT_READ,
    "GET /api/v1/resolve/instrument/": HOT_READ,
    "GET /api/v1/resolve/deployment/": HOT_READ,
    "GET /api/v1/resolve/address/": HOT_READ,
    "GET /api/v1/resolve/pretrade/": HOT_READ,
    "GET /api/v1/resolve/aggregate/": HOT_READ,
    "GET /api/v1/resolve/symbol/": HOT_READ,
    "POST /api/v1/resolve/batch/": HOT_READ,
}


def documented_operations() -> set[str]:
    paths = yaml.safe_load(OPENAPI.read_text())["paths"]
    return {
        f"{method.upper()} {path}"
        for path, item in paths.items()
        for method in item
        if method in HTTP_METHODS
    }


def test_every_operation_of_openapi_yaml_has_a_row():
    """A new operation needs its row (who may call it); a row of a removed one goes."""
    documented = documented_operations()
    assert sorted(documented - set(OPERATIONS)) == [], "operations without a row"
    assert sorted(set(OPERATIONS) - documented) == [], "rows of operations that are gone"
    assert set(OPERATIONS.values()) <= set(MATRIX)


# --- the demo objects each call names -------------------------------------------------------


def demo_calls() -> dict[str, tuple[str, dict, dict]]:
    """{operation: (path with real ids, query parameters, body)}: every call names
    objects that exist, so a caller who may make it gets the operation's real answer."""
    deployment = AssetDeployment.objects.exclude(address="").select_related("chain").first()
    identifier = AssetIdentifier.objects.first()
    member = AssetGroupMember.objects.select_related("group").first()
    instrument = Instrument.objects.first()
    market = Market.objects.select_related("venue").first()
    ticker = VenueSymbol.objects.select_related("venue").first()
    flag = AssetQualityFlag.objects.active().first()
    asset = member.asset
    ids = {
        ("assets", "asset_id"): asset.pk,
        ("chains", "chain_id"): deployment.chain_id,
        ("deployments", "deployment_id"): deployment.pk,
        ("deployments", "address"): deployment.address,
        ("groups", "group_id"): member.group_id,
        ("groups", "asset_id"): member.asset_id,
        ("groups", "canonical_symbol"): member.group.canonical_symbol,
        ("identifiers", "id"): identifier.pk,
        ("instruments", "instrument_id"): instrument.pk,
        ("markets", "id"): market.pk,
        ("quality-flags", "flag_id"): flag.pk,
        ("relationships", "relationship_id"): AssetRelationship.objects.first().pk,
        ("venues", "venue_id"): market.venue_id,
        ("venue-assets", "id"): VenueAsset.objects.first().pk,
        ("venue-symbols", "id"): ticker.pk,
    }
    address = {"chain": deployment.chain_id, "address": deployment.address}
    by_ticker = {
        "venue": ticker.venue_id,
        "symbol": ticker.venue_symbol,
        "market_type": ticker.market_type,
    }
    query = {
        "GET /api/v1/assets/by-identifier/": {
            "source": identifier.source,
            "external_id": identifier.external_id,
        },
        "GET /api/v1/assets/search/": {"q": asset.symbol},
        "GET /api/v1/deployments/by-address/": address,
        "GET /api/v1/instruments/by-code/": {"code": instrument.code},
        "GET /api/v1/markets/by-symbol/": {"venue": market.venue_id, "symbol": market.venue_symbol},
        "GET /api/v1/venue-symbols/by-ticker/": by_ticker,
        "GET /api/v1/resolve/venue-symbol/": by_ticker,
        "GET /api/v1/resolve/instrument/": {"code": instrument.code},
        "GET /api/v1/resolve/deployment/": address,
        "GET /api/v1/resolve/address/": {"address": deployment.address},
        "GET /api/v1/resolve/pretrade/": {"asset": str(flag.asset_id)},
        "GET /api/v1/resolve/aggregate/": {"asset": str(asset.pk)},
        "GET /api/v1/resolve/symbol/": {"symbol": asset.symbol},
    }
    # A minimal body: {} (a 400 for a caller who may write), a batch of one lookup.
    body = {"POST /api/v1/resolve/batch/": {"lookups": [{"type": "symbol", "symbol": "ETH"}]}}
    calls = {}
    for operation in OPERATIONS:
        _, path = operation.split(" ", 1)
        resource = path.split("/")[3]
        for (of, name), value in ids.items():
            if of == resource:
                path = path.replace("{" + name + "}", str(value))
        assert "{" not in path, f"no demo id for {path}"
        calls[operation] = (path, query.get(operation, {}), body.get(operation, {}))
    return calls


@pytest.fixture(scope="module")
def matrix_data(django_db_setup, django_db_blocker):
    """The demo data, the callers and the calls, for the module's tests; rolled back at
    its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", verbosity=0)
        tokens = caller_tokens()
        session_steward = User.objects.create_user(username="matrix-session-steward")
        session_steward.groups.set(Group.objects.filter(name__in=(VIEWER, STEWARD)))
        yield {"tokens": tokens, "session_steward": session_steward, "calls": demo_calls()}
        transaction.set_rollback(True)


def client_of(caller: str, data: dict) -> APIClient:
    if caller == "session":
        client = APIClient(enforce_csrf_checks=True)  # a browser's: no CSRF token sent
        client.force_login(data["session_steward"])
        return client
    client = APIClient()
    header = data["tokens"][caller]
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    return client


def call(client, operation: str, path: str, query: dict, body: dict):
    """One call of ``operation``, in a savepoint rolled back after it."""
    method, _ = operation.split(" ", 1)
    url = f"{path}?{urlencode(query)}" if query else path
    with transaction.atomic():
        if method in ("GET", "DELETE"):
            response = getattr(client, method.lower())(url)
        else:
            response = getattr(client, method.lower())(url, body, format="json")
        transaction.set_rollback(True)
    return response


def refusal_problem(response, expected: str) -> str | None:
    """What is wrong with an answer for a cell whose outcome is ``expected``; None if
    nothing."""
    status = response.status_code
    if status >= 500:
        return f"{status}: {response.content[:200]!r}"
    if expected == OK:
        return f"{status}, not allowed" if status in (401, 403) else None
    if status != int(expected):
        return f"{status}, not {expected}: {response.content[:200]!r}"
    try:
        assert_error(response, status)
    except AssertionError as error:
        return f"{status} not in the error shape: {error}"
    if status == 401 and not response.has_header("WWW-Authenticate"):
        return "401 without WWW-Authenticate"
    return None


@pytest.mark.django_db
@pytest.mark.parametrize("caller", CALLERS)
def test_each_operation_answers_each_caller_as_the_matrix_says(matrix_data, caller):
    """Every operation of openapi.yaml, called by ``caller``: allowed, 401 or 403 as its
    kind's row says, refusals in the error shape, and never a 5xx."""
    client = client_of(caller, matrix_data)
    problems = {}
    for operation, (path, query, body) in matrix_data["calls"].items():
        expected = MATRIX[OPERATIONS[operation]][caller]
        problem = refusal_problem(call(client, operation, path, query, body), expected)
        if problem:
            problems[operation] = problem
    assert problems == {}


UNKNOWN_ID_CALLERS = ("anonymous", "revoked", "no-role")


@pytest.mark.django_db
@pytest.mark.parametrize("caller", UNKNOWN_ID_CALLERS)
def test_a_refused_caller_learns_nothing_of_ids_that_do_not_exist(matrix_data, caller):
    """Authentication and authorization come before the object is looked up: an id that
    names nothing is refused as a real one is, not answered 404."""
    client = client_of(caller, matrix_data)
    unknown = str(uuid.uuid4())
    problems = {}
    for operation, (path, query, body) in matrix_data["calls"].items():
        template = operation.split(" ", 1)[1]
        if "{" not in template:
            continue
        expected = MATRIX[OPERATIONS[operation]][caller]
        path = "/".join(
            unknown if "{" in part else real
            for part, real in zip(template.split("/"), path.split("/"), strict=True)
        )
        problem = refusal_problem(call(client, operation, path, query, body), expected)
        if problem:
            problems[operation] = problem
    assert problems == {}


# --- the admin ------------------------------------------------------------------------------

LOGIN = "login"  # redirected to the admin's login page

# Every model the admin registers, by what it holds.
ADMIN_MODELS = {
    "auth.Group": "accounts",
    "auth.User": "accounts",
    "knox.AuthToken": "accounts",
    # django-axes' records of logins (registry/logins.py): superusers only, as accounts.
    "axes.AccessAttempt": "accounts",
    "axes.AccessFailureLog": "accounts",
    "axes.AccessLog": "accounts",
    "registry.OutboxEvent": "records",
    "registry.ChangeEvent": "records",
    "chains.Chain": "reference",
    "assets.Asset": "reference",
    "assets.AssetDeployment": "reference",
    "registry.FieldSource": "records",  # which source set each field: writes record it
    "assets.AssetName": "records",  # former names: renames record them
    "assets.AssetGroup": "reference",
    "assets.AssetGroupMember": "reference",
    "assets.AssetIdentifier": "reference",
    "assets.AssetRelationship": "reference",
    "venues.Venue": "reference",
    "venues.VenueAsset": "reference",
    "markets.Instrument": "reference",
    "markets.Market": "reference",
    "markets.VenueSymbol": "reference",
    "quality.AssetQualityFlag": "flags",
}

# Each page of a model's admin x the admin's callers: a Viewer holding only an API token
# (not staff), and staff accounts with each role. "change" is the GET of an object's page
# (read only without the change permission), "save" its POST (an empty form), "import"
# the upload page of the models that have one.
ADMIN_MATRIX = parse_matrix("""
                      anonymous  api-viewer  no-role  viewer  steward  auditor
reference:changelist  login      login       403      ok      ok       ok
reference:add         login      login       403      403     ok       403
reference:change      login      login       403      ok      ok       ok
reference:save        login      login       403      403     ok       403
reference:import      login      login       403      403     ok       403
flags:changelist      login      login       403      ok      ok       ok
flags:add             login      login       403      403     403      ok
flags:change          login      login       403      ok      ok       ok
flags:save            login      login       403      403     403      ok
flags:import          login      login       403      403     403      ok
records:changelist    login      login       403      ok      ok       ok
records:add           login      login       403      403     403      403
records:change        login      login       403      ok      ok       ok
records:save          login      login       403      403     403      403
accounts:changelist   login      login       403      403     403      403
accounts:add          login      login       403      403     403      403
accounts:change       login      login       403      403     403      403
accounts:save         login      login       403      403     403      403
""")
ADMIN_CALLERS = tuple(next(iter(ADMIN_MATRIX.values())))
ADMIN_ROLES = {"no-role": (), "viewer": (VIEWER,), "steward": (VIEWER, STEWARD)}
ADMIN_ROLES["auditor"] = (VIEWER, AUDITOR)

# Who is offered each action of a changelist, by what the model holds; nobody elsewhere.
READERS = ("viewer", "steward", "auditor")
ADMIN_ACTIONS = {
    "export_selected_csv": {"reference": READERS, "flags": READERS},
    "export_selected_json": {"reference": READERS, "flags": READERS},
    "delete_selected": {"reference": ("steward",)},
    "restore_selected": {"reference": ("steward",)},
    "delist_selected": {"reference": ("steward",)},
    "resolve_selected": {"flags": ("auditor",)},
    "raise_flag": {"reference": ("auditor",)},
}


def test_every_model_of_the_admin_has_a_row():
    registered = {model._meta.label for model in admin.site._registry}
    assert sorted(registered ^ set(ADMIN_MODELS)) == []


def admin_client(caller: str) -> Client:
    client = Client()
    if caller == "api-viewer":
        user = User.objects.create_user(username="matrix-api-viewer")
        user.groups.set(Group.objects.filter(name=VIEWER))
        client.force_login(user)
    elif caller != "anonymous":
        user = User.objects.create_user(username=f"matrix-staff-{caller}", is_staff=True)
        user.groups.set(Group.objects.filter(name__in=ADMIN_ROLES[caller]))
        client.force_login(user)
    return client


def admin_pages(model_admin) -> dict[str, tuple[str, str]]:
    """{page: (method, url)} of a model's admin, the change pages on its first object."""
    opts = model_admin.model._meta
    prefix = f"admin:{opts.app_label}_{opts.model_name}"
    pages = {
        "changelist": ("GET", reverse(f"{prefix}_changelist")),
        "add": ("GET", reverse(f"{prefix}_add")),
    }
    first = model_admin.model._default_manager.order_by("pk").first()
    if first is not None:
        change = reverse(f"{prefix}_change", args=(first.pk,))
        pages |= {"change": ("GET", change), "save": ("POST", change)}
    if getattr(model_admin, "exchange_entity", None) is not None:
        pages["import"] = ("GET", reverse(f"{prefix}_import"))
    return pages


def admin_problem(response, expected: str) -> str | None:
    status = response.status_code
    if status >= 500:
        return f"{status}"
    login = status == 302 and response["Location"].startswith(reverse("admin:login"))
    if expected == LOGIN:
        return None if login else f"{status}, not the login page"
    if expected == OK:
        return f"{status}, not allowed" if status == 403 or login else None
    return None if status == int(expected) else f"{status}, not {expected}"


@pytest.mark.django_db
@pytest.mark.parametrize("caller", ADMIN_CALLERS)
def test_each_admin_page_answers_each_role_as_the_matrix_says(matrix_data, caller):
    """The changelist, add, change (GET and POST) and import pages of every model the
    admin registers: a Viewer views but changes nothing, a Steward changes reference
    data, an Auditor flags, staff without a role and the accounts' pages get nothing."""
    client = admin_client(caller)
    problems = {}
    for model, model_admin in admin.site._registry.items():
        kind = ADMIN_MODELS[model._meta.label]
        for page, (method, url) in admin_pages(model_admin).items():
            with transaction.atomic():
                response = client.post(url, {}) if method == "POST" else client.get(url)
                transaction.set_rollback(True)
            problem = admin_problem(response, ADMIN_MATRIX[f"{kind}:{page}"][caller])
            if problem:
                problems[f"{model._meta.label} {page}"] = problem
    assert problems == {}


# Markets and tickers are history, delisted and never deleted (flags, resolved, are too).
NEVER_DELETED = {"markets.Market", "markets.VenueSymbol"}


def actions_of(model_admin) -> set[str]:
    """Every action a model's admin has, offered to a user or not: its own, and the
    exports of the models that have them (registry.admin_exchange)."""
    names = {name for _, name, _ in model_admin._get_base_actions()}
    if model_admin.model._meta.label in NEVER_DELETED:
        names.discard("delete_selected")
    if getattr(model_admin, "exchange_entity", None) is not None:
        names |= {"export_selected_csv", "export_selected_json"}
    return names


@pytest.mark.django_db
@pytest.mark.parametrize("caller", READERS)
def test_each_changelist_offers_a_role_only_its_actions(matrix_data, caller):
    """The actions a changelist offers (and so accepts: Django runs only those) are the
    role's: exports to every reader, deleting, restoring and delisting to a Steward,
    raising and resolving flags to an Auditor."""
    client = admin_client(caller)
    problems = {}
    for model, model_admin in admin.site._registry.items():
        kind = ADMIN_MODELS[model._meta.label]
        opts = model._meta
        response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        if response.status_code == 403:
            continue  # no page, no action (the page matrix holds who sees it)
        form = response.context_data.get("action_form")
        offered = {name for name, _ in form.fields["action"].choices if name} if form else set()
        assert offered <= set(ADMIN_ACTIONS), f"{opts.label}: actions without a row"
        expected = {
            name for name in actions_of(model_admin) if caller in ADMIN_ACTIONS[name].get(kind, ())
        }
        if offered != expected:
            problems[opts.label] = {"offered": sorted(offered), "expected": sorted(expected)}
    assert problems == {}

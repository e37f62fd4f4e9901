"""What a request may say, across every endpoint: the routes, the query parameters each
operation documents (and no others), filters and ordering read strictly, the token
schemes, numbers and sizes. Several tests walk every operation of openapi.yaml."""

import uuid
from pathlib import Path

import orjson
import pytest
import yaml
from rest_framework.test import APIClient

from chains.models import Chain
from quality.services import flag_resolve
from tests.api.conftest import assert_error
from tests.factories import (
    AssetFactory,
    AssetGroupFactory,
    AssetQualityFlagFactory,
    ChainFactory,
)

pytestmark = pytest.mark.django_db

SCHEMA = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi.yaml").read_text())
OPERATIONS = [
    (method.upper(), path, operation)
    for path, methods in SCHEMA["paths"].items()
    for method, operation in methods.items()
]
UNKNOWN = "unknown_param"
# A digit to str.isdigit() and int(), not ASCII: Arabic-Indic 1.
ARABIC_1 = "\u0661"
QUOTED_DIGITS_5000 = pytest.param('"' + "9" * 5000 + '"', id="5000-digits")


def fill(path: str, **values) -> str:
    """The path with each {parameter} replaced (by a fresh UUID unless given)."""
    for name in values:
        path = path.replace(f"{{{name}}}", str(values[name]))
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + str(uuid.uuid4()) + path[end + 1 :]
    return path


def query_parameters(operation) -> list[dict]:
    return [p for p in operation.get("parameters", []) if p["in"] == "query"]


def call(client, method: str, path: str, params: dict):
    """A request with ``params`` in the query string, and an empty JSON body for writes."""
    url = f"{path}?{'&'.join(f'{name}={value}' for name, value in params.items())}"
    if method in ("POST", "PUT", "PATCH"):
        return client.generic(method, url, b"{}", content_type="application/json")
    return client.generic(method, url)


def a_value(parameter: dict) -> str:
    """A value of the parameter's type (not necessarily one that finds anything)."""
    schema = parameter["schema"]
    if schema.get("type") == "array":
        schema = schema["items"]
    if "enum" in schema:
        return str(schema["enum"][0])
    if schema.get("type") == "boolean":
        return "true"
    if schema.get("type") == "integer":
        return str(schema.get("minimum", 1))
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    if schema.get("format") == "date-time":
        return "2024-01-01T00:00:00Z"
    return "x"


def is_unknown_parameter_error(response, name: str) -> bool:
    if response.status_code != 400:
        return False
    reasons = orjson.loads(response.content)["error"]["fields"].get(name, [])
    return any("Unknown parameter" in reason for reason in reasons)


# --- query parameters: exactly the documented ones --------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    OPERATIONS,
    ids=[f"{method} {path}" for method, path, _ in OPERATIONS],
)
def test_every_operation_refuses_a_parameter_it_does_not_document(service, method, path, operation):
    """On every endpoint, REST and hot path, reads and writes alike: an undocumented
    query parameter is a 400 that names it and lists what the endpoint takes; a write
    writes nothing."""
    response = call(service, method, fill(path), {UNKNOWN: "1"})

    error = assert_error(response, 400, "invalid", UNKNOWN)
    reason = error["fields"][UNKNOWN][0]
    assert reason.startswith("Unknown parameter; this endpoint takes: ")
    for parameter in query_parameters(operation):
        assert parameter["name"] in reason


GET_PARAMETERS = [
    (path, parameter)
    for method, path, operation in OPERATIONS
    if method == "GET"
    for parameter in query_parameters(operation)
]


@pytest.mark.parametrize(
    ("path", "parameter"),
    GET_PARAMETERS,
    ids=[f"{path} {parameter['name']}" for path, parameter in GET_PARAMETERS],
)
def test_every_documented_parameter_is_accepted(service, path, parameter):
    """What openapi.yaml documents is what the endpoint takes: no documented parameter
    is refused as unknown (and DRF's format=json is taken by every REST endpoint)."""
    rest = "/resolve/" not in path
    params = {parameter["name"]: a_value(parameter), **({"format": "json"} if rest else {})}
    response = call(service, "GET", fill(path), params)

    assert response.status_code < 500, response.content
    assert not is_unknown_parameter_error(response, parameter["name"]), response.content
    assert not is_unknown_parameter_error(response, "format"), response.content


def test_a_misspelt_filter_is_refused_not_ignored(viewer):
    """/assets/?sybmol=USDC answered the whole list; now a 400 names the misspelling."""
    AssetFactory(symbol="USDC")
    AssetFactory(symbol="WBTC")

    error = assert_error(viewer.get("/api/v1/assets/", {"sybmol": "USDC"}), 400, field="sybmol")
    assert "symbol" in error["fields"]["sybmol"][0]
    assert viewer.get("/api/v1/assets/", {"symbol": "USDC"}).json()["total_count"] == 1


def test_a_misspelt_hot_lookup_parameter_is_refused_not_ignored(demo, viewer):
    """resolve/venue-symbol/ with markettype=PERPETUAL (a typo) answered the SPOT market."""
    params = {"venue": "binance", "symbol": "BTCUSDT", "markettype": "PERPETUAL"}
    for _ in range(2):  # the second time the SPOT answer is cached: still refused
        error = assert_error(viewer.get("/api/v1/resolve/venue-symbol/", params), 400)
        assert "market_type" in error["fields"]["markettype"][0]
        viewer.get("/api/v1/resolve/venue-symbol/", {"venue": "binance", "symbol": "BTCUSDT"})


def test_unknown_parameters_are_checked_after_authentication(anonymous):
    """An anonymous caller gets the 401 first, on the REST API and the hot path alike."""
    assert_error(anonymous.get("/api/v1/assets/", {UNKNOWN: "1"}), 401)
    assert_error(anonymous.get("/api/v1/resolve/symbol/", {"symbol": "X", UNKNOWN: "1"}), 401)


def test_a_refused_write_writes_nothing(steward):
    response = steward.post(
        f"/api/v1/chains/?{UNKNOWN}=1",
        {"chain_id": "fresh", "name": "Fresh", "chain_type": "OTHER"},
        format="json",
    )

    assert_error(response, 400, field=UNKNOWN)
    assert not Chain.objects.filter(chain_id="fresh").exists()


# --- ordering ---------------------------------------------------------------------------

ORDERED_LISTS = [
    (path, parameter)
    for method, path, operation in OPERATIONS
    if method == "GET"
    for parameter in query_parameters(operation)
    if parameter["name"] == "ordering"
]


@pytest.mark.parametrize(
    ("path", "parameter"), ORDERED_LISTS, ids=[path for path, _ in ORDERED_LISTS]
)
def test_ordering_takes_the_fields_its_schema_lists_and_refuses_others(service, path, parameter):
    """ordering= documents its fields as an enum; each is taken, and any other field is
    a 400 naming the allowed ones (DRF ignores it and sorts by the default)."""
    allowed = parameter["schema"]["items"]["enum"]
    assert allowed and all(f"-{term}" in allowed for term in allowed if term[0] != "-")
    for term in allowed:
        response = service.get(fill(path), {"ordering": term})
        assert response.status_code in (200, 404), response.content
    response = service.get(fill(path), {"ordering": ",".join(allowed[:2])})
    assert response.status_code in (200, 404), response.content

    error = assert_error(service.get(fill(path), {"ordering": "no_such_field"}), 400)
    assert all(term in error["fields"]["ordering"][0] for term in allowed)


def test_ordering_by_symbol_names_symbol_key(viewer):
    """The trial's case: ordering=symbol was silently ignored."""
    error = assert_error(viewer.get("/api/v1/assets/", {"ordering": "symbol"}), 400)
    assert "symbol_key" in error["fields"]["ordering"][0]


def test_a_list_with_a_fixed_order_refuses_ordering(viewer):
    """Search results are ranked; the schema documents no ordering and none is taken."""
    assert_error(viewer.get("/api/v1/assets/search/", {"q": "x", "ordering": "name"}), 400)


# --- filters read strictly --------------------------------------------------------------

BOOLEAN_FILTERS = [
    (path, parameter["name"])
    for method, path, operation in OPERATIONS
    if method == "GET"
    for parameter in query_parameters(operation)
    if parameter["schema"].get("type") == "boolean"
]


@pytest.mark.parametrize(
    ("path", "name"), BOOLEAN_FILTERS, ids=[f"{p} {n}" for p, n in BOOLEAN_FILTERS]
)
def test_every_boolean_filter_takes_true_false_1_0_and_refuses_anything_else(service, path, name):
    """1 and 0 mean true and false, in any filter (django-filter's default read 1 as
    "unknown" and ignored it); anything else is a 400 naming the filter."""
    url = fill(path, group_id=AssetGroupFactory().pk)

    def total(value):
        response = service.get(url, {name: value})
        assert response.status_code == 200, response.content
        return response.json()["total_count"]

    assert total("1") == total("true") == total("TRUE")
    assert total("0") == total("false") == total("False")
    for value in ("yes", "2", "on", "t", ARABIC_1):
        error = assert_error(service.get(url, {name: value}), 400, "invalid", name)
        assert "true or false" in error["fields"][name][0]


def test_active_only_1_leaves_out_resolved_flags(viewer):
    """The trial's case: active_only=1 returned resolved flags too."""
    active = AssetQualityFlagFactory()
    flag_resolve(flag=AssetQualityFlagFactory(), actor="user:second", notes="Fixed")

    rows = viewer.get("/api/v1/quality-flags/", {"active_only": "1"}).json()["results"]

    assert [row["flag_id"] for row in rows] == [str(active.pk)]


def test_a_wrong_choice_is_answered_with_the_choices(viewer, steward):
    """An unknown identifier source (a lookup parameter, a filter, or a field) is a 400
    listing the sources there are; so is any other choice."""
    error = assert_error(
        viewer.get("/api/v1/assets/by-identifier/", {"source": "GECKO", "external_id": "x"}),
        400,
        field="source",
    )
    assert "COINGECKO, COINMARKETCAP" in error["fields"]["source"][0]

    error = assert_error(viewer.get("/api/v1/identifiers/", {"source": "GECKO"}), 400)
    assert "COINGECKO, COINMARKETCAP" in error["fields"]["source"][0]

    asset = AssetFactory()
    response = steward.post(
        "/api/v1/identifiers/",
        {"asset": str(asset.pk), "source": "GECKO", "external_id": "x"},
        format="json",
    )
    error = assert_error(response, 400, field="source")
    assert "COINGECKO, COINMARKETCAP" in error["fields"]["source"][0]

    error = assert_error(
        viewer.get(
            "/api/v1/venue-symbols/by-ticker/",
            {"venue": "binance", "symbol": "BTCUSDT", "market_type": "PERP"},
        ),
        400,
        field="market_type",
    )
    assert "SPOT, PERPETUAL" in error["fields"]["market_type"][0]


# --- routes -----------------------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/no-such-endpoint/",
        "/api/",
        "/api/v2/assets/",
        "/api/v1/assets/not-a-uuid/",
        "/api/v1/relationships/not-a-uuid/",
        "/api/v1/deployments/12345/",
        "/api/v1/quality-flags/not-a-uuid/",
        "/api/v1/identifiers/not-a-number/",
        "/api/v1/groups/ETH/members/not-a-uuid/",
    ],
)
def test_unknown_routes_and_malformed_ids_answer_the_json_error_shape(
    settings, service, path, debug
):
    """Not Django's HTML 404 page, which DEBUG (make run) shows for a path no URL
    pattern matches, such as an id that is not a UUID where one must be."""
    settings.DEBUG = debug
    response = service.get(path)

    assert response["Content-Type"].startswith("application/json"), response.content
    assert_error(response, 404, "not_found")


def test_a_write_to_an_unknown_route_is_a_json_404_not_a_csrf_page(service):
    """No CSRF check stands before the JSON 404 (its HTML 403 page would answer)."""
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=service._credentials["HTTP_AUTHORIZATION"])

    for method in ("POST", "PUT", "DELETE"):
        assert_error(client.generic(method, "/api/v1/assets/not-a-uuid/"), 404, "not_found")


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_write_without_the_trailing_slash_is_a_404_naming_the_path(
    settings, steward, method, debug
):
    """Was a 500 with DEBUG on (APPEND_SLASH cannot redirect a POST) and a redirect that
    turned the write into a GET with it off."""
    settings.DEBUG = debug
    chain = ChainFactory(name="Before")
    response = steward.generic(
        method, f"/api/v1/chains/{chain.chain_id}", b'{"name": "After"}', "application/json"
    )

    error = assert_error(response, 404, "not_found")
    assert f"/api/v1/chains/{chain.chain_id}/" in error["message"]
    chain.refresh_from_db()
    assert chain.name == "Before"


def test_a_read_without_the_trailing_slash_is_redirected(viewer):
    response = viewer.get("/api/v1/assets", {"symbol": "USDC"})

    assert response.status_code == 301
    assert response["Location"] == "/api/v1/assets/?symbol=USDC"


# --- authentication ---------------------------------------------------------------------


def client_with(authorization: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=authorization)
    return client


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "Token", "TOKEN"])
def test_a_token_works_under_either_scheme_on_both_paths(viewer, scheme):
    """Generated clients send Bearer (openapi.yaml declares HTTP bearer); people send
    Token; the scheme is matched in any letter case (RFC 9110)."""
    AssetFactory(symbol="WBTC")
    token = viewer._credentials["HTTP_AUTHORIZATION"].split()[1]
    client = client_with(f"{scheme} {token}")

    assert client.get("/api/v1/chains/").status_code == 200
    for _ in range(2):  # the second call takes the cached (one round trip) path
        response = client.get("/api/v1/resolve/symbol/", {"symbol": "WBTC"})
        assert response.status_code == 200, response.content


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Digest x", "Bearer", "Token a b"])
def test_an_authorization_header_it_cannot_read_is_a_401_naming_the_schemes(header):
    """Another scheme, or a malformed header, is refused with a message that says what to
    send, on the DRF API and the hot path alike."""
    client = client_with(header)
    for path, params in (("/api/v1/chains/", {}), ("/api/v1/resolve/symbol/", {"symbol": "X"})):
        error = assert_error(client.get(path, params), 401)
        assert "Authorization: Bearer <token>" in error["message"]
        assert "Authorization: Token <token>" in error["message"]


def test_schema_declares_bearer_authentication():
    schemes = SCHEMA["components"]["securitySchemes"]
    assert schemes["tokenAuth"]["type"] == "http"
    assert schemes["tokenAuth"]["scheme"] == "bearer"


# --- numbers and sizes ------------------------------------------------------------------


@pytest.mark.parametrize("header", ['"²"', QUOTED_DIGITS_5000, '"\u0661"'])
def test_resolving_a_flag_with_an_if_match_that_is_no_version_is_a_412(auditor, header):
    """POST quality-flags/{id}/resolve/ reads If-Match like PATCH: strictly."""
    flag = AssetQualityFlagFactory(severity=3)

    response = auditor.post(
        f"/api/v1/quality-flags/{flag.pk}/resolve/",
        {"notes": "done"},
        format="json",
        HTTP_IF_MATCH=header,
    )

    assert_error(response, 412, "stale_version", "If-Match")
    flag.refresh_from_db()
    assert flag.resolved_at is None


def test_a_body_over_the_limit_is_a_413_on_every_path(settings, steward, viewer):
    """RequestDataTooBig was a 500 from DRF and an HTML 400 from the hot path."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = {"symbol": "BIG", "name": "x" * 2000, "asset_type": "ERC20"}

    error = assert_error(steward.post("/api/v1/assets/", big, format="json"), 413)
    assert error["code"] == "request_too_large" and "1,000 bytes" in error["message"]
    lookups = {"lookups": [{"type": "symbol", "symbol": "BTC"}] * 100}
    response = viewer.post("/api/v1/resolve/batch/", lookups, format="json")
    assert_error(response, 413, "request_too_large")


def test_too_many_parameters_is_a_400_in_the_error_shape(viewer):
    query = "&".join(f"p{index}=1" for index in range(1001))

    for path in ("/api/v1/assets/", "/api/v1/resolve/symbol/"):
        error = assert_error(viewer.get(f"{path}?{query}"), 400, "invalid")
        assert "More than 1,000 parameters" in error["message"]


# --- a parameter given twice ----------------------------------------------------------------


def test_a_parameter_given_twice_is_refused_unless_documented_as_a_list(service):
    """?asset=A&asset=B was read as B alone: a pre-trade check of a blocked asset and a
    good one answered "tradeable". Every GET parameter of every operation, given twice:
    a 400 naming it, unless the document declares it a list (an exploded array)."""
    for path, parameter in GET_PARAMETERS:
        name, value = parameter["name"], a_value(parameter)
        url = f"{fill(path)}?{name}={value}&{name}={value}"
        response = service.get(url)
        is_list = parameter["schema"].get("type") == "array" and parameter.get("explode", True)
        if is_list:
            assert response.status_code < 500, (path, name, response.content)
            assert response.status_code != 400 or name not in response.json()["error"]["fields"]
        else:
            error = assert_error(response, 400, "invalid", name)
            assert "Given 2 times" in error["fields"][name][0], (path, name)


def test_pretrade_of_a_blocked_asset_and_another_is_refused_not_answered_for_one(service):
    blocked, good = AssetFactory(symbol="BAD"), AssetFactory(symbol="GOOD")
    AssetQualityFlagFactory(asset=blocked, severity=5)
    url = "/api/v1/resolve/pretrade/"

    assert service.get(url, {"asset": str(blocked.pk)}).json()["tradeable"] is False
    response = service.get(f"{url}?asset={blocked.pk}&asset={good.pk}")
    assert_error(response, 400, "invalid", "asset")
    listed = service.get(f"/api/v1/quality-flags/?asset={blocked.pk}&asset={good.pk}")
    assert_error(listed, 400, "invalid", "asset")


# --- format, methods, HEAD and NUL ------------------------------------------------------------


def test_a_format_the_api_cannot_answer_is_a_400_naming_it(viewer):
    assert viewer.get("/api/v1/chains/", {"format": "json"}).status_code == 200
    for wanted in ("xml", "csv", "api", "JSON"):
        error = assert_error(viewer.get("/api/v1/chains/", {"format": wanted}), 400, field="format")
        assert "json" in error["fields"]["format"][0]


def test_a_method_an_endpoint_lacks_is_a_405_for_a_caller_and_a_401_for_anyone(viewer, anonymous):
    """PUT on the event feed read as a missing role (403)."""
    for method in ("PUT", "PATCH", "DELETE"):
        response = viewer.generic(method, "/api/v1/events/")
        assert_error(response, 405, "method_not_allowed")
        assert response.status_code == 405
        assert anonymous.generic(method, "/api/v1/events/").status_code == 401


def test_head_on_a_hot_lookup_answers_the_get_without_its_body(service):
    AssetFactory(symbol="HEADY")
    url = "/api/v1/resolve/symbol/?symbol=HEADY"
    got = service.get(url)
    head = service.head(url)

    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert int(head["Content-Length"]) == len(got.content)
    assert "HEAD" in service.post(url).headers["Allow"]


def test_a_nul_in_the_path_is_refused_naming_it(viewer):
    response = viewer.get("/api/v1/groups/by-symbol/%00/")
    error = assert_error(response, 400, "invalid")
    assert any(
        "cannot be stored" in reason for reasons in error["fields"].values() for reason in reasons
    )
    response = viewer.get("/api/v1/assets/", {"symbol": "US\x00DC"})
    assert "cannot be stored" in assert_error(response, 400, field="symbol")["fields"]["symbol"][0]

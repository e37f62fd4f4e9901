"""The OpenAPI document is complete, warning-free, committed, and the API keeps to it."""

import functools
from decimal import Decimal
from pathlib import Path

import pytest
import schemathesis
import yaml
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from config.wsgi import application

REPOSITORY = Path(__file__).resolve().parents[2]


def generate_schema(tmp_path) -> str:
    target = tmp_path / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    return target.read_text()


def test_schema_generates_without_warnings_and_matches_the_committed_file(tmp_path):
    """`make schema` wrote openapi.yaml from the current code (clients are built from it)."""
    generated = generate_schema(tmp_path)
    committed = (REPOSITORY / "openapi.yaml").read_text()
    assert generated == committed, "openapi.yaml is stale: run `make schema` and commit it"


def test_every_operation_documents_the_error_shape(tmp_path):
    document = yaml.safe_load(generate_schema(tmp_path))
    operations = [
        (path, method, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(operations) > 30
    for path, method, operation in operations:
        for status in ("401", "403", "404"):
            response = operation["responses"][status]
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, (path, method, status)


# --- The hot lookups' answers, checked against the document --------------------------------

RESOLVE = "/api/v1/resolve/"
USDC_ETHEREUM = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
UNKNOWN_ASSET = "00000000-0000-4000-8000-000000000000"

# Every GET lookup, answered and not: (path, parameters, status). "{name}" is an id the
# demo data gives (see demo_ids).
HOT_LOOKUPS = [
    ("venue-symbol", {"venue": "binance", "symbol": "ETHUSDT"}, 200),  # quote in the registry
    ("venue-symbol", {"venue": "kraken", "symbol": "XXBTZUSD"}, 200),  # fiat quote
    ("venue-symbol", {"venue": "binance", "symbol": "BTCUSDT", "market_type": "PERPETUAL"}, 200),
    ("venue-symbol", {"venue": "kraken", "symbol": "NOPEUSD"}, 404),
    ("instrument", {"code": "ETH-USDT"}, 200),  # a spot pair listed on a venue
    ("instrument", {"code": "NOPE-USD"}, 404),
    ("deployment", {"chain": "ethereum", "address": USDC_ETHEREUM.lower()}, 200),
    ("deployment", {"chain": "ethereum", "address": "0x" + "0" * 40}, 404),
    ("deployment", {"caip19": f"eip155:1/erc20:{USDC_ETHEREUM.lower()}"}, 200),
    ("address", {"address": USDC_ETHEREUM}, 200),
    ("address", {"address": "0x" + "0" * 40}, 404),
    ("pretrade", {"asset": "{counterfeit_usdc}"}, 200),  # blocked, with its flag
    ("pretrade", {"venue": "kraken", "symbol": "XXBTZUSD", "min_severity": "1"}, 200),
    ("pretrade", {"chain": "ethereum", "address": USDC_ETHEREUM}, 200),
    ("pretrade", {"asset": UNKNOWN_ASSET}, 404),
    ("aggregate", {"group": "ETH"}, 200),
    ("aggregate", {"asset": "{eth}"}, 200),
    ("aggregate", {"group": "NOPE"}, 404),
    ("aggregate", {"asset": UNKNOWN_ASSET}, 404),
    ("symbol", {"symbol": "USDC"}, 200),  # two assets, one flagged
    ("symbol", {"symbol": "NOPE"}, 404),
]
# A batch also looks assets up by id.
BATCH_ONLY_LOOKUPS = [
    ("asset", {"asset": "{counterfeit_usdc}"}, 200),
    ("asset", {"asset": UNKNOWN_ASSET}, 404),
]


@functools.cache
def committed_document() -> dict:
    return yaml.safe_load((REPOSITORY / "openapi.yaml").read_text())


def as_json_schema(node, components: dict, strict: bool = True):
    """An OpenAPI 3.0 schema as JSON Schema: references inlined, ``nullable`` as a null
    alternative. ``strict`` (for answers): every object refuses properties it does not
    declare and requires every one it does, so an answer has no field the document lacks
    and lacks none the document declares."""
    if isinstance(node, list):
        return [as_json_schema(item, components, strict) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return as_json_schema(components[node["$ref"].rsplit("/", 1)[-1]], components, strict)
    schema = {}
    for key, value in node.items():
        if key == "properties":
            schema[key] = {n: as_json_schema(v, components, strict) for n, v in value.items()}
        elif key in ("items", "additionalProperties", "allOf", "oneOf", "anyOf"):
            schema[key] = as_json_schema(value, components, strict)
        elif key not in ("nullable", "discriminator", "readOnly", "example"):
            schema[key] = value
    if strict and schema.get("type") == "object" and "additionalProperties" not in schema:
        schema["additionalProperties"] = False  # a bare `type: object` describes nothing
        schema["required"] = sorted(schema.get("properties", {}))
    return {"anyOf": [schema, {"type": "null"}]} if node.get("nullable") else schema


def assert_answer_keeps_to_the_document(path: str, method: str, response) -> None:
    document = committed_document()
    operation = document["paths"][path][method]
    described = operation["responses"][str(response.status_code)]
    schema = as_json_schema(
        described["content"]["application/json"]["schema"], document["components"]["schemas"]
    )
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = list(validator.iter_errors(response.json()))
    if errors:
        # The innermost reasons: of a oneOf, why each alternative failed.
        reasons = sorted(
            {f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in leaves(errors)}
        )
        raise AssertionError(
            f"{method.upper()} {path} {response.status_code} breaks the document: "
            f"{best_match(errors).message[:200]}\n" + "\n".join(reasons[:30])
        )


def leaves(errors):
    for error in errors:
        if error.context:
            yield from leaves(error.context)
        else:
            yield error


def demo_ids(client) -> dict[str, str]:
    usdc = client.get(f"{RESOLVE}symbol/", {"symbol": "USDC"}).json()
    eth = client.get(f"{RESOLVE}aggregate/", {"group": "ETH"}).json()
    return {
        "counterfeit_usdc": next(a["asset_id"] for a in usdc["assets"] if a["active_flags"]),
        "eth": next(m["asset_id"] for m in eth["members"] if m["is_canonical"]),
    }


def filled(parameters: dict, ids: dict) -> dict:
    return {name: value.format(**ids) for name, value in parameters.items()}


def test_every_hot_lookup_of_the_document_is_checked_found_and_not_found():
    """The checks below cover each lookup the document describes, answered and not."""
    document = committed_document()
    described = {path for path in document["paths"] if path.startswith(RESOLVE)}
    checked = {f"{RESOLVE}{path}/" for path, _, _ in HOT_LOOKUPS} | {f"{RESOLVE}batch/"}
    assert described == checked
    for path in {path for path, _, _ in HOT_LOOKUPS}:
        assert {status for p, _, status in HOT_LOOKUPS if p == path} == {200, 404}, path
    lookup_types = document["components"]["schemas"]["BatchRequest"]["properties"]["lookups"]
    batch_types = set(lookup_types["items"]["discriminator"]["mapping"])
    checked_types = {path.replace("-", "_") for path, _, _ in HOT_LOOKUPS + BATCH_ONLY_LOOKUPS}
    assert batch_types == checked_types


def test_hot_lookup_answers_keep_to_the_document(demo, viewer):
    """Every field of every answer, found or not, is in openapi.yaml with its type, enum
    and nullability, and nothing the document declares is missing (from PostgreSQL, and
    again from the cache)."""
    ids = demo_ids(viewer)
    for path, parameters, status in HOT_LOOKUPS:
        for _ in ("from PostgreSQL", "from Redis"):
            response = viewer.get(f"{RESOLVE}{path}/", filled(parameters, ids))
            assert response.status_code == status, (path, parameters, response.content)
            assert_answer_keeps_to_the_document(f"{RESOLVE}{path}/", "get", response)


def test_batch_request_and_answers_keep_to_the_document(demo, viewer):
    """A batch of every lookup type, found and not: the request is one the document
    allows, and each result is the lookup's documented answer or a documented miss."""
    ids = demo_ids(viewer)
    lookups = [
        {"type": path.replace("-", "_"), **filled(parameters, ids)}
        for path, parameters, _ in HOT_LOOKUPS + BATCH_ONLY_LOOKUPS
    ]
    for lookup in lookups:  # JSON has integers
        if "min_severity" in lookup:
            lookup["min_severity"] = int(lookup["min_severity"])
    document = committed_document()
    request_schema = as_json_schema(
        {"$ref": "#/components/schemas/BatchRequest"},
        document["components"]["schemas"],
        strict=False,
    )
    Draft202012Validator(request_schema).validate({"lookups": lookups})
    for _ in ("from PostgreSQL", "from Redis"):
        response = viewer.post(f"{RESOLVE}batch/", {"lookups": lookups}, format="json")
        assert response.status_code == 200, response.content
        assert_answer_keeps_to_the_document(f"{RESOLVE}batch/", "post", response)
        found = [result["found"] for result in response.json()["results"]]
        assert found == [status == 200 for _, _, status in HOT_LOOKUPS + BATCH_ONLY_LOOKUPS]


def test_decimal_answers_are_plain_decimals_as_the_document_says(demo, viewer):
    """A weight of 10 and a conversion rate of 1000 are "10" and "1000", never "1E+1"."""
    from assets.models import AssetGroup
    from tests.factories import AssetGroupMemberFactory, AssetRelationshipFactory

    group = AssetGroup.objects.get(canonical_symbol="ETH")
    eth = group.members.get(is_canonical=True).asset
    AssetRelationshipFactory(parent_asset=eth, conversion_rate=Decimal("1000"))
    AssetGroupMemberFactory(group=group, weight=10)
    response = viewer.get(f"{RESOLVE}aggregate/", {"group": "ETH"})
    assert_answer_keeps_to_the_document(f"{RESOLVE}aggregate/", "get", response)
    body = response.json()
    assert "10" in [member["weight"] for member in body["members"]]
    assert "1000" in [variant["conversion_rate"] for variant in body["variants"]]


def test_quote_currency_is_a_string_or_null_whatever_the_metadata_holds(demo, viewer):
    """The ticker's free-form metadata cannot make the answer break its schema."""
    from tests.factories import VenueSymbolFactory

    ticker = VenueSymbolFactory(metadata={"quote_currency": {"code": "USD"}})
    response = viewer.get(
        f"{RESOLVE}venue-symbol/", {"venue": ticker.venue_id, "symbol": ticker.symbol}
    )
    assert_answer_keeps_to_the_document(f"{RESOLVE}venue-symbol/", "get", response)
    assert response.json()["quote_currency"] is None


def test_every_field_of_a_hot_answer_is_required_so_clients_get_no_optional_fields():
    """A generated client types an answer's fields as always present (no Unset)."""
    document = committed_document()
    schemas = document["components"]["schemas"]
    names = [
        schema["$ref"].rsplit("/", 1)[-1]
        for path, operations in document["paths"].items()
        if path.startswith(RESOLVE)
        for operation in operations.values()
        for schema in _flat(operation["responses"]["200"]["content"]["application/json"]["schema"])
    ]
    seen = set()
    while names:
        name = names.pop()
        if name in seen:
            continue
        seen.add(name)
        schema = schemas[name]
        if "properties" in schema:
            assert set(schema.get("required", [])) == set(schema["properties"]), name
        names.extend(ref.rsplit("/", 1)[-1] for ref in _refs(schema))
    assert {"VenueSymbolAnswer", "AssetSummaryWithFlags", "ActiveFlag", "BatchFound"} <= seen


def test_min_severity_is_an_integer_enum_with_named_levels():
    document = committed_document()
    severity = document["components"]["schemas"]["SeverityEnum"]
    assert (severity["type"], severity["enum"]) == ("integer", [1, 2, 3, 4, 5])
    assert severity["x-enum-varnames"] == ["INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"]
    parameters = document["paths"][f"{RESOLVE}pretrade/"]["get"]["parameters"]
    min_severity = next(p for p in parameters if p["name"] == "min_severity")
    assert min_severity["schema"] == {"$ref": "#/components/schemas/SeverityEnum"}


def _flat(schema: dict) -> list[dict]:
    return schema.get("oneOf", [schema])


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


# --- The API against its schema, by generated requests ---------------------------------------


def as_clients_send_it(context, query: dict | None) -> dict | None:
    """Generated requests send no page_token: it is opaque, only a token a list issued
    is valid, and no schema can say which strings those are (its round trip and
    tampered tokens, each a 400, are tested in tests/registry/test_page_tokens.py)."""
    if query:
        query.pop("page_token", None)
    return query


def load_api_schema():
    loaded = schemathesis.openapi.from_wsgi("/api/schema/", application)
    loaded.hook("map_query")(as_clients_send_it)
    return loaded


@pytest.fixture
def wsgi_in_the_test_transaction(db):
    # Requests go straight to the WSGI app, inside the test's transaction; like Django's
    # test client, keep the end of a request from closing that transaction's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_in_the_test_transaction):
    return load_api_schema()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_keeps_to_its_schema(case, demo, service):
    """Generated requests, valid and invalid (schemathesis generates both), get no 5xx,
    only responses the schema describes, a 400 for what breaks the schema
    (negative_data_rejection) and no 400 for what keeps to it
    (positive_data_acceptance; on reads, see WRITES_VALID_BY_DATA), with a token of
    every role.

    Not checked: filters ignore an empty value (`?chain=`, the django-filter
    convention), which the negative check does not count as breaking the schema.
    """
    if sends_an_empty_filter(case):
        return
    token = service._credentials["HTTP_AUTHORIZATION"]
    case.call_and_validate(headers={"Authorization": token}, excluded_checks=not_checked(case))


# positive_data_acceptance is not checked where a schema-valid request is refused with a
# 400 because of the data, which no schema states (negative_data_rejection is checked on
# every operation):
# - writes (POST, PUT, PATCH): a reference to a row by id that does not exist
#   (native_asset, asset_id, instrument_id …: a 400 naming the field, by design, not a
#   404), an EVM address whose mixed case fails its EIP-55 checksum, a symbol a group
#   already holds, terms that contradict each other (min_order_size above
#   max_order_size, a spot pair with a settlement asset); and DELETE, whose If-Match
#   (schema-valid as any ETag list) names a version the row may no longer have (412);
# - reads with query parameters: a filter naming a row that does not exist
#   (?underlying=<unknown uuid>, ?chain=, ?venue=) is a 400 naming the filter, so a
#   typo is not answered with an empty list; the hot lookups answer 400 for an address
#   that is not one on its chain.
# Reads without a query (a row by its path id: 200 or 404) are checked.
WRITES_VALID_BY_DATA = {"POST", "PUT", "PATCH", "DELETE"}


def not_checked(case) -> list:
    if case.method.upper() in WRITES_VALID_BY_DATA or case.query:
        return [schemathesis.checks.positive_data_acceptance]
    return []


def sends_an_empty_filter(case) -> bool:
    """`?updated_after=`: an empty value means "no filter" (the django-filter convention
    the lists keep, docs/API.md); the negative check counts it as breaking the schema."""
    return any(value in ("", [""]) for value in (case.query or {}).values())


# --- Stateful: chains of calls, each using what an earlier answer returned ------------------


def test_api_keeps_to_its_schema_across_linked_calls(demo, service, wsgi_in_the_test_transaction):
    """Schemathesis infers the links between operations (an id a create or list answers
    is the path parameter of a read, update, delete …; openapi.yaml declares none) and
    walks them: create an asset, read it, add its deployment, list, update with the
    answer's fields, delete. Every step gets no 5xx and keeps to the schema, positive
    and negative data alike."""
    token = service._credentials["HTTP_AUTHORIZATION"]

    class Workflow(load_api_schema().as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": token}}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # ignored_auth: every call carries the service token (get_call_kwargs), also
            # the one the check means to send without valid credentials; authentication
            # is tested by tests/api/test_auth.py and the authorization matrix.
            excluded = [*not_checked(case), schemathesis.checks.ignored_auth]
            if sends_an_empty_filter(case):
                excluded.append(schemathesis.checks.negative_data_rejection)
            case.validate_response(response, excluded_checks=excluded, transport_kwargs=kwargs)

    Workflow.run(
        settings=settings(
            max_examples=12,
            stateful_step_count=8,
            deadline=None,
            derandomize=True,
            # No shrinking: it replays steps against a database the earlier steps
            # changed, so the replay draws differently (FlakyStrategyDefinition) and
            # hides the failure it was shrinking.
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
    )

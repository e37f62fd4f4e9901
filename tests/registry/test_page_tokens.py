"""Page tokens (registry.api.pagination): what the API issues it reads back, and anything
else, however it was made, is refused with a 400 in the error shape, never a 500."""

import base64
import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from registry.api.pagination import _decode, _encode
from tests.api.conftest import assert_error
from tests.factories import (
    AssetDeploymentFactory,
    AssetQualityFlagFactory,
    AssetRelationshipFactory,
    MarketFactory,
)

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)
# What a row's ordering columns put in a token (pagination._is_key_value): anything else
# is refused as made up.
KEY_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00")),
)
FIELD_NAMES = st.lists(st.from_regex(r"-?[a-z_]{1,20}", fullmatch=True), min_size=1, max_size=4)


@given(ordering=FIELD_NAMES, data=st.data())
def test_a_token_decodes_to_the_position_it_encodes(ordering, data):
    values = data.draw(st.lists(KEY_VALUES, min_size=len(ordering), max_size=len(ordering)))
    token = _encode(ordering, values)
    assert token.isascii() and "=" not in token  # fits a query string as it is
    assert _decode(token) == {"o": ordering, "k": values}


@given(
    value=st.one_of(
        st.uuids(),
        st.datetimes(timezones=st.just(UTC)),
        st.decimals(allow_nan=False, allow_infinity=False),
    )
)
def test_row_values_json_lacks_travel_as_their_text(value):
    """UUIDs, times and decimals of a row's ordering fields come back as their text,
    which the filter on the same field reads as the value."""
    assert _decode(_encode(["field"], [value]))["k"] == [str(value)]


# --- tampered tokens, against the lists themselves ---------------------------------------

LISTS = [
    "/api/v1/assets/",  # symbol_key, asset_id (text, uuid)
    "/api/v1/deployments/",  # chain_id, address, deployment_id
    "/api/v1/markets/",  # venue_id, venue_symbol, market_type, id (integer)
    "/api/v1/quality-flags/",  # -severity (integer), -raised_at (time), flag_id
    "/api/v1/relationships/",  # created_at, relationship_id
]


def issued_ordering(client, url: str) -> list[str]:
    """The ordering of the token the list issues for its first page of one row."""
    response = client.get(url, {"page_size": 1})
    assert response.status_code == 200, response.content
    token = response.json()["next_page_token"]
    assert token, f"{url} needs two rows for a token"
    return _decode(token)["o"]


def as_token(payload) -> str:
    raw = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.fixture
def orderings(viewer) -> dict[str, list[str]]:
    for _ in range(2):  # a token needs a second page
        AssetDeploymentFactory()
        MarketFactory()
        AssetQualityFlagFactory()
        AssetRelationshipFactory()
    return {url: issued_ordering(viewer, url) for url in LISTS}


def assert_answered_or_refused(client, url: str, token: str) -> None:
    response = client.get(url, {"page_token": token, "page_size": 2})
    if response.status_code != 200:
        assert_error(response, 400, field="page_token")


TOKEN_VALUES = st.one_of(
    JSON_VALUES,
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from(
        [
            "2024-13-45T99:00:00Z",
            "99999-01-01T00:00:00Z",
            "infinity",
            "NaN",
            "1e400",
            str(uuid.uuid4()),
            "not-a-uuid",
            "\x00",
            "\ud800",
            "9" * 400,
            str(Decimal("1E+1000")),
            datetime(1, 1, 1, tzinfo=UTC).isoformat(),
        ]
    ),
)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(url=st.sampled_from(LISTS), data=st.data())
def test_a_token_with_its_values_tampered_is_answered_or_refused_never_a_500(
    viewer, orderings, url, data
):
    ordering = orderings[url]
    values = data.draw(st.lists(TOKEN_VALUES, min_size=len(ordering), max_size=len(ordering)))
    assert_answered_or_refused(viewer, url, as_token({"o": ordering, "k": values}))


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    url=st.sampled_from(LISTS),
    token=st.one_of(
        st.text(max_size=60),
        st.binary(max_size=60).map(as_token),
        JSON_VALUES.map(as_token),
        st.fixed_dictionaries({"o": JSON_VALUES, "k": JSON_VALUES}).map(as_token),
    ),
)
@example(url=LISTS[0], token="!!!!")
@example(url=LISTS[0], token=as_token(b"\xff\xfe"))
@example(url=LISTS[0], token=as_token({"o": ["symbol_key", "asset_id"], "k": [1]}))
@example(url=LISTS[0], token=as_token({"o": ["symbol_key", "asset_id"], "k": {"a": 1}}))
def test_any_other_token_is_refused_with_a_400(viewer, orderings, url, token):
    response = viewer.get(url, {"page_token": token})
    if response.status_code == 200:  # the empty token is no token
        assert token == ""
    else:
        assert_error(response, 400, field="page_token")


def test_a_token_of_json_nested_thousands_deep_is_a_400_not_a_500(viewer):
    """json gives up on such nesting with a RecursionError, which was answered with a 500
    (found by the fuzzer, tests/fuzz: the page_token target)."""
    deep = b"[" * 3000 + b"]" * 3000
    nested_values = as_token(b'{"o":[],"k":' + deep + b"}")
    response = viewer.get("/api/v1/assets/", {"page_token": nested_values})
    assert_error(response, 400, field="page_token")
    response = viewer.get("/api/v1/assets/", {"page_token": as_token(deep)})
    assert_error(response, 400, field="page_token")

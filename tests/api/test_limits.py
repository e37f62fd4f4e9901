"""The limits of docs/API.md: what the API accepts at its limits, every reader renders (the
lists, the search, the event feed, the events as published, the exports, the admin), and
one step past a limit is a 400 naming the field, with nothing written."""

import csv
import json
from dataclasses import dataclass
from io import StringIO

import orjson
import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from assets.models import Asset
from registry.events.jetstream import encode
from registry.events.outbox import sequence_pending
from registry.events.types import event_type
from registry.models import OutboxEvent
from registry.text import FREE_TEXT_MAX_LENGTH
from registry.validators import (
    METADATA_MAX_BYTES,
    METADATA_MAX_DEPTH,
    METADATA_MAX_INTEGER,
    METADATA_MIN_INTEGER,
)
from tests.api.conftest import assert_error
from tests.factories import AssetFactory, ChainFactory, VenueFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/"
# Free text at its limit in characters, of four UTF-8 bytes each.
FREE_TEXT_AT_LIMIT = "\U0001d54f" * FREE_TEXT_MAX_LENGTH


def metadata_at_limit() -> dict:
    """As deep, as large and with numbers as wide as metadata may be, in one object."""
    deep: object = "bottom"
    for _ in range(METADATA_MAX_DEPTH - 1):
        deep = {"level": deep}
    value = {
        "deep": deep,
        "max": METADATA_MAX_INTEGER,
        "min": METADATA_MIN_INTEGER,
        "real": 0.1,
        "text": "emoji \U0001f469\u200d\U0001f4bb, bidi \u202eabc\u202c",
        "pad": "",
    }
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    value["pad"] = "x" * (METADATA_MAX_BYTES - size)
    return value


def depth_of(value) -> int:
    if isinstance(value, dict):
        return 1 + max((depth_of(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth_of(item) for item in value), default=0)
    return 0


def test_the_sample_is_at_every_metadata_limit():
    value = metadata_at_limit()
    assert depth_of(value) == METADATA_MAX_DEPTH
    encoded = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    assert len(encoded) == METADATA_MAX_BYTES


@pytest.fixture
def related(db) -> dict:
    """What the entities' payloads point at."""
    return {
        "asset": str(AssetFactory().asset_id),
        "other_asset": str(AssetFactory().asset_id),
        "chain": ChainFactory(chain_id="runes", chain_type="BITCOIN", network_id=None).chain_id,
        "venue": VenueFactory().venue_id,
    }


@dataclass(frozen=True)
class Resource:
    """An API resource: who writes it, a valid body, its free-text fields, its model and
    the event its create records."""

    role: str
    body: dict
    free_text: tuple[str, ...]
    model: str
    created_event: str


RESOURCES = {
    "chains": Resource(
        "steward",
        {"chain_id": "limits", "name": "Limits", "chain_type": "OTHER"},
        (),
        "chains.Chain",
        "chain_registered",
    ),
    "venues": Resource(
        "steward",
        {"venue_id": "limits", "name": "Limits", "venue_type": "CEX"},
        (),
        "venues.Venue",
        "venue_created",
    ),
    "venue-assets": Resource(
        "steward",
        {"venue": "{venue}", "asset": "{asset}", "venue_asset_symbol": "LIM"},
        (),
        "venues.VenueAsset",
        "venue_asset_listed",
    ),
    "venue-symbols": Resource(
        "steward",
        {"venue": "{venue}", "asset": "{asset}", "symbol": "LIMUSD", "market_type": "SPOT"},
        (),
        "markets.Market",
        "venue_symbol_mapped",
    ),
    "assets": Resource(
        "steward",
        {"symbol": "LIMIT", "name": "At the limits", "asset_type": "ERC20"},
        ("description",),
        "assets.Asset",
        "asset_created",
    ),
    "identifiers": Resource(
        "steward",
        {"asset": "{asset}", "source": "COINGECKO", "external_id": "limits"},
        (),
        "assets.AssetIdentifier",
        "asset_identifier_created",
    ),
    "deployments": Resource(
        "steward",
        {"asset": "{asset}", "chain": "{chain}", "address": "840000:9", "decimals": 0},
        (),
        "assets.AssetDeployment",
        "asset_deployment_created",
    ),
    "relationships": Resource(
        "steward",
        {"parent_asset": "{asset}", "child_asset": "{other_asset}", "relationship_type": "WRAPS"},
        ("description",),
        "assets.AssetRelationship",
        "relationship_established",
    ),
    "groups": Resource(
        "steward",
        {"group_id": "limits", "canonical_symbol": "LIMIT"},
        ("description",),
        "assets.AssetGroup",
        "asset_group_created",
    ),
    "quality-flags": Resource(
        "auditor",
        {"asset": "{asset}", "flag_type": "SCAM", "severity": 2, "reason": "x"},
        ("reason",),
        "quality.AssetQualityFlag",
        "quality_flag_raised",
    ),
}


def body_of(resource: str, related: dict, **changes) -> dict:
    filled = {
        key: value.format(**related) if isinstance(value, str) else value
        for key, value in RESOURCES[resource].body.items()
    }
    return {**filled, **changes}


def at_limits(resource: str, related: dict) -> dict:
    free_text = dict.fromkeys(RESOURCES[resource].free_text, FREE_TEXT_AT_LIMIT)
    return body_of(resource, related, metadata=metadata_at_limit(), **free_text)


def exported(resource: str, fmt: str) -> list[dict]:
    out = StringIO()
    call_command("export", resource, "--format", fmt, stdout=out)
    if fmt == "csv":
        rows = list(csv.DictReader(StringIO(out.getvalue())))
        return [{**row, "metadata": json.loads(row["metadata"])} for row in rows]
    return json.loads(out.getvalue())


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_values_at_the_limits_are_stored_and_every_reader_renders_them(
    resource, related, request, admin_client, viewer
):
    spec = RESOURCES[resource]
    body = at_limits(resource, related)
    created = request.getfixturevalue(spec.role).post(f"{API}{resource}/", body, format="json")
    assert created.status_code == 201, created.content[:500]

    def same(row: dict) -> bool:
        return row["metadata"] == body["metadata"] and all(
            row[name] == FREE_TEXT_AT_LIMIT for name in spec.free_text
        )

    assert same(created.json())
    # The list and the exports, CSV and JSON.
    listed = viewer.get(f"{API}{resource}/", {"page_size": 200})
    assert listed.status_code == 200, listed.content[:500]
    assert any(same(row) for row in listed.json()["results"])
    for fmt in ("csv", "json"):
        assert any(same(row) for row in exported(resource, fmt)), fmt

    # The admin's change page.
    model = apps.get_model(spec.model)
    pk = created.json()[model._meta.pk.name]
    change = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])
    page = admin_client.get(change)
    assert page.status_code == 200, page.content[:500]
    assert body["metadata"]["pad"] in page.content.decode()
    if spec.free_text:
        assert FREE_TEXT_AT_LIMIT in page.content.decode()

    # The event: in the feed, and as published in either encoding.
    sequence_pending()
    feed = viewer.get(f"{API}events/", {"type": spec.created_event, "limit": 1000})
    assert feed.status_code == 200, feed.content[:500]
    (event,) = feed.json()["results"]
    assert body["metadata"]["pad"] in orjson.dumps(event["payload"]).decode()
    row = OutboxEvent.objects.get(event_type=spec.created_event)
    with override_settings(EVENTS_ENCODING="protobuf"):
        published = encode(row)[0]
        event_type(row.event_type).message.FromString(published)
        assert body["metadata"]["pad"].encode() in published
    with override_settings(EVENTS_ENCODING="json"):
        assert orjson.loads(encode(row)[0]) == event["payload"]


def test_an_asset_at_the_limits_is_found_by_the_search_and_the_hot_path(steward, viewer):
    body = {
        "symbol": "LIMIT",
        "name": "At the limits",
        "asset_type": "ERC20",
        "description": FREE_TEXT_AT_LIMIT,
        "metadata": metadata_at_limit(),
    }
    asset_id = steward.post(f"{API}assets/", body, format="json").json()["asset_id"]
    found = viewer.get(f"{API}assets/search/", {"q": "limit"})
    assert found.status_code == 200, found.content[:500]
    assert [row["asset_id"] for row in found.json()["results"]] == [asset_id]
    assert found.json()["results"][0]["metadata"] == body["metadata"]
    resolved = viewer.get(f"{API}resolve/symbol/", {"symbol": "limit"})
    assert resolved.status_code == 200, resolved.content[:500]


def nested(depth: int) -> dict:
    value: object = 1
    for _ in range(depth - 1):
        value = {"k": value}
    return {"k": value}


@pytest.mark.parametrize("resource", list(RESOURCES))
@pytest.mark.parametrize(
    "metadata, reason",
    [
        (nested(METADATA_MAX_DEPTH + 1), "levels deep"),
        (nested(40), "levels deep"),  # was stored, then a 500 on every feed page showing it
        (nested(300), "levels deep"),  # was stored, then a 500 on every list page showing it
        ({"pad": "x" * METADATA_MAX_BYTES}, "bytes"),
        ({"n": METADATA_MAX_INTEGER + 1}, "64 bits"),
    ],
    ids=["depth+1", "depth-40", "depth-300", "bytes+1", "integer"],
)
def test_metadata_past_a_limit_is_400_naming_the_field_and_writes_nothing(
    resource, related, request, metadata, reason
):
    client = request.getfixturevalue(RESOURCES[resource].role)
    events = OutboxEvent.objects.count()
    response = client.post(
        f"{API}{resource}/", body_of(resource, related, metadata=metadata), format="json"
    )
    error = assert_error(response, 400, "invalid", "metadata")
    assert reason in error["fields"]["metadata"][0]
    assert OutboxEvent.objects.count() == events


@pytest.mark.parametrize(
    "resource, field", [(r, f) for r, spec in RESOURCES.items() for f in spec.free_text]
)
def test_free_text_past_its_limit_is_400_naming_the_field(resource, field, related, request):
    client = request.getfixturevalue(RESOURCES[resource].role)
    body = body_of(resource, related, **{field: "x" * (FREE_TEXT_MAX_LENGTH + 1)})
    assert_error(client.post(f"{API}{resource}/", body, format="json"), 400, "invalid", field)


def test_the_2_mb_description_of_the_trial_is_refused(steward):
    body = {"symbol": "BIG", "name": "Big", "asset_type": "ERC20", "description": "x" * 2**21}
    assert_error(steward.post(f"{API}assets/", body, format="json"), 400, "invalid", "description")
    assert not Asset.all_objects.exists()


def test_resolution_notes_past_the_limit_are_400_naming_the_notes(auditor):
    flag = auditor.post(
        f"{API}quality-flags/",
        {"asset": str(AssetFactory().asset_id), "flag_type": "SCAM", "severity": 2, "reason": "x"},
        format="json",
    ).json()
    resolve = f"{API}quality-flags/{flag['flag_id']}/resolve/"
    too_long = auditor.post(resolve, {"notes": "x" * (FREE_TEXT_MAX_LENGTH + 1)}, format="json")
    assert_error(too_long, 400, "invalid", "notes")
    at_limit = auditor.post(resolve, {"notes": FREE_TEXT_AT_LIMIT}, format="json")
    assert at_limit.status_code == 200, at_limit.content[:500]
    assert at_limit.json()["resolution_notes"] == FREE_TEXT_AT_LIMIT

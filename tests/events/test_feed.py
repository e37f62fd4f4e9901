"""GET /api/v1/events/: the outbox as a cursor feed, in commit order."""

from decimal import Decimal

import pytest

from assets import services as asset_services
from quality import services as quality_services
from registry.actors import acting_as
from registry.events.outbox import sequence_pending
from registry.models import OutboxEvent
from tests.api.conftest import assert_error
from tests.conftest import token_client

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/events/"
CONTRACT_EVENT_TYPES = {"asset_created", "relationship_established", "quality_flag_raised"}


def feed(client, **params) -> dict:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def five_events():
    """parent, child and other created; child related to parent; a flag on parent."""
    with acting_as("service:feed-test"):
        parent, child, other = (
            asset_services.asset_create(symbol=symbol, name=f"{symbol} token", asset_type="ERC20")
            for symbol in ("ETH", "WETH", "DAI")
        )
        asset_services.relationship_create(
            parent_asset=parent,
            child_asset=child,
            relationship_type="WRAPS",
            conversion_rate=Decimal("1"),
        )
        quality_services.flag_raise(
            asset=parent, flag_type="PAUSED", severity=2, reason="Bridge paused", actor="x"
        )
    return {"parent": parent, "child": child, "other": other}


def test_anonymous_is_refused(anonymous):
    assert_error(anonymous.get(URL), 401)


def test_a_user_without_a_role_is_refused(db):
    assert_error(token_client("nobody").get(URL), 403)


def test_a_viewer_reads_the_feed_in_sequence_order(viewer, five_events):
    body = feed(viewer)

    sequences = [item["sequence"] for item in body["results"]]
    assert len(sequences) == 5
    assert sequences == sorted(sequences)
    assert sequences == list(
        OutboxEvent.objects.order_by("sequence").values_list("sequence", flat=True)
    )
    assert [item["event_type"] for item in body["results"]] == [
        "asset_created",
        "asset_created",
        "asset_created",
        "relationship_established",
        "quality_flag_raised",
    ]
    assert body["has_more"] is False
    assert body["next_after"] == sequences[-1]


def test_after_pages_through_without_gaps_or_repeats(viewer, five_events):
    seen, after, pages = [], 0, []
    while True:
        body = feed(viewer, after=after, limit=2)
        pages.append((len(body["results"]), body["has_more"]))
        seen.extend(item["sequence"] for item in body["results"])
        if body["results"]:
            assert body["next_after"] == body["results"][-1]["sequence"]
        after = body["next_after"]
        if not body["has_more"]:
            break
        assert len(pages) < 10, "the feed does not end"

    assert pages == [(2, True), (2, True), (1, False)]
    assert seen == list(OutboxEvent.objects.order_by("sequence").values_list("sequence", flat=True))
    last = feed(viewer, after=after, limit=2)
    assert last == {
        "results": [],
        "next_after": after,
        "has_more": False,
        "oldest_sequence": seen[0],
    }


def test_the_feed_says_when_pruning_took_events_a_consumer_had_not_read(viewer, five_events):
    """A consumer whose ``after`` is below ``oldest_sequence`` knows it missed events."""
    sequence_pending()
    first, second, *_ = OutboxEvent.objects.order_by("sequence")
    OutboxEvent.objects.filter(pk__in=[first.pk, second.pk]).delete()  # as prune would

    body = feed(viewer, after=0, limit=10)

    assert body["oldest_sequence"] > first.sequence
    assert body["results"][0]["sequence"] == body["oldest_sequence"]


def test_type_filter_takes_a_comma_separated_list(viewer, five_events):
    body = feed(viewer, type="relationship_established, quality_flag_raised")
    assert [item["event_type"] for item in body["results"]] == [
        "relationship_established",
        "quality_flag_raised",
    ]


def test_asset_filter_finds_a_relationship_from_either_end(viewer, five_events):
    parent, child, other = (five_events[name] for name in ("parent", "child", "other"))

    def types_for(asset):
        return [item["event_type"] for item in feed(viewer, asset=str(asset.pk))["results"]]

    assert types_for(parent) == ["asset_created", "relationship_established", "quality_flag_raised"]
    assert types_for(child) == ["asset_created", "relationship_established"]
    assert types_for(other) == ["asset_created"]


def test_type_and_asset_filters_combine(viewer, five_events):
    body = feed(viewer, type="relationship_established", asset=str(five_events["child"].pk))
    assert [item["event_type"] for item in body["results"]] == ["relationship_established"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "no_such_event"}, "type"),
        ({"type": "asset_created,no_such_event"}, "type"),
        ({"type": " , "}, "type"),
        ({"type": ""}, "type"),
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"after": -1}, "after"),
        ({"asset": "not-a-uuid"}, "asset"),
    ],
)
def test_invalid_parameters_are_refused_naming_the_field(viewer, params, field):
    error = assert_error(viewer.get(URL, params), 400, field=field)
    if "no_such_event" in params.get("type", ""):
        assert "no_such_event" in " ".join(error["fields"]["type"])


def test_limit_of_1000_is_accepted(viewer, five_events):
    assert len(feed(viewer, limit=1000)["results"]) == 5


def test_the_feed_numbers_rows_no_publisher_has_numbered(viewer, five_events):
    assert OutboxEvent.objects.filter(sequence__isnull=True).count() == 5

    body = feed(viewer)

    sequences = [item["sequence"] for item in body["results"]]
    assert len(sequences) == 5
    assert None not in sequences
    assert sequences == sorted(sequences)
    assert not OutboxEvent.objects.filter(sequence__isnull=True).exists()


def test_each_item_carries_the_row_and_its_message(viewer, five_events):
    sequence_pending()
    rows = {str(row.event_id): row for row in OutboxEvent.objects.all()}

    for item in feed(viewer)["results"]:
        row = rows[item["event_id"]]
        assert item["payload"] == row.payload
        assert item["payload"]["event_id"] == item["event_id"]
        family = "cqc" if row.event_type in CONTRACT_EVENT_TYPES else "cqar"
        assert item["subject"] == f"{family}.events.v1.{row.event_type}"
        assert item["message_type"] == row.message_type
        assert item["entity_id"] == row.entity_id
        assert item["asset_ids"] == [str(asset_id) for asset_id in row.asset_ids]
        assert item["actor_id"] == "service:feed-test"
        assert item["status"] == "PENDING"
        assert item["published_at"] is None

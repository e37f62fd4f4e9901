"""Concurrent writes to one object over the REST API never lose one: sixteen clients
holding the same ETag are one 200 and fifteen 412s, the row is the winner's write; clients
that re-read and retry after a 412 all land; and a write sent twice at once is answered
as the same write sent twice in a row is."""

import pytest

from markets.models import Market
from registry.models import OutboxEvent
from tests.api.conftest import assert_error
from tests.concurrency.race import CLIENTS, clients_of, error_codes, race, statuses
from tests.factories import (
    AssetDeploymentFactory,
    AssetFactory,
    AssetGroupFactory,
    AssetGroupMemberFactory,
    AssetIdentifierFactory,
    AssetQualityFlagFactory,
    AssetRelationshipFactory,
    MarketFactory,
    VenueSymbolFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def patch_all_with_one_etag(client, url: str, bodies: list[dict]) -> list:
    """Read the object's ETag once; PATCH each body with it from a client of its own, all
    at once. Exactly one is 200, the others 412 in the error shape; returns the winner's
    index."""
    etag = client.get(url)["ETag"]
    responses = race(
        [
            lambda client=each, body=body: client.patch(
                url, body, format="json", HTTP_IF_MATCH=etag
            )
            for each, body in zip(clients_of(client, len(bodies)), bodies, strict=True)
        ]
    )
    assert statuses(responses) == {200: 1, 412: len(bodies) - 1}, [
        (response.status_code, response.content) for response in responses
    ]
    assert error_codes(responses, 412) == {"stale_version"}
    (winner,) = [index for index, r in enumerate(responses) if r.status_code == 200]
    assert responses[winner]["ETag"] == f'"{int(etag.strip(chr(34))) + 1}"'
    return winner


def test_one_etag_sixteen_asset_writes_one_lands(steward):
    asset = AssetFactory(name="Before")
    bodies = [{"name": f"Written by client {index}"} for index in range(CLIENTS)]
    winner = patch_all_with_one_etag(steward, f"/api/v1/assets/{asset.asset_id}/", bodies)
    asset.refresh_from_db()
    assert (asset.name, asset.version) == (bodies[winner]["name"], 2)


def test_one_etag_sixteen_market_writes_one_lands(steward):
    market = MarketFactory()
    bodies = [{"tick_size": f"0.{index + 1:02d}"} for index in range(CLIENTS)]
    winner = patch_all_with_one_etag(steward, f"/api/v1/markets/{market.pk}/", bodies)
    market.refresh_from_db()
    assert (str(market.tick_size.normalize()), market.version) == (
        str(float(bodies[winner]["tick_size"])),
        2,
    )


def test_writes_without_if_match_all_land_and_the_last_one_stands(steward):
    """Without If-Match a write is unconditional (docs/DESIGN.md): sixteen at once are
    sixteen 200s, sixteen versions, and the row is the write with the highest."""
    asset = AssetFactory(name="Before")
    url = f"/api/v1/assets/{asset.asset_id}/"
    responses = race(
        [
            lambda client=each, number=number: client.patch(
                url, {"name": f"Written by client {number}"}, format="json"
            )
            for number, each in enumerate(clients_of(steward))
        ]
    )
    assert statuses(responses) == {200: CLIENTS}, [r.content for r in responses]
    versions = sorted(response.json()["version"] for response in responses)
    assert versions == list(range(2, CLIENTS + 2))
    last = max(responses, key=lambda response: response.json()["version"])
    asset.refresh_from_db()
    assert (asset.name, asset.version) == (last.json()["name"], CLIENTS + 1)


def test_clients_that_reread_after_a_412_all_land(steward):
    """Four clients each add three keys to an asset's metadata, read-modify-write with
    If-Match, re-reading after each 412: every key is there at the end, and the version
    counts every write."""
    asset = AssetFactory(metadata={})
    url = f"/api/v1/assets/{asset.asset_id}/"
    writers, writes_each = 4, 3

    def writer(client, number: int) -> int:
        refused = 0
        for write in range(writes_each):
            while True:
                read = client.get(url)
                metadata = {**read.json()["metadata"], f"writer-{number}-{write}": write}
                response = client.patch(
                    url, {"metadata": metadata}, format="json", HTTP_IF_MATCH=read["ETag"]
                )
                if response.status_code == 200:
                    break
                assert_error(response, 412, "stale_version")
                refused += 1
        return refused

    refused = race(
        [
            lambda client=client, number=number: writer(client, number)
            for number, client in enumerate(clients_of(steward, writers))
        ]
    )
    asset.refresh_from_db()
    assert asset.metadata == {
        f"writer-{number}-{write}": write
        for number in range(writers)
        for write in range(writes_each)
    }
    assert asset.version == 1 + writers * writes_each
    assert sum(refused) > 0, "no write met another: the race did not happen"


def answered_as_a_repeat(client, send, winner_status: int) -> None:
    """``send(client)`` from sixteen clients at once: one succeeds with ``winner_status``,
    and every other is answered as the same request repeated afterwards is (its status,
    its error code, in the error shape); never a 500 or a 412 nobody asked for."""
    responses = race([lambda client=each: send(client) for each in clients_of(client)])
    repeat = send(client)
    assert repeat.status_code not in (winner_status, 500), repeat.content
    code = repeat.json()["error"]["code"]
    assert statuses(responses) == {winner_status: 1, repeat.status_code: CLIENTS - 1}, [
        (response.status_code, response.content) for response in responses
    ]
    assert error_codes(responses, repeat.status_code) == {code}


def test_resolving_one_flag_at_once_is_one_resolution(auditor):
    """A flag resolved by sixteen clients at once is resolved once; the others are told
    it is already resolved, as a later resolution is; the notes are the winner's."""
    flag = AssetQualityFlagFactory(severity=3)
    url = f"/api/v1/quality-flags/{flag.flag_id}/resolve/"
    answered_as_a_repeat(
        auditor, lambda client: client.post(url, {"notes": "Fixed."}, format="json"), 200
    )
    flag.refresh_from_db()
    assert (flag.resolved_at is not None, flag.version) == (True, 2)


def test_delisting_one_ticker_at_once_is_one_delisting(steward):
    ticker = VenueSymbolFactory()
    url = f"/api/v1/venue-symbols/{ticker.pk}/delist/"
    answered_as_a_repeat(steward, lambda client: client.post(url, {}, format="json"), 200)
    market = Market.objects.get(pk=ticker.pk)
    assert (market.status, market.version) == ("DELISTED", 2)


def test_deleting_one_object_at_once_is_one_removal(steward):
    """Deletes of one deployment, identifier, relationship, group member or group sent
    at once: one 204, the others 404 as a later delete is; one removal event each."""
    deployment, identifier = AssetDeploymentFactory(), AssetIdentifierFactory()
    relationship, member = AssetRelationshipFactory(), AssetGroupMemberFactory()
    group = AssetGroupFactory()
    urls = [
        f"/api/v1/deployments/{deployment.pk}/",
        f"/api/v1/identifiers/{identifier.pk}/",
        f"/api/v1/relationships/{relationship.pk}/",
        f"/api/v1/groups/{member.group_id}/members/{member.asset_id}/",
        f"/api/v1/groups/{group.pk}/",
    ]
    for url in urls:
        answered_as_a_repeat(steward, lambda client, url=url: client.delete(url), 204)
    for entity in (deployment, identifier, relationship, member, group):
        assert not type(entity).objects.filter(pk=entity.pk).exists()
    removals = OutboxEvent.objects.filter(
        event_type__in=[
            "asset_deployment_deleted",
            "asset_identifier_deleted",
            "relationship_removed",
            "group_member_removed",
            "asset_group_deleted",
        ]
    )
    assert removals.count() == len(urls)


def test_deleting_one_asset_at_once_is_one_soft_delete(steward):
    """One soft delete; the others are 404, as a delete of a deleted asset is."""
    asset = AssetFactory()
    url = f"/api/v1/assets/{asset.asset_id}/"
    responses = race([lambda client=each: client.delete(url) for each in clients_of(steward)])
    assert_error(steward.delete(url), 404)
    assert statuses(responses) == {204: 1, 404: CLIENTS - 1}, [r.content for r in responses]
    assert error_codes(responses, 404) <= {"not_found", "asset_not_found"}
    assert OutboxEvent.objects.filter(event_type="asset_deleted").count() == 1

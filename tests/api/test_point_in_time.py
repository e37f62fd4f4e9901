"""The hot lookups asked about a moment: ``as_of`` (what was true then) and ``known_at``
(what the registry held then), over REST and in a batch, on scripted histories.

Recorded time is when each statement ran (the history triggers' stamp), so the
histories whose recorded times matter commit each step (``transactional_db``) and note
the time between steps."""

import time
from datetime import UTC, datetime

import orjson
import pytest
from django.utils import timezone

from assets.services import (
    asset_soft_delete,
    asset_update,
    deployment_update,
    group_member_add,
    group_member_remove,
    relationship_create,
)
from markets.services import venue_symbol_create, venue_symbol_delist
from quality.choices import FlagType, Severity
from quality.services import flag_raise, flag_resolve
from registry import cache
from registry.actors import acting_as
from tests.factories import (
    AssetDeploymentFactory,
    AssetFactory,
    AssetGroupFactory,
    VenueFactory,
)

LISTED = datetime(2022, 1, 1, tzinfo=UTC)
REPOINTED = datetime(2023, 6, 1, tzinfo=UTC)


def get(client, lookup: str, **params) -> tuple[int, dict]:
    response = client.get(f"/api/v1/resolve/{lookup}/", params)
    return response.status_code, orjson.loads(response.content)


def ticker(client, **params) -> tuple[int, dict]:
    return get(client, "venue-symbol", venue="pitx", symbol="TKNUSDT", **params)


def batch(client, *items) -> list[dict]:
    response = client.post("/api/v1/resolve/batch/", {"lookups": list(items)}, format="json")
    assert response.status_code == 200, response.content
    return orjson.loads(response.content)["results"]


def recorded_now() -> datetime:
    """A recorded time strictly between the step before and the step after."""
    time.sleep(0.01)
    now = timezone.now()
    time.sleep(0.01)
    return now


@pytest.fixture
def repointed(db):
    """pitx TKNUSDT meant OLD from 2022-01-01 and NEW from 2023-06-01 (the old market
    delisted at that instant, the new one listed at it)."""
    with acting_as("user:steward", source="test"):
        venue = VenueFactory(venue_id="pitx")
        old, new = AssetFactory(symbol="OLD"), AssetFactory(symbol="NEW")
        usdt = AssetFactory(symbol="USDT")
        first = venue_symbol_create(
            venue=venue, symbol="TKNUSDT", asset=old, quote_asset=usdt, listed_at=LISTED
        )
        venue_symbol_delist(venue_symbol=first, at=REPOINTED)
        venue_symbol_create(
            venue=venue, symbol="TKNUSDT", asset=new, quote_asset=usdt, listed_at=REPOINTED
        )
    return old, new


@pytest.mark.django_db
def test_a_repointed_ticker_answers_the_asset_of_each_period(viewer, repointed):
    old, new = repointed
    cases = {
        "2022-12-31T23:59:59Z": old,
        "2023-05-31": old,
        "2023-06-01T00:00:00Z": new,  # a period holds its start, not its end
        "2023-06-01T02:00:00+02:00": new,  # the same instant in another zone
        "2023-06-01T01:59:59+02:00": old,
        "2024-01-01": new,
    }
    for as_of, asset in cases.items():
        status, answer = ticker(viewer, as_of=as_of)
        assert status == 200, (as_of, answer)
        assert answer["asset"]["asset_id"] == str(asset.pk), as_of
        assert answer["market"]["status"] == "TRADING", as_of  # listed then
    status, answer = ticker(viewer)
    assert (status, answer["asset"]["asset_id"]) == (200, str(new.pk))
    status, answer = ticker(viewer, as_of="2021-12-31")
    assert status == 404
    assert "at 2021-12-31T00:00:00Z" in answer["error"]["message"]


@pytest.mark.django_db
def test_the_batch_answers_each_item_for_its_own_moment(viewer, repointed):
    old, new = repointed
    item = {"type": "venue_symbol", "venue": "pitx", "symbol": "TKNUSDT"}
    results = batch(
        viewer,
        {**item, "as_of": "2023-01-01"},
        item,
        {**item, "as_of": "2023-07-01T00:00:00Z"},
        {**item, "as_of": "2020-01-01"},
        {**item, "as_of": "last tuesday"},
        {"type": "pretrade", "venue": "pitx", "symbol": "TKNUSDT", "as_of": "2023-01-01"},
    )
    assert [r["found"] for r in results] == [True, True, True, False, False, True]
    assert results[0]["result"]["asset"]["asset_id"] == str(old.pk)
    assert results[1]["result"]["asset"]["asset_id"] == str(new.pk)
    assert results[2]["result"]["asset"]["asset_id"] == str(new.pk)
    assert results[4]["reason"].startswith("as_of: not a time")
    assert results[5]["result"]["asset"]["asset_id"] == str(old.pk)
    # The same answers as the single lookups, byte for byte.
    for result, as_of in zip(
        results[:3], ("2023-01-01", None, "2023-07-01T00:00:00Z"), strict=True
    ):
        assert result["result"] == ticker(viewer, **({"as_of": as_of} if as_of else {}))[1]


@pytest.mark.django_db
def test_a_point_in_time_answer_is_not_cached(viewer, repointed):
    redis = cache.redis_state.raw()
    key = "v1:venue:pitx:symbol:TKNUSDT:SPOT"
    redis.delete(key)  # the fixture's writes left a tombstone
    ticker(viewer, as_of="2023-01-01")
    assert redis.get(key) is None
    ticker(viewer)  # the current answer is cached
    assert cache.decode(redis.get(key))[0] is True
    _, answer = ticker(viewer, as_of="2023-01-01")  # and answers nothing for the past
    assert answer["asset"]["symbol"] == "OLD"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field", "reason"),
    [
        ({"as_of": "2023-01-01T10:00:00"}, "as_of", "not a time"),  # no zone: refused
        ({"as_of": "yesterday"}, "as_of", "not a time"),
        ({"as_of": "2023-02-30"}, "as_of", "not a time"),
        ({"as_of": "1969-12-31"}, "as_of", "before 1970"),
        ({"known_at": "2999-01-01"}, "known_at", "in the future"),
        ({"as_of": ""}, "as_of", "not a time"),
    ],
)
def test_a_moment_that_cannot_be_read_is_a_400_naming_it(viewer, repointed, params, field, reason):
    for lookup, extra in (
        ("venue-symbol", {"venue": "pitx", "symbol": "TKNUSDT"}),
        ("pretrade", {"venue": "pitx", "symbol": "TKNUSDT"}),
        ("symbol", {"symbol": "OLD"}),
        ("instrument", {"code": "OLD-USDT"}),
    ):
        status, answer = get(viewer, lookup, **extra, **params)
        assert status == 400, (lookup, answer)
        assert reason in answer["error"]["fields"][field][0], (lookup, answer)


@pytest.mark.django_db
def test_an_unencoded_plus_in_the_zone_is_read_as_the_plus_it_was(viewer, repointed):
    old, _ = repointed
    response = viewer.get(
        "/api/v1/resolve/venue-symbol/?venue=pitx&symbol=TKNUSDT&as_of=2023-06-01T01:59:59+02:00"
    )
    assert orjson.loads(response.content)["asset"]["asset_id"] == str(old.pk)


@pytest.mark.django_db
def test_was_it_tradeable_at_a_past_minute(viewer, repointed):
    """A CRITICAL flag recorded later for what happened on 2022-05-09, resolved a day
    after: the check at 14:03 that day refuses, before and after it allows."""
    old, _ = repointed
    with acting_as("user:steward", source="test"):
        flag = flag_raise(
            asset=old,
            flag_type=FlagType.EXPLOITED,
            severity=Severity.CRITICAL,
            reason="Drained.",
            actor="user:steward",
            raised_at=datetime(2022, 5, 9, 12, tzinfo=UTC),
        )
        flag_resolve(
            flag=flag,
            actor="user:auditor",
            notes="Patched.",
            resolved_at=datetime(2022, 5, 10, tzinfo=UTC),
        )
    params = {"venue": "pitx", "symbol": "TKNUSDT"}
    answers = {
        as_of: get(viewer, "pretrade", **params, as_of=as_of)[1]
        for as_of in ("2022-05-09T11:59:59Z", "2022-05-09T14:03:00Z", "2022-05-10T00:00:00Z")
    }
    assert [a["tradeable"] for a in answers.values()] == [True, False, True]
    blocking = answers["2022-05-09T14:03:00Z"]["blocking_flags"]
    assert [b["flag_id"] for b in blocking] == [str(flag.pk)]
    assert (
        get(viewer, "pretrade", asset=str(old.pk), as_of="2022-05-09T14:03:00Z")[1]["tradeable"]
        is False
    )
    assert get(viewer, "pretrade", asset=str(old.pk))[1]["tradeable"] is True  # resolved now
    listed = viewer.get(
        "/api/v1/quality-flags/", {"asset": str(old.pk), "as_of": "2022-05-09T13:00:00Z"}
    )
    assert [f["flag_id"] for f in listed.json()["results"]] == [str(flag.pk)]
    assert viewer.get("/api/v1/quality-flags/", {"as_of": "2022-05-11"}).json()["results"] == []


@pytest.mark.django_db
def test_a_flag_is_not_raised_or_resolved_in_the_future(service, repointed):
    old, _ = repointed
    raised = service.post(
        "/api/v1/quality-flags/",
        {
            "asset": str(old.pk),
            "flag_type": "SCAM",
            "severity": 3,
            "reason": "Later.",
            "raised_at": "2999-01-01T00:00:00Z",
        },
        format="json",
    )
    assert raised.status_code == 400
    assert "raised_at" in raised.json()["error"]["fields"]
    raised = service.post(
        "/api/v1/quality-flags/",
        {"asset": str(old.pk), "flag_type": "SCAM", "severity": 3, "reason": "Now."},
        format="json",
    )
    flag_id = raised.json()["flag_id"]
    for resolved_at, field in (
        ("2999-01-01T00:00:00Z", "resolved_at"),
        ("2001-01-01", "resolved_at"),
    ):
        refused = service.post(
            f"/api/v1/quality-flags/{flag_id}/resolve/",
            {"notes": "Gone.", "resolved_at": resolved_at},
            format="json",
        )
        assert refused.status_code == 400, refused.content
        assert field in refused.json()["error"]["fields"]


@pytest.mark.django_db(transaction=True)
def test_a_corrected_decimals_value_closes_its_period_when_corrected(viewer):
    """18 recorded first, corrected to 8 later: before the correction the lookup answers
    18 (what the registry held and acted on), after it 8; the past is not rewritten."""
    with acting_as("user:steward", source="test"):
        deployment = AssetDeploymentFactory(decimals=18)
    params = {"chain": deployment.chain_id, "address": deployment.address}
    before_record = deployment.created_at
    between = recorded_now()
    with acting_as("user:steward", source="test"):
        deployment_update(deployment=deployment, changes={"decimals": 8})
    after = recorded_now()

    def decimals(**moment) -> int:
        status, answer = get(viewer, "deployment", **params, **moment)
        assert status == 200, answer
        return answer["deployment"]["decimals"]

    assert decimals() == 8
    assert decimals(as_of=between.isoformat()) == 18
    assert decimals(as_of=after.isoformat()) == 8
    # Before the registry knew the deployment: the first value it learned.
    assert decimals(as_of="2020-01-01") == 18
    assert before_record < between
    # What the registry said at `between` about now: 18, it knew no better then.
    assert decimals(as_of=after.isoformat(), known_at=between.isoformat()) == 18


@pytest.mark.django_db(transaction=True)
def test_what_the_registry_said_then_about_a_time_before(viewer):
    """The bitemporal question, both ways. Recorded first: TKNUSDT means OLD from
    2023-01-01. Learned later: it was re-pointed to NEW on 2023-02-01.

    - about 2023-02-15, as the registry held it before it learned: OLD;
    - about 2023-02-15, as it holds it now: NEW;
    - about 2023-01-15, either way: OLD;
    - before the first recording, nothing.
    """
    nothing_yet = recorded_now()
    with acting_as("user:steward", source="test"):
        venue = VenueFactory(venue_id="pitx")
        old, new, usdt = AssetFactory(symbol="OLD"), AssetFactory(symbol="NEW"), AssetFactory()
        first = venue_symbol_create(
            venue=venue,
            symbol="TKNUSDT",
            asset=old,
            quote_asset=usdt,
            listed_at=datetime(2023, 1, 1, tzinfo=UTC),
        )
    believed_old = recorded_now()
    switch = datetime(2023, 2, 1, tzinfo=UTC)
    with acting_as("user:steward", source="test"):
        venue_symbol_delist(venue_symbol=first, at=switch)
        venue_symbol_create(
            venue=venue, symbol="TKNUSDT", asset=new, quote_asset=usdt, listed_at=switch
        )

    def asset_of(**moment):
        status, answer = ticker(viewer, **moment)
        return answer["asset"]["symbol"] if status == 200 else status

    feb = "2023-02-15T00:00:00Z"
    assert asset_of(as_of=feb, known_at=believed_old.isoformat()) == "OLD"
    assert asset_of(as_of=feb) == "NEW"
    assert asset_of(as_of=feb, known_at=timezone.now().isoformat()) == "NEW"
    for known_at in (believed_old.isoformat(), None):
        assert asset_of(as_of="2023-01-15", **({"known_at": known_at} if known_at else {})) == "OLD"
    assert asset_of(as_of=feb, known_at=nothing_yet.isoformat()) == 404
    # known_at alone: what the registry said then about then (its current answer then).
    assert asset_of(known_at=believed_old.isoformat()) == "OLD"
    assert asset_of() == "NEW"


@pytest.mark.django_db(transaction=True)
def test_a_deleted_asset_resolved_before_its_deletion(viewer):
    with acting_as("user:steward", source="test"):
        deployment = AssetDeploymentFactory()
    alive = recorded_now()
    with acting_as("user:steward", source="test"):
        asset_soft_delete(asset=deployment.asset)
    params = {"chain": deployment.chain_id, "address": deployment.address}
    assert get(viewer, "deployment", **params)[0] == 404
    status, answer = get(viewer, "deployment", **params, as_of=alive.isoformat())
    assert status == 200
    assert answer["asset"]["asset_id"] == str(deployment.asset_id)
    assert (
        get(viewer, "pretrade", asset=str(deployment.asset_id), as_of=alive.isoformat())[0] == 200
    )
    assert get(viewer, "pretrade", asset=str(deployment.asset_id))[0] == 404


@pytest.mark.django_db(transaction=True)
def test_an_object_as_it_was_over_rest(viewer):
    """GET …/{id}/?as_of=: the object's own fields as recorded by then, and the lists it
    shows (an asset's deployments, a group's members) as of then too."""
    nothing_yet = recorded_now()
    with acting_as("user:steward", source="test"):
        deployment = AssetDeploymentFactory(decimals=18, asset=AssetFactory(symbol="LUNA"))
        asset = deployment.asset
        group = AssetGroupFactory(canonical_symbol="LUNAG")
        group_member_add(group=group, asset=asset)
    before = recorded_now()
    with acting_as("user:steward", source="test"):
        asset_update(asset=asset, changes={"symbol": "LUNC", "name": "Terra Classic"})
        deployment_update(deployment=deployment, changes={"decimals": 6})
        group_member_remove(group=group, asset=asset)

    then = viewer.get(f"/api/v1/assets/{asset.pk}/", {"as_of": before.isoformat()})
    assert then.status_code == 200, then.content
    assert (then.json()["symbol"], then.json()["version"]) == ("LUNA", 1)
    assert then["ETag"] == '"1"'
    assert [d["decimals"] for d in then.json()["deployments"]] == [18]
    now = viewer.get(f"/api/v1/assets/{asset.pk}/").json()
    assert (now["symbol"], [d["decimals"] for d in now["deployments"]]) == ("LUNC", [6])
    deployment_then = viewer.get(
        f"/api/v1/deployments/{deployment.pk}/", {"as_of": before.isoformat()}
    ).json()
    assert deployment_then["decimals"] == 18
    group_then = viewer.get(f"/api/v1/groups/{group.pk}/", {"as_of": before.isoformat()}).json()
    assert [m["asset"] for m in group_then["members"]] == [str(asset.pk)]
    assert viewer.get(f"/api/v1/groups/{group.pk}/").json()["members"] == []
    # Not recorded yet at known_at: no such object; a moment that cannot be read: a 400.
    unknown = viewer.get(
        f"/api/v1/assets/{asset.pk}/",
        {"as_of": before.isoformat(), "known_at": nothing_yet.isoformat()},
    )
    assert unknown.status_code == 404
    refused = viewer.get(f"/api/v1/assets/{asset.pk}/", {"as_of": "tomorrowish"})
    assert refused.status_code == 400
    assert "as_of" in refused.json()["error"]["fields"]
    with acting_as("user:steward", source="test"):
        asset_soft_delete(asset=asset)
    assert viewer.get(f"/api/v1/assets/{asset.pk}/").status_code == 404
    assert (
        viewer.get(f"/api/v1/assets/{asset.pk}/", {"as_of": before.isoformat()}).status_code == 200
    )
    assert (
        viewer.get(f"/api/v1/assets/{asset.pk}/", {"as_of": timezone.now().isoformat()}).status_code
        == 404
    )


# Every resource with a detail, by the field of its list items that is its id.
RESOURCES = {
    "assets": "asset_id",
    "deployments": "deployment_id",
    "identifiers": "id",
    "relationships": "relationship_id",
    "groups": "group_id",
    "chains": "chain_id",
    "venues": "venue_id",
    "venue-assets": "id",
    "quality-flags": "flag_id",
    "venue-symbols": "id",
    "instruments": "instrument_id",
    "markets": "id",
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("resource", RESOURCES)
def test_every_object_as_of_now_is_the_object_now(viewer, demo, resource):
    """Every resource's detail takes as_of, and about the present answers what the plain
    detail answers, field for field (the history holds every field the API shows)."""
    listed = viewer.get(f"/api/v1/{resource}/").json()["results"]
    assert listed, resource
    detail = f"/api/v1/{resource}/{listed[0][RESOURCES[resource]]}/"
    now = viewer.get(detail)
    assert now.status_code == 200, now.content
    then = viewer.get(detail, {"as_of": timezone.now().isoformat()})
    assert then.status_code == 200, then.content
    assert then.json() == now.json()
    assert then["ETag"] == now["ETag"]


@pytest.mark.django_db
def test_point_in_time_items_past_the_batch_budget_answer_retry(viewer, repointed, settings):
    """Each moment is a query of its own: a batch of many moments stays within its time
    budget, and what it did not reach answers retry (asked again, it is answered)."""
    items = [
        {"type": "venue_symbol", "venue": "pitx", "symbol": "TKNUSDT", "as_of": f"2023-0{m}-01"}
        for m in range(1, 10)
    ]
    settings.RESOLVE_BATCH_SECONDS = 0
    results = batch(viewer, *items)
    assert {(r["found"], r["retry"]) for r in results} == {(False, True)}
    settings.RESOLVE_BATCH_SECONDS = 5
    results = batch(viewer, *items)
    assert [r["result"]["asset"]["symbol"] for r in results] == ["OLD"] * 5 + ["NEW"] * 4


@pytest.mark.django_db
def test_an_instrument_lists_the_markets_of_the_moment(viewer, repointed):
    status, then = get(viewer, "instrument", code="OLD-USDT", as_of="2023-01-01")
    assert status == 200, then
    assert [(m["venue"], m["venue_symbol"], m["status"]) for m in then["markets"]] == [
        ("pitx", "TKNUSDT", "TRADING")
    ]
    assert get(viewer, "instrument", code="OLD-USDT", as_of="2024-01-01")[1]["markets"] == []
    assert get(viewer, "instrument", code="OLD-USDT")[1]["markets"] == []
    assert get(viewer, "instrument", code="NEW-USDT", as_of="2023-01-01")[1]["markets"] == []


@pytest.mark.django_db
def test_a_symbol_names_the_assets_live_then(viewer, repointed):
    old, _ = repointed
    with acting_as("user:steward", source="test"):
        asset_soft_delete(asset=old)
    assert get(viewer, "symbol", symbol="OLD")[0] == 404
    status, answer = get(viewer, "symbol", symbol="old", as_of="2000-01-01")
    assert status == 200
    assert [a["asset_id"] for a in answer["assets"]] == [str(old.pk)]
    assert answer["count"] == 1


@pytest.mark.django_db(transaction=True)
def test_variants_and_groups_as_of_a_moment(viewer):
    """WETH wrapped ETH until 2023 (its relationship closed then), stETH staked it from
    2021; the group held WETH until a member was removed. Each moment answers its own."""
    with acting_as("user:steward", source="test"):
        eth, weth, steth = (AssetFactory(symbol=s) for s in ("ETH", "WETH", "stETH"))
        relationship_create(
            parent_asset=eth,
            child_asset=weth,
            relationship_type="WRAPS",
            conversion_rate=1,
            valid_from=datetime(2018, 1, 1, tzinfo=UTC),
            valid_to=datetime(2023, 1, 1, tzinfo=UTC),
        )
        relationship_create(
            parent_asset=eth,
            child_asset=steth,
            relationship_type="STAKES",
            valid_from=datetime(2021, 1, 1, tzinfo=UTC),
        )
        group = AssetGroupFactory(canonical_symbol="ETHX")
        group_member_add(group=group, asset=eth)
        group_member_add(group=group, asset=weth)
    with_weth = recorded_now()
    with acting_as("user:steward", source="test"):
        group_member_remove(group=group, asset=weth)

    def variants(**moment):
        status, answer = get(viewer, "aggregate", asset=str(eth.pk), **moment)
        assert status == 200, answer
        return sorted(v["asset"]["symbol"] for v in answer["variants"])

    assert variants(as_of="2019-06-01") == ["WETH"]
    assert variants(as_of="2022-06-01") == ["WETH", "stETH"]
    assert variants() == ["stETH"]
    assert variants(as_of="2022-06-01", known_at=with_weth.isoformat()) == ["WETH", "stETH"]

    def members(**moment):
        status, answer = get(viewer, "aggregate", group="ETHX", **moment)
        assert status == 200, answer
        return [m["symbol"] for m in answer["members"]]

    assert members() == ["ETH"]
    assert members(as_of=with_weth.isoformat()) == ["ETH", "WETH"]


@pytest.mark.django_db(transaction=True)
def test_a_rebrand_answers_the_name_of_each_period(viewer):
    """Terra's LUNA became LUNC on 2022-05-28 (recorded years later); a new LUNA forked
    from it that day. The symbol LUNA in 2021 is Terra's alone (the fork did not exist
    yet); today it is the new one's, and both were LUNA that very day's first instant."""
    fork = datetime(2022, 5, 28, tzinfo=UTC)
    with acting_as("user:steward", source="test"):
        terra = AssetDeploymentFactory(asset=AssetFactory(symbol="LUNA", name="Terra")).asset
        asset_update(
            asset=terra, changes={"symbol": "LUNC", "name": "Terra Classic"}, renamed_at=fork
        )
        new_luna = AssetFactory(symbol="LUNA", name="Terra 2.0")
        relationship_create(
            parent_asset=terra,
            child_asset=new_luna,
            relationship_type="FORKS_FROM",
            valid_from=fork,
        )

    def symbol(**moment):
        status, answer = get(viewer, "symbol", symbol="LUNA", **moment)
        return sorted(a["name"] for a in answer["assets"]) if status == 200 else status

    assert symbol(as_of="2021-01-01") == ["Terra"]
    assert symbol(as_of="2022-05-27T23:59:59Z") == ["Terra"]
    assert symbol(as_of="2022-05-28") == ["Terra 2.0"]  # Terra is LUNC from that instant
    assert symbol() == ["Terra 2.0"]
    assert get(viewer, "pretrade", asset=str(new_luna.pk), as_of="2021-01-01")[0] == 404
    assert get(viewer, "symbol", symbol="LUNC", as_of="2021-01-01")[0] == 404
    assert [a["name"] for a in get(viewer, "symbol", symbol="LUNC")[1]["assets"]] == [
        "Terra Classic"
    ]
    status, answer = get(viewer, "pretrade", asset=str(terra.pk), as_of="2021-01-01")
    assert (status, answer["asset"]["symbol"]) == (200, "LUNA")
    assert get(viewer, "pretrade", asset=str(terra.pk))[1]["asset"]["symbol"] == "LUNC"


@pytest.mark.django_db
def test_the_relationship_list_as_of_a_moment(viewer):
    with acting_as("user:steward", source="test"):
        eth, weth = AssetFactory(symbol="ETH"), AssetFactory(symbol="WETH")
        relationship = relationship_create(
            parent_asset=eth,
            child_asset=weth,
            relationship_type="WRAPS",
            valid_from=datetime(2018, 1, 1, tzinfo=UTC),
            valid_to=datetime(2023, 1, 1, tzinfo=UTC),
        )

    def listed(as_of):
        response = viewer.get("/api/v1/relationships/", {"parent": str(eth.pk), "as_of": as_of})
        assert response.status_code == 200, response.content
        return [r["relationship_id"] for r in response.json()["results"]]

    assert listed("2020-01-01") == [str(relationship.pk)]
    assert listed("2023-01-01") == []  # its period ends there
    assert listed("2017-12-31T23:59:59Z") == []
    refused = viewer.get("/api/v1/relationships/", {"as_of": "2020-01-01T00:00"})
    assert refused.status_code == 400
    assert "as_of" in refused.json()["error"]["fields"]


@pytest.mark.django_db
def test_a_collision_set_of_then_counts_the_names_of_then(viewer):
    """Terra's LUNA (LUNC since 2022-05-28) and the new LUNA forked that day: at 2021
    the LUNA collision set is Terra's alone, the asset itself included, on every path
    that shows one (the asset's detail, the deployment lookup, the symbol lookup)."""
    fork = datetime(2022, 5, 28, tzinfo=UTC)
    with acting_as("user:steward", source="test"):
        deployment = AssetDeploymentFactory(asset=AssetFactory(symbol="LUNA", name="Terra"))
        terra = deployment.asset
        asset_update(asset=terra, changes={"symbol": "LUNC"}, renamed_at=fork)
        new_luna = AssetFactory(symbol="LUNA", name="Terra 2.0")
        relationship_create(
            parent_asset=terra,
            child_asset=new_luna,
            relationship_type="FORKS_FROM",
            valid_from=fork,
        )
    then = {"as_of": "2021-01-01"}
    detail = viewer.get(f"/api/v1/assets/{terra.pk}/", then).json()
    assert detail["symbol"] == "LUNA"
    assert [a["asset_id"] for a in detail["symbol_collisions"]["assets"]] == [str(terra.pk)]
    assert detail["symbol_collisions"]["count"] == 1
    _, answer = get(
        viewer, "deployment", chain=deployment.chain_id, address=deployment.address, **then
    )
    assert answer["asset"]["symbol"] == "LUNA"
    assert answer["symbol_collisions"]["count"] == 1
    _, answer = get(viewer, "symbol", symbol="LUNA", **then)
    assert (answer["count"], [a["asset_id"] for a in answer["assets"]]) == (1, [str(terra.pk)])
    now = viewer.get(f"/api/v1/assets/{terra.pk}/").json()
    assert (now["symbol"], now["symbol_collisions"]["count"]) == ("LUNC", 1)


@pytest.mark.django_db(transaction=True)
def test_what_hangs_off_a_deleted_asset_is_not_there_after_its_deletion(viewer):
    """A deployment of an asset deleted since: its detail as of a moment before the
    deletion answers, as of now it is a 404, as the plain detail is."""
    with acting_as("user:steward", source="test"):
        deployment = AssetDeploymentFactory()
    alive = recorded_now()
    with acting_as("user:steward", source="test"):
        asset_soft_delete(asset=deployment.asset)
    url = f"/api/v1/deployments/{deployment.pk}/"
    assert viewer.get(url).status_code == 404
    assert viewer.get(url, {"as_of": timezone.now().isoformat()}).status_code == 404
    assert viewer.get(url, {"as_of": alive.isoformat()}).status_code == 200

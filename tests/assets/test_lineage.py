"""Lineage: migrations, forks and redenominations as relationships with an effective
period (and a chain scope), rebrands as former names, and GET /assets/{id}/lineage/
answering them as of a time (docs/DESIGN.md, "Lineage").

The demo data models the real events: MATIC -> POL 1:1 on Ethereum from 2023-10-25 and
on Polygon PoS from 2024-09-04; Terra's LUNA renamed LUNC on 2022-05-28, when the new
LUNA forked from it; MKR redenominated into SKY 1:24,000 from 2024-09-18.
"""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assets import services
from assets.choices import IdentifierSource, RelationshipType
from assets.events import relationship_message
from assets.models import Asset, AssetName, AssetRelationship
from assets.names import names_at
from chains.choices import ChainType
from chains.services import chain_create
from registry.pb.cqc.assets.v1 import assets_pb2
from registry.timeline import Moment
from tests.api.conftest import assert_error
from tests.factories import AssetFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def demo_asset(coingecko_id: str) -> Asset:
    return Asset.objects.with_identifier(IdentifierSource.COINGECKO, coingecko_id).get()


def lineage(client, asset, **params) -> dict:
    response = client.get(f"/api/v1/assets/{asset.pk}/lineage/", params)
    assert response.status_code == 200, response.content
    return response.json()


def links(entries) -> list[tuple]:
    """(symbol, type, chain, valid_from date, cumulative ratio) of each entry."""
    return [
        (
            entry["asset"]["symbol"],
            entry["relationship_type"],
            entry["chain"],
            entry["valid_from"][:10] if entry["valid_from"] else None,
            entry["cumulative_ratio"],
        )
        for entry in entries
    ]


# --- MATIC -> POL -------------------------------------------------------------------------


def test_matic_migrates_to_pol_on_ethereum_from_2023_10_25_and_on_polygon_from_2024_09_04(
    demo, viewer
):
    matic, pol = demo_asset("matic-network"), demo_asset("polygon-ecosystem-token")

    before = lineage(viewer, matic, as_of="2023-10-24T23:59:59Z")
    on_ethereum = lineage(viewer, matic, as_of="2023-10-25")
    on_both = lineage(viewer, matic, as_of="2024-09-04T00:00:00Z")
    current = lineage(viewer, matic)

    assert before["successors"] == [] and before["as_of"] == "2023-10-24T23:59:59Z"
    assert links(on_ethereum["successors"]) == [
        ("POL", "MIGRATES_TO", "ethereum", "2023-10-25", "1")
    ]
    assert links(on_both["successors"]) == [
        ("POL", "MIGRATES_TO", "ethereum", "2023-10-25", "1"),
        ("POL", "MIGRATES_TO", "polygon", "2024-09-04", "1"),
    ]
    assert links(current["successors"]) == links(on_both["successors"])
    assert current["as_of"] is None and current["predecessors"] == []
    (first, _) = current["successors"]
    assert (first["conversion_rate"], first["valid_to"], first["depth"]) == ("1", None, 1)
    assert first["via"] == str(matic.pk)
    # And from POL's side: MATIC is its predecessor, per chain, from the same dates.
    assert links(lineage(viewer, pol, as_of="2024-01-01")["predecessors"]) == [
        ("MATIC", "MIGRATES_TO", "ethereum", "2023-10-25", "1")
    ]
    assert lineage(viewer, pol, as_of="2023-01-01")["predecessors"] == []


def test_a_relationship_per_chain_is_one_per_scope_and_every_chain_is_one_scope_too(demo):
    matic, pol = demo_asset("matic-network"), demo_asset("polygon-ecosystem-token")
    AssetRelationship.objects.create(
        parent_asset=matic, child_asset=pol, relationship_type=RelationshipType.MIGRATES_TO
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        AssetRelationship.objects.create(
            parent_asset=matic, child_asset=pol, relationship_type=RelationshipType.MIGRATES_TO
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        AssetRelationship.objects.create(
            parent_asset=matic,
            child_asset=pol,
            relationship_type=RelationshipType.MIGRATES_TO,
            chain_id="ethereum",
        )


# --- LUNA -> LUNC, and the new LUNA -------------------------------------------------------


def test_terra_luna_is_luna_before_2022_05_28_and_lunc_after_with_the_new_luna_its_successor(
    demo, viewer
):
    classic, luna2 = demo_asset("terra-luna"), demo_asset("terra-luna-2")

    before = lineage(viewer, classic, as_of="2022-05-27")
    after = lineage(viewer, classic, as_of="2022-06-01")
    current = lineage(viewer, classic)

    assert (before["asset"]["symbol"], before["asset"]["name"]) == ("LUNA", "Terra")
    assert before["successors"] == []
    assert before["former_names"] == [
        {"symbol": "LUNA", "name": "Terra", "valid_from": None, "valid_to": "2022-05-28T00:00:00Z"}
    ]
    assert (after["asset"]["symbol"], after["asset"]["name"]) == ("LUNC", "Terra Luna Classic")
    assert links(after["successors"]) == [("LUNA", "FORKS_FROM", None, "2022-05-28", None)]
    assert current["asset"]["symbol"] == "LUNC"
    assert [name["symbol"] for name in current["former_names"]] == ["LUNA"]
    assert current["successors"][0]["asset"]["asset_id"] == str(luna2.pk)

    # The new LUNA is another asset: it came from LUNC, which was still LUNA the day before.
    assert links(lineage(viewer, luna2)["predecessors"]) == [
        ("LUNC", "FORKS_FROM", None, "2022-05-28", None)
    ]
    assert lineage(viewer, luna2, as_of="2022-05-27")["predecessors"] == []
    assert lineage(viewer, luna2)["former_names"] == []


def test_names_at_gives_each_assets_name_at_a_moment_in_two_queries(
    demo, django_assert_num_queries
):
    classic, luna2 = demo_asset("terra-luna"), demo_asset("terra-luna-2")
    ids = [classic.pk, luna2.pk]
    with django_assert_num_queries(2):
        then = names_at(ids, Moment(as_of=dt.datetime(2022, 5, 1, tzinfo=UTC)))
    assert then == {classic.pk: ("LUNA", "Terra"), luna2.pk: (luna2.symbol, luna2.name)}
    now = names_at(ids, Moment(as_of=dt.datetime(2022, 5, 28, tzinfo=UTC)))
    assert now[classic.pk] == (classic.symbol, classic.name) == ("LUNC", classic.name)


# --- redenominations and cumulative ratios ------------------------------------------------


def test_mkr_redenominated_into_sky_at_24000_from_2024_09_18(demo, viewer):
    mkr, sky = demo_asset("maker"), demo_asset("sky")
    assert links(lineage(viewer, mkr)["successors"]) == [
        ("SKY", "REDENOMINATES", None, "2024-09-18", "24000")
    ]
    assert links(lineage(viewer, sky, as_of="2025-01-01")["predecessors"]) == [
        ("MKR", "REDENOMINATES", None, "2024-09-18", "24000")
    ]
    assert lineage(viewer, sky, as_of="2024-09-17")["predecessors"] == []


def test_the_cumulative_ratio_multiplies_along_the_path_both_ways(viewer):
    old, mid, new = (
        AssetFactory(symbol="OLD"),
        AssetFactory(symbol="MID"),
        AssetFactory(symbol="NEW"),
    )
    services.relationship_create(
        parent_asset=old,
        child_asset=mid,
        relationship_type=RelationshipType.REDENOMINATES,
        conversion_rate=Decimal(1000),
    )
    services.relationship_create(
        parent_asset=mid,
        child_asset=new,
        relationship_type=RelationshipType.MIGRATES_TO,
        conversion_rate=Decimal("0.5"),
    )
    successors = lineage(viewer, old)["successors"]
    assert [(e["asset"]["symbol"], e["depth"], e["cumulative_ratio"]) for e in successors] == [
        ("MID", 1, "1000"),
        ("NEW", 2, "500"),
    ]
    assert successors[1]["via"] == str(mid.pk)
    predecessors = lineage(viewer, new)["predecessors"]
    assert [(e["asset"]["symbol"], e["depth"], e["cumulative_ratio"]) for e in predecessors] == [
        ("MID", 1, "0.5"),
        ("OLD", 2, "500"),
    ]


def test_a_redenomination_is_sent_as_unspecified_with_its_type_period_and_chain_in_metadata(
    demo,
):
    relationship = AssetRelationship.objects.get(relationship_type=RelationshipType.REDENOMINATES)
    message = relationship_message(relationship)
    assert message.relationship_type == assets_pb2.RELATIONSHIP_TYPE_UNSPECIFIED
    assert message.metadata["cqar_relationship_type"] == "REDENOMINATES"
    assert message.metadata["cqar_valid_from"] == "2024-09-18T00:00:00+00:00"
    assert "cqar_valid_to" not in message.metadata and "cqar_chain" not in message.metadata
    migration = AssetRelationship.objects.get(
        relationship_type=RelationshipType.MIGRATES_TO, chain_id="polygon"
    )
    message = relationship_message(migration)
    assert message.relationship_type == assets_pb2.RELATIONSHIP_TYPE_MIGRATES_TO
    assert message.metadata["cqar_chain"] == "polygon"


# --- origin of a variant ------------------------------------------------------------------


def test_the_origin_of_wsteth_is_steth_then_eth_with_each_rate_and_no_product_as_one_floats(
    demo, viewer
):
    origin = lineage(viewer, demo_asset("wrapped-steth"))["origin"]
    assert [
        (s["asset"]["symbol"], s["relationship_type"], s["conversion_rate"])
        for s in origin["steps"]
    ] == [
        ("stETH", "WRAPS", None),
        ("ETH", "STAKES", "1"),
    ]
    assert origin["root"]["symbol"] == "ETH" and origin["conversion_rate"] is None
    steth = lineage(viewer, demo_asset("staked-ether"))["origin"]
    assert (steth["root"]["symbol"], steth["conversion_rate"]) == ("ETH", "1")
    assert lineage(viewer, demo_asset("ethereum"))["origin"] is None


def test_the_origin_multiplies_fixed_rates(viewer):
    base, first, second = AssetFactory(), AssetFactory(), AssetFactory()
    services.relationship_create(
        parent_asset=base, child_asset=first, relationship_type="WRAPS", conversion_rate=Decimal(2)
    )
    services.relationship_create(
        parent_asset=first,
        child_asset=second,
        relationship_type="STAKES",
        conversion_rate=Decimal(3),
    )
    origin = lineage(viewer, second)["origin"]
    assert (origin["root"]["asset_id"], origin["conversion_rate"]) == (str(base.pk), "6")


# --- closing a relationship ---------------------------------------------------------------


def test_closing_a_variant_relationship_removes_it_from_the_current_answers_not_the_past(
    demo, viewer, django_capture_on_commit_callbacks
):
    eth, weth = demo_asset("ethereum"), demo_asset("weth")
    relationship = AssetRelationship.objects.get(parent_asset=eth, child_asset=weth)
    resolve = lambda: viewer.get("/api/v1/resolve/aggregate/", {"asset": str(eth.pk)}).json()  # noqa: E731
    assert "WETH" in {v["asset"]["symbol"] for v in resolve()["variants"]}  # cached now
    closed_at = timezone.now() - dt.timedelta(days=1)

    with django_capture_on_commit_callbacks(execute=True):
        services.relationship_update(relationship=relationship, changes={"valid_to": closed_at})

    relationship.refresh_from_db()
    assert relationship.valid_to == closed_at  # closed, not deleted
    assert "WETH" not in {v["asset"]["symbol"] for v in resolve()["variants"]}
    variants = viewer.get(f"/api/v1/assets/{eth.pk}/variants/").json()
    assert "WETH" not in {v["asset"]["symbol"] for v in variants}
    weth_then = lineage(viewer, weth, as_of=(closed_at - dt.timedelta(days=1)).isoformat())
    assert weth_then["origin"]["root"]["symbol"] == "ETH"
    assert lineage(viewer, weth)["origin"] is None


def test_a_period_that_ends_before_it_starts_is_refused_naming_valid_to(steward):
    parent, child = AssetFactory(), AssetFactory()
    response = steward.post(
        "/api/v1/relationships/",
        {
            "parent_asset": str(parent.pk),
            "child_asset": str(child.pk),
            "relationship_type": "MIGRATES_TO",
            "valid_from": "2024-01-02T00:00:00Z",
            "valid_to": "2024-01-01T00:00:00Z",
        },
        format="json",
    )
    assert_error(response, 400, field="valid_to")
    assert not AssetRelationship.objects.exists()


def test_a_relationship_is_created_per_chain_over_the_api(steward):
    ethereum = chain_create(
        chain_id="ethereum", name="Ethereum", chain_type=ChainType.EVM, network_id=1
    )
    parent, child = AssetFactory(), AssetFactory()
    body = {
        "parent_asset": str(parent.pk),
        "child_asset": str(child.pk),
        "relationship_type": "MIGRATES_TO",
        "conversion_rate": "1",
        "chain": "ethereum",
        "valid_from": "2023-10-25T00:00:00Z",
    }
    response = steward.post("/api/v1/relationships/", body, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["chain"], response.json()["valid_from"]) == (
        "ethereum",
        "2023-10-25T00:00:00Z",
    )
    assert AssetRelationship.objects.get().chain == ethereum
    unknown = steward.post("/api/v1/relationships/", {**body, "chain": "nowhere"}, format="json")
    assert_error(unknown, 400, field="chain")


# --- the time parameters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"as_of": "yesterday"}, "as_of"),
        ({"as_of": "2024-01-01T00:00:00"}, "as_of"),  # no zone
        ({"known_at": "2999-01-01"}, "known_at"),
        ({"when": "2024-01-01"}, "when"),
    ],
)
def test_a_bad_or_unknown_time_parameter_is_a_400_naming_it(viewer, params, field):
    asset = AssetFactory()
    response = viewer.get(f"/api/v1/assets/{asset.pk}/lineage/", params)
    assert_error(response, 400, field=field)


def test_known_at_answers_as_the_registry_recorded_it_then(viewer):
    old, new = AssetFactory(symbol="OLDT"), AssetFactory(symbol="NEWT")
    before_link = timezone.now()
    services.relationship_create(
        parent_asset=old, child_asset=new, relationship_type=RelationshipType.MIGRATES_TO
    )
    after_link = timezone.now()
    services.asset_update(asset=old, changes={"symbol": "OLDX"})

    assert lineage(viewer, old, known_at=before_link.isoformat())["successors"] == []
    recorded = lineage(viewer, old, known_at=after_link.isoformat())
    assert [e["asset"]["symbol"] for e in recorded["successors"]] == ["NEWT"]
    assert (recorded["asset"]["symbol"], recorded["former_names"]) == ("OLDT", [])
    assert lineage(viewer, old)["asset"]["symbol"] == "OLDX"


# --- renames never rewrite the past -------------------------------------------------------


def test_a_rename_through_the_api_closes_the_old_name_at_renamed_at(steward):
    asset = AssetFactory(symbol="LUNA", name="Terra")
    response = steward.patch(
        f"/api/v1/assets/{asset.pk}/",
        {"symbol": "LUNC", "name": "Terra Luna Classic", "renamed_at": "2022-05-28T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert "renamed_at" not in response.json()
    (former,) = AssetName.objects.filter(asset=asset)
    assert (former.symbol, former.name, former.valid_from, former.valid_to) == (
        "LUNA",
        "Terra",
        None,
        dt.datetime(2022, 5, 28, tzinfo=UTC),
    )
    # A second rename, now: the former name's period starts where the last one ended.
    response = steward.patch(f"/api/v1/assets/{asset.pk}/", {"symbol": "LUNC2"}, format="json")
    assert response.status_code == 200, response.content
    second = AssetName.objects.filter(asset=asset).order_by("valid_to").last()
    assert (second.symbol, second.valid_from) == ("LUNC", dt.datetime(2022, 5, 28, tzinfo=UTC))
    assert AssetName.objects.filter(asset=asset).count() == 2


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"symbol": "NEW", "renamed_at": "2999-01-01T00:00:00Z"}, "future"),
        ({"description": "x", "renamed_at": "2022-01-01T00:00:00Z"}, "without a rename"),
        ({"symbol": "NEW", "renamed_at": "2020-01-01T00:00:00Z"}, "last rename"),
        ({"symbol": "NEW", "renamed_at": "not a time"}, "format"),
    ],
)
def test_a_bad_renamed_at_is_a_400_naming_it_and_nothing_is_written(steward, body, reason):
    asset = AssetFactory(symbol="OLD")
    services.asset_update(
        asset=asset, changes={"symbol": "MID"}, renamed_at=dt.datetime(2021, 1, 1, tzinfo=UTC)
    )
    response = steward.patch(f"/api/v1/assets/{asset.pk}/", body, format="json")
    error = assert_error(response, 400, field="renamed_at")
    if reason != "format":
        assert reason in " ".join(error["fields"]["renamed_at"])
    asset.refresh_from_db()
    assert (asset.symbol, asset.description) == ("MID", "")
    assert AssetName.objects.filter(asset=asset).count() == 1


def test_a_rename_through_the_admin_records_a_former_name(admin_client):
    asset = AssetFactory(symbol="LUNA", name="Terra")
    url = reverse("admin:assets_asset_change", args=[asset.pk])
    form = admin_client.get(url).context["adminform"].form
    values = {key: value for key, value in form.initial.items() if value is not None}
    inlines = {
        f"{prefix}-{suffix}": value
        for prefix in ("deployments", "identifiers")
        for suffix, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
    }
    post = {
        **values,
        **inlines,
        "metadata": "{}",
        "symbol": "LUNC",
        "renamed_at": "2022-05-28 00:00:00",
    }
    response = admin_client.post(url, post)
    assert response.status_code == 302, response.context["adminform"].form.errors
    asset.refresh_from_db()
    assert asset.symbol == "LUNC"
    (former,) = AssetName.objects.filter(asset=asset)
    assert (former.symbol, former.valid_to) == ("LUNA", dt.datetime(2022, 5, 28, tzinfo=UTC))
    page = admin_client.get(url).content.decode()
    assert "Former names" in page and "LUNA" in page

    # A renamed_at not after the last rename is a form error; nothing is written.
    again = {**post, "symbol": "LUNC3", "renamed_at": "2022-01-01 00:00:00", "loaded_version": ""}
    response = admin_client.post(url, again)
    assert response.status_code == 200
    assert "renamed_at" in response.context["adminform"].form.errors
    asset.refresh_from_db()
    assert asset.symbol == "LUNC" and AssetName.objects.filter(asset=asset).count() == 1


def test_a_rename_through_the_tokenlist_importer_records_a_former_name(tmp_path):
    chain_create(chain_id="ethereum", name="Ethereum", chain_type=ChainType.EVM, network_id=1)
    data = json.loads((FIXTURES / "uniswap-1000.tokenlist.json").read_text())
    data["tokens"] = [token for token in data["tokens"] if token["chainId"] == 1][:1]
    path = tmp_path / "list.json"
    path.write_text(json.dumps(data))
    call_command("import_tokenlist", str(path), "--json", "--no-progress", stdout=StringIO())
    (asset,) = Asset.objects.all()
    symbol, name = asset.symbol, asset.name
    data["tokens"][0]["name"] = name + " Renamed"
    data["version"]["minor"] += 1
    path.write_text(json.dumps(data))
    before = timezone.now()

    call_command("import_tokenlist", str(path), "--json", "--no-progress", stdout=StringIO())

    asset.refresh_from_db()
    assert asset.name == name + " Renamed"
    (former,) = AssetName.objects.filter(asset=asset)
    assert (former.symbol, former.name, former.valid_from) == (symbol, name, None)
    assert former.valid_to >= before


def test_the_migration_backfills_former_names_from_the_history():
    """The backfill's SQL, run again over the history: each change of symbol or name
    becomes the former name it closed, at the change's time."""
    from importlib import import_module

    backfill = import_module("assets.migrations.0013_lineage").BACKFILL_FORMER_NAMES
    asset = AssetFactory(symbol="A1", name="First")
    Asset.objects.filter(pk=asset.pk).update(symbol="A2")  # a path that skips the services
    Asset.objects.filter(pk=asset.pk).update(description="not a rename")
    Asset.objects.filter(pk=asset.pk).update(name="Second")
    assert not AssetName.objects.filter(asset=asset).exists()

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(backfill)

    names = list(AssetName.objects.filter(asset=asset).order_by("valid_to"))
    assert [(n.symbol, n.name) for n in names] == [("A1", "First"), ("A2", "First")]
    assert names[0].valid_from is None

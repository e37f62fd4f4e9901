"""What the apps above contribute to the assets app's answers and lists, through the hooks
assets offers (so the layering registry < chains < assets < venues | quality holds at run
time): quality's flag fields of the asset summary and its flag filters, venues' ticker
filter. Each is shown in place, and gone when its contribution is taken away."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assets import lookups
from assets.api import serializers as asset_serializers
from assets.filtersets import AssetFilterSet
from assets.models import Asset
from quality.api.serializers import SUMMARY_FLAG_FIELDS, ActiveFlagSerializer
from quality.choices import FlagType
from quality.models import AssetQualityFlag
from registry import cache
from registry.api.params import documented_query_parameters
from tests.api.conftest import assert_error
from tests.factories import AssetFactory, AssetQualityFlagFactory, VenueSymbolFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/assets/"
SEARCH = f"{URL}search/"
ASSET_FIELDS = ["asset_id", "symbol", "name", "asset_type"]
FLAG_FIELDS = ["highest_active_severity", "active_flags"]


@pytest.fixture
def _fresh_documented_parameters():
    """The accepted query parameters are cached per view; a test that changes the
    filters computes them anew, and leaves none of its own behind."""
    documented_query_parameters.cache_clear()
    yield
    documented_query_parameters.cache_clear()


@pytest.fixture
def without(monkeypatch, _fresh_documented_parameters):
    """Take out everything an app contributes to assets, as if it were not installed."""

    def take_out(app: str) -> None:
        monkeypatch.setattr(
            lookups,
            "SUMMARY_EXTENSIONS",
            [e for e in lookups.SUMMARY_EXTENSIONS if not e.complete.__module__.startswith(app)],
        )
        if app == "quality":
            monkeypatch.setattr(asset_serializers, "SUMMARY_EXTENSION_FIELDS", {})
        monkeypatch.setattr(
            AssetFilterSet,
            "base_filters",
            {
                name: filter_
                for name, filter_ in AssetFilterSet.base_filters.items()
                if not getattr(filter_.method, "__module__", "").startswith(app)
            },
        )

    return take_out


def flagged_asset(*severities: int):
    """An asset with an active flag of each severity (each of its own type: one active
    flag per asset, type and source)."""
    asset = AssetFactory()
    for severity, flag_type in zip(severities, FlagType, strict=False):
        AssetQualityFlagFactory(asset=asset, severity=severity, flag_type=flag_type)
    return asset


# --- the asset summary of the hot answers --------------------------------------------------


def test_the_asset_summary_shows_the_active_flags_quality_contributes():
    asset = flagged_asset(2, 4)
    now = timezone.now()
    AssetQualityFlagFactory(
        asset=asset,
        severity=5,
        flag_type=FlagType.HONEYPOT,
        raised_at=now - timedelta(days=1),
        resolved_at=now,
    )
    summary = lookups.asset_summaries([asset.asset_id])[asset.asset_id]
    assert list(summary) == [*ASSET_FIELDS, *FLAG_FIELDS]
    assert summary["highest_active_severity"] == 4
    assert [flag["severity"] for flag in summary["active_flags"]] == [4, 2]
    assert [e.complete.__module__ for e in lookups.SUMMARY_EXTENSIONS] == ["quality.lookups"]


def test_without_quality_the_asset_summary_has_no_flag_fields_and_reads_no_flag(without):
    asset = flagged_asset(5)
    without("quality")
    with CaptureQueriesContext(connection) as queries:
        summary = lookups.asset_summaries([asset.asset_id])[asset.asset_id]
    assert list(summary) == ASSET_FIELDS
    assert len(queries) == 1
    assert AssetQualityFlag._meta.db_table not in queries[0]["sql"]


def test_the_summaries_of_many_assets_are_one_query_with_their_flags():
    assets = [flagged_asset(severity) for severity in (1, 3, 5)] + [AssetFactory()]
    with CaptureQueriesContext(connection) as queries:
        summaries = lookups.asset_summaries(asset.asset_id for asset in assets)
    assert len(queries) == 1
    assert [summaries[a.asset_id]["highest_active_severity"] for a in assets] == [1, 3, 5, 0]


# Queries of a cold load of each hot lookup, as before the summary took contributions:
# the summary's flags stay inside its one query.
LOOKUP_QUERIES = {
    "asset": 1,
    "flags": 1,
    "deployment": 3,
    "symbol": 2,
    "venue_symbol": 3,
    "group": 5,
    "variants": 3,
}


@pytest.mark.parametrize("lookup_type", sorted(LOOKUP_QUERIES))
def test_a_cold_hot_lookup_costs_the_queries_it_did(lookup_type, demo, django_assert_num_queries):
    params = {
        "asset": lambda: {"asset": str(flagged_usdc())},
        "flags": lambda: {"asset": str(flagged_usdc())},
        "deployment": lambda: {
            "chain": "ethereum",
            "address": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
        },
        "symbol": lambda: {"symbol": "USDC"},
        "venue_symbol": lambda: {"venue": "binance", "symbol": "ETHUSDT"},
        "group": lambda: {"group": "ETH"},
        "variants": lambda: {"asset": str(Asset.objects.get(symbol="ETH").pk)},
    }[lookup_type]()
    lookup = cache.lookup(lookup_type)
    requests = [lookup.parse(params)]
    with django_assert_num_queries(LOOKUP_QUERIES[lookup_type]):
        [(found, _)] = lookup.load(requests)
    assert found


def flagged_usdc():
    return AssetQualityFlag.objects.values_list("asset_id", flat=True).first()


# --- the summary serializers (the OpenAPI document) -----------------------------------------


def test_the_summary_serializers_take_their_flag_fields_from_quality():
    assert asset_serializers.SUMMARY_EXTENSION_FIELDS == SUMMARY_FLAG_FIELDS
    summary = asset_serializers.AssetSummaryWithFlagsSerializer()
    assert list(summary.fields) == [*ASSET_FIELDS, *FLAG_FIELDS]
    assert isinstance(summary.fields["active_flags"].child, ActiveFlagSerializer)
    symbol_asset = asset_serializers.SymbolAnswerAssetSerializer()
    assert list(symbol_asset.fields) == [*ASSET_FIELDS, *FLAG_FIELDS, "chains"]
    member = asset_serializers.GroupMemberAnswerSerializer()
    assert list(member.fields) == [*ASSET_FIELDS, *FLAG_FIELDS, "is_canonical", "weight"]


def test_the_summary_serializer_lists_the_fields_the_summary_has_in_its_order():
    asset = flagged_asset(3)
    summary = lookups.asset_summaries([asset.asset_id])[asset.asset_id]
    assert list(asset_serializers.AssetSummaryWithFlagsSerializer().fields) == list(summary)


def test_without_quality_the_summary_serializers_have_no_flag_fields(without):
    without("quality")
    summary = asset_serializers.AssetSummaryWithFlagsSerializer()
    assert list(summary.fields) == ASSET_FIELDS
    symbol_asset = asset_serializers.SymbolAnswerAssetSerializer()
    assert list(symbol_asset.fields) == [*ASSET_FIELDS, "chains"]


# --- the asset list's filters ------------------------------------------------------------


def test_the_asset_filters_markets_and_quality_contribute_sit_before_updated_after():
    filters = AssetFilterSet.base_filters
    assert list(filters) == [
        "symbol",
        "asset_type",
        "category",
        "chain",
        "min_flag_severity",
        "max_flag_severity",
        "venue",
        "updated_after",
    ]
    assert filters["venue"].method.__module__ == "markets.filtersets"
    assert filters["min_flag_severity"].method.__module__ == "quality.filtersets"
    assert filters["max_flag_severity"].method.__module__ == "quality.filtersets"


@pytest.mark.usefixtures("_fresh_documented_parameters")
def test_the_contributed_filters_filter_the_list_and_the_search(viewer):
    flagged = flagged_asset(5)
    listed = VenueSymbolFactory().asset
    assert [r["asset_id"] for r in viewer.get(URL, {"min_flag_severity": 5}).json()["results"]] == [
        str(flagged.asset_id)
    ]
    venue = listed.underlying_instruments.get().markets.get().venue_id
    assert [r["asset_id"] for r in viewer.get(URL, {"venue": venue}).json()["results"]] == [
        str(listed.asset_id)
    ]
    search = viewer.get(SEARCH, {"q": flagged.symbol, "max_flag_severity": 4})
    assert search.status_code == 200, search.content


@pytest.mark.parametrize(
    ("app", "gone", "kept"),
    [
        ("quality", ["min_flag_severity", "max_flag_severity"], ["venue"]),
        ("markets", ["venue"], ["min_flag_severity", "max_flag_severity"]),
    ],
)
def test_without_an_app_its_asset_filters_are_unknown_parameters(viewer, without, app, gone, kept):
    without(app)
    for name in gone:
        assert_error(viewer.get(URL, {name: "1"}), 400, "invalid", name)
        assert_error(viewer.get(SEARCH, {"q": "x", name: "1"}), 400, "invalid", name)
    for name in kept:
        assert viewer.get(URL, {name: "1"}).status_code == 200

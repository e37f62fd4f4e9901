"""One normalization of a symbol, everywhere: the hot path's key, the REST filter, the
search, the generated ``symbol_key`` column and the group lookups pick the same assets
for any symbol (``registry.text.symbol_key``, computed identically by PostgreSQL)."""

import unicodedata

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets import services
from assets.models import Asset, AssetGroup
from registry.cache import redis_state
from registry.text import lookup_form, symbol_key

pytestmark = pytest.mark.django_db

RESOLVE = "/api/v1/resolve/"
ASSETS = "/api/v1/assets/"

# Symbols whose full Unicode case mapping differs between Python and PostgreSQL, or
# folds a letter onto an ASCII one: each pair must stay two symbols.
STORED_SYMBOLS = [
    "ßTOKEN",
    "SSTOKEN",
    "ssToken",
    "\u0131NCH",  # dotless i: PostgreSQL's C.UTF-8 upper() makes it I
    "INCH",
    "éth",
    "ÉTH",
    "ǆX",
    "ǄX",
    "ΣIGMA",
    "\u03c3IGMA",  # small sigma
    "stETH",
    "STETH",
    "\u0149TOKEN",  # Python upper(): U+02BC N
    "ﬀ",  # stored NFKC: "ff"
]


@pytest.fixture(autouse=True)
def _fresh_breaker():
    redis_state.reset()
    yield
    redis_state.reset()


@pytest.fixture
def stored_assets(db, django_capture_on_commit_callbacks) -> dict[str, str]:
    """Assets by id -> stored symbol, committed as far as the cache can tell."""
    created = {}
    with django_capture_on_commit_callbacks(execute=True):
        for index, symbol in enumerate(STORED_SYMBOLS):
            asset = services.asset_create(symbol=symbol, name=f"Token {index}", asset_type="ERC20")
            created[str(asset.asset_id)] = asset.symbol
    return created


def resolved_ids(client, symbol: str) -> set[str]:
    response = client.get(f"{RESOLVE}symbol/", {"symbol": symbol})
    if response.status_code == 404:
        return set()
    assert response.status_code == 200, response.content
    return {asset["asset_id"] for asset in orjson.loads(response.content)["assets"]}


def filtered_ids(client, symbol: str) -> set[str]:
    response = client.get(ASSETS, {"symbol": symbol, "page_size": 100})
    assert response.status_code == 200, response.content
    return {row["asset_id"] for row in response.json()["results"]}


def exact_search_ids(client, symbol: str) -> set[str]:
    response = client.get(f"{ASSETS}search/", {"q": symbol, "page_size": 100})
    assert response.status_code == 200, response.content
    return {row["asset_id"] for row in response.json()["results"] if row["search_rank"] == 0}


def test_sharp_s_resolves_to_itself_on_the_hot_path_and_in_the_list(viewer, stored_assets):
    """/resolve/symbol/?symbol=ßTOKEN answered "SSTOKEN" while /assets/?symbol=ßTOKEN
    answered "ßTOKEN": Python upper-cased ß to SS, PostgreSQL kept it."""
    sharp = {asset for asset, symbol in stored_assets.items() if symbol == "ßTOKEN"}
    double_s = {a for a, s in stored_assets.items() if s in ("SSTOKEN", "ssToken")}
    assert resolved_ids(viewer, "ßTOKEN") == filtered_ids(viewer, "ßTOKEN") == sharp
    assert resolved_ids(viewer, "sstoken") == filtered_ids(viewer, "sstoken") == double_s


def test_dotless_i_is_not_folded_onto_an_ascii_i(viewer, stored_assets):
    """PostgreSQL's C.UTF-8 upper() and Python both make a dotless i (U+0131) an I:
    "\u0131NCH" found "INCH"."""
    inch = {asset for asset, symbol in stored_assets.items() if symbol == "INCH"}
    dotless = {asset for asset, symbol in stored_assets.items() if symbol == "\u0131NCH"}
    assert resolved_ids(viewer, "inch") == filtered_ids(viewer, "inch") == inch
    assert resolved_ids(viewer, "\u0131nch") == filtered_ids(viewer, "\u0131nch") == dotless


def test_the_generated_column_holds_the_python_key_of_every_stored_symbol(stored_assets):
    for asset in Asset.objects.all():
        assert asset.symbol_key == symbol_key(asset.symbol), asset.symbol


def case_variants(symbol: str) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [
            symbol,
            symbol.upper(),
            symbol.lower(),
            symbol.swapcase(),
            symbol.casefold(),
            unicodedata.normalize("NFD", symbol),
            f" {symbol} ",
        ]
    )


ANY_SYMBOL = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
    min_size=1,
    max_size=12,
).filter(lambda text: lookup_form(text) != "")
QUERIES = st.one_of(st.sampled_from(STORED_SYMBOLS).flatmap(case_variants), ANY_SYMBOL)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=QUERIES)
def test_hot_path_rest_filter_and_search_pick_the_same_assets_for_any_symbol(
    viewer, stored_assets, query
):
    hot = resolved_ids(viewer, query)
    assert hot == filtered_ids(viewer, query) == exact_search_ids(viewer, query), query
    assert hot == {a for a, s in stored_assets.items() if symbol_key(s) == symbol_key(query)}


def test_each_group_answers_for_its_own_canonical_symbol(
    viewer, django_capture_on_commit_callbacks
):
    """Groups "ßETH" and "SSETH" had one cache key (Python's SSETH) but two database
    keys: whichever was looked up first was then served for both."""
    with django_capture_on_commit_callbacks(execute=True):
        sharp = services.group_create(group_id="sharp-eth", canonical_symbol="ßETH")
        double = services.group_create(group_id="double-s-eth", canonical_symbol="SSETH")
    for group, spelling in ((sharp, "ßeth"), (double, "sseth"), (sharp, "ßETH")):
        response = viewer.get(f"{RESOLVE}aggregate/", {"group": spelling})
        assert response.status_code == 200, response.content
        assert orjson.loads(response.content)["group"]["group_id"] == group.group_id
        by_symbol = viewer.get(f"/api/v1/groups/by-symbol/{spelling}/")
        assert by_symbol.json()["group_id"] == group.group_id
        listed = viewer.get("/api/v1/groups/", {"canonical_symbol": spelling})
        assert [row["group_id"] for row in listed.json()["results"]] == [group.group_id]


def test_group_canonical_symbols_are_unique_by_symbol_key():
    services.group_create(group_id="usd", canonical_symbol="USD")
    with pytest.raises(Exception, match="canonical symbol"):
        services.group_create(group_id="usd-2", canonical_symbol="usd")
    services.group_create(group_id="sharp", canonical_symbol="ßUSD")
    services.group_create(group_id="double-s", canonical_symbol="SSUSD")
    assert AssetGroup.objects.count() == 3

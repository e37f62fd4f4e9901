"""The variant graph: an asset's underlying assets above it, its variants below, as SVG."""

import itertools
import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assets.choices import IdentifierSource, RelationshipType
from assets.demo import demo_asset
from assets.graph import MAX_NODES, variant_graph_svg
from assets.models import Asset
from quality.admin import ACTIVE_FLAG_MARKS
from quality.choices import Severity
from tests.factories import AssetFactory, AssetQualityFlagFactory, AssetRelationshipFactory

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def parse(svg: str) -> ET.Element:
    """The picture as XML: fails the test if it is not well-formed."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def nodes(root: ET.Element) -> dict[str, ET.Element]:
    """The node links, by the symbol they show."""
    found = {}
    for link in root.iter(f"{SVG}a"):
        symbol = link.findall(f"{SVG}text")[0].text
        found[symbol] = link
    return found


def edge_labels(root: ET.Element) -> list[str]:
    return sorted(
        group.find(f"{SVG}text").text
        for group in root.iter(f"{SVG}g")
        if group.get("class") == "edge"
    )


def edges(root: ET.Element) -> set[tuple[str, str]]:
    return {
        (group.get("data-parent"), group.get("data-child"))
        for group in root.iter(f"{SVG}g")
        if group.get("class") == "edge"
    }


def node_top(link: ET.Element) -> float:
    return float(link.find(f"{SVG}rect").get("y"))


def coingecko(external_id: str) -> Asset:
    return demo_asset(IdentifierSource.COINGECKO, external_id)


def test_eths_graph_shows_its_variants_below_it_with_labelled_edges(demo):
    eth = coingecko("ethereum")
    root = parse(variant_graph_svg(eth))

    shown = nodes(root)
    assert set(shown) == {"ETH", "WETH", "stETH", "wstETH", "cbETH", "rETH"}
    ranks = {symbol: int(link.get("data-rank")) for symbol, link in shown.items()}
    assert ranks == {"ETH": 0, "WETH": 1, "stETH": 1, "cbETH": 1, "rETH": 1, "wstETH": 2}
    assert shown["ETH"].get("data-root") == "true"
    assert node_top(shown["ETH"]) < node_top(shown["stETH"]) < node_top(shown["wstETH"])
    assert edge_labels(root) == ["STAKES", "STAKES", "STAKES", "WRAPS", "WRAPS"]
    steth, wsteth = coingecko("staked-ether"), coingecko("wrapped-steth")
    assert (str(eth.pk), str(steth.pk)) in edges(root)
    assert (str(steth.pk), str(wsteth.pk)) in edges(root)
    # Unrelated demo assets stay out.
    assert not {"BTC", "WBTC", "USDC"} & set(shown)


def test_every_node_links_to_its_assets_admin_page(demo):
    root = parse(variant_graph_svg(coingecko("ethereum")))
    for link in root.iter(f"{SVG}a"):
        url = reverse("admin:assets_asset_change", args=[link.get("data-asset-id")])
        assert link.get("href") == url
        assert link.get(XLINK_HREF) == url


def test_wsteths_graph_has_steth_above_it_and_eth_above_that(demo):
    root = parse(variant_graph_svg(coingecko("wrapped-steth")))

    shown = nodes(root)
    assert set(shown) == {"ETH", "stETH", "wstETH"}  # siblings such as WETH are not ancestors
    assert {s: int(link.get("data-rank")) for s, link in shown.items()} == {
        "ETH": -2,
        "stETH": -1,
        "wstETH": 0,
    }
    assert node_top(shown["ETH"]) < node_top(shown["stETH"]) < node_top(shown["wstETH"])
    assert edge_labels(root) == ["STAKES", "WRAPS"]
    assert shown["wstETH"].get("data-root") == "true"
    assert root.find(f"{SVG}title").text == (
        "Variant graph of wstETH (Wrapped liquid staked Ether 2.0)"
    )


def test_the_picture_is_a_complete_self_contained_svg(demo):
    svg = variant_graph_svg(coingecko("ethereum"))
    root = parse(svg)

    width, height = int(root.get("width")), int(root.get("height"))
    assert root.get("viewBox") == f"0 0 {width} {height}"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}desc").get("id") == desc_id
    assert "sans-serif" in root.get("font-family")
    # The arrowheads are a marker of the picture itself.
    marker = root.find(f"{SVG}defs/{SVG}marker")
    for path in root.iter(f"{SVG}path"):
        if path.get("marker-end"):
            assert path.get("marker-end") == f"url(#{marker.get('id')})"
    # No script, no style sheet, no web font, nothing fetched from elsewhere.
    assert not list(root.iter(f"{SVG}script"))
    assert not list(root.iter(f"{SVG}style"))
    assert "@import" not in svg and "@font-face" not in svg
    for element in root.iter():
        for name, value in element.attrib.items():
            if name in ("href", XLINK_HREF):
                assert value.startswith("/"), value
            assert "http" not in value or name.startswith("xmlns"), (name, value)


def test_the_flagged_counterfeit_usdc_is_marked_critical(demo):
    counterfeit = demo_asset(IdentifierSource.INTERNAL, "demo-counterfeit-usdc")
    root = parse(variant_graph_svg(counterfeit, marks=ACTIVE_FLAG_MARKS))

    link = nodes(root)["USDC"]
    assert link.get("data-severity") == str(Severity.CRITICAL)
    assert link.find(f"{SVG}rect").get("stroke") == "#dc2626"
    badge = next(g for g in link.iter(f"{SVG}g") if g.get("class") == "badge")
    assert badge.find(f"{SVG}text").text == "⚠ CRITICAL"
    # It has no relationships, and the picture says so.
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "caption"] == [
        "No underlying assets or variants."
    ]


def test_without_marks_a_flagged_asset_is_drawn_like_any_other(demo):
    """Assets know no flags: the marks are what an app above contributes."""
    counterfeit = demo_asset(IdentifierSource.INTERNAL, "demo-counterfeit-usdc")
    root = parse(variant_graph_svg(counterfeit))

    link = nodes(root)["USDC"]
    assert link.get("data-severity") is None
    assert link.find(f"{SVG}rect").get("stroke") != "#dc2626"
    assert not [g for g in root.iter(f"{SVG}g") if g.get("class") == "badge"]
    assert "flag" not in link.find(f"{SVG}title").text


def test_the_asset_pages_graph_marks_flagged_assets(admin_client, demo):
    counterfeit = demo_asset(IdentifierSource.INTERNAL, "demo-counterfeit-usdc")
    page = admin_client.get(f"/admin/assets/asset/{counterfeit.pk}/change/").content.decode()

    assert f'data-severity="{Severity.CRITICAL.value}"' in page
    assert "⚠ CRITICAL" in page


def test_a_variant_shows_its_highest_active_severity_and_ignores_resolved_flags(demo):
    steth, weth = coingecko("staked-ether"), coingecko("weth")
    yesterday = timezone.now() - timedelta(days=1)
    AssetQualityFlagFactory(asset=steth, severity=Severity.MEDIUM, source="a")
    AssetQualityFlagFactory(asset=steth, severity=Severity.HIGH, source="b")
    AssetQualityFlagFactory(
        asset=steth,
        severity=Severity.CRITICAL,
        source="c",
        raised_at=yesterday,
        resolved_at=timezone.now(),
        resolved_by="user:someone",
    )
    AssetQualityFlagFactory(
        asset=weth,
        severity=Severity.CRITICAL,
        raised_at=yesterday,
        resolved_at=timezone.now(),
        resolved_by="user:x",
    )
    shown = nodes(parse(variant_graph_svg(coingecko("ethereum"), marks=ACTIVE_FLAG_MARKS)))

    assert shown["stETH"].get("data-severity") == str(Severity.HIGH)
    assert "⚠ HIGH" in [t.text for t in shown["stETH"].iter(f"{SVG}text")]
    assert shown["WETH"].get("data-severity") is None
    assert not [t.text for t in shown["WETH"].iter(f"{SVG}text") if "⚠" in (t.text or "")]
    assert shown["WETH"].find(f"{SVG}rect").get("stroke") != "#dc2626"


def test_a_deleted_variant_is_drawn_grey(demo):
    weth = coingecko("weth")
    Asset.all_objects.filter(pk=weth.pk).update(deleted_at=timezone.now())
    shown = nodes(parse(variant_graph_svg(coingecko("ethereum"))))

    assert shown["WETH"].get("data-deleted") == "true"
    assert shown["WETH"].find(f"{SVG}rect").get("fill") == "#f3f4f6"
    assert shown["WETH"].findall(f"{SVG}text")[1].text.startswith("deleted")
    assert shown["stETH"].get("data-deleted") is None


def test_hostile_symbols_and_names_are_escaped():
    hostile = AssetFactory(symbol="<script>", name='Evil & "Co" <b>bold</b>')
    variant = AssetFactory(symbol="A&B", name="x' onload='alert(1)")
    AssetRelationshipFactory(
        parent_asset=hostile, child_asset=variant, relationship_type=RelationshipType.WRAPS
    )
    svg = variant_graph_svg(hostile)

    assert "<script" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg and "A&amp;B" in svg
    root = parse(svg)
    assert not list(root.iter(f"{SVG}script"))
    shown = nodes(root)
    assert set(shown) == {"<script>", "A&B"}
    assert shown["<script>"].findall(f"{SVG}text")[1].text == 'Evil & "Co" <b>bold</b>'
    assert root.find(f"{SVG}title").text == 'Variant graph of <script> (Evil & "Co" <b>bold</b>)'
    assert not any("onload" in name for element in root.iter() for name in element.attrib)


def test_conversion_rates_other_than_one_are_shown_on_the_edge():
    parent = AssetFactory(symbol="BASE")
    for symbol, rate in (("ONE", Decimal(1)), ("MORE", Decimal("1.15")), ("UNKNOWN", None)):
        AssetRelationshipFactory(
            parent_asset=parent,
            child_asset=AssetFactory(symbol=symbol),
            relationship_type=RelationshipType.STAKES,
            conversion_rate=rate,
        )
    assert edge_labels(parse(variant_graph_svg(parent))) == [
        "STAKES",
        "STAKES",
        "STAKES \u00d71.15",
    ]


def test_depth_limits_the_levels_each_way(demo):
    eth = coingecko("ethereum")
    assert "wstETH" not in nodes(parse(variant_graph_svg(eth, depth=1)))
    assert set(nodes(parse(variant_graph_svg(eth, depth=0)))) == {"ETH"}
    chain = [AssetFactory(symbol=f"L{level}") for level in range(6)]
    for parent, child in itertools.pairwise(chain):
        AssetRelationshipFactory(parent_asset=parent, child_asset=child)
    shown = nodes(parse(variant_graph_svg(chain[3], depth=2)))
    assert {s: int(link.get("data-rank")) for s, link in shown.items()} == {
        "L1": -2,
        "L2": -1,
        "L3": 0,
        "L4": 1,
        "L5": 2,
    }


def test_a_diamond_places_each_asset_once_at_its_nearest_level():
    top, middle, bottom = AssetFactory(symbol="TOP"), AssetFactory(symbol="MID"), AssetFactory()
    AssetRelationshipFactory(parent_asset=top, child_asset=middle)
    AssetRelationshipFactory(parent_asset=middle, child_asset=bottom)
    AssetRelationshipFactory(
        parent_asset=top, child_asset=bottom, relationship_type=RelationshipType.BRIDGES
    )
    root = parse(variant_graph_svg(top))
    shown = nodes(root)
    assert {s: int(link.get("data-rank")) for s, link in shown.items()} == {
        "TOP": 0,
        "MID": 1,
        bottom.symbol: 1,
    }
    assert edge_labels(root) == ["BRIDGES", "WRAPS", "WRAPS"]


def test_a_large_graph_is_capped_and_the_caption_says_how_many_were_left_out():
    hub = AssetFactory(symbol="HUB")
    AssetRelationshipFactory(parent_asset=AssetFactory(symbol="UNDER"), child_asset=hub)
    for _ in range(MAX_NODES + 5):
        AssetRelationshipFactory(
            parent_asset=hub, child_asset=AssetFactory(), relationship_type="BRIDGES"
        )
    root = parse(variant_graph_svg(hub))

    shown = nodes(root)
    assert len(shown) == MAX_NODES
    assert {"HUB", "UNDER"} <= set(shown)  # the nearest levels are kept first
    related = MAX_NODES + 7  # the underlying, the variants and the hub itself
    captions = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "caption"]
    assert captions == [f"{related - MAX_NODES} more related assets not shown "
                        f"(showing {MAX_NODES} of {related})"]  # fmt: skip
    # Every shown variant is connected; wide layers wrap rather than stretch.
    assert len(edges(root)) == MAX_NODES - 1
    assert int(root.get("width")) < 1300


def test_the_number_of_queries_does_not_grow_with_the_graph(django_assert_max_num_queries):
    small = AssetFactory()
    AssetRelationshipFactory(parent_asset=small)
    big = AssetFactory()
    AssetRelationshipFactory(child_asset=big)
    for _ in range(12):
        child = AssetRelationshipFactory(parent_asset=big).child_asset
        for _ in range(4):
            grandchild = AssetRelationshipFactory(parent_asset=child).child_asset
            AssetQualityFlagFactory(asset=grandchild, severity=Severity.LOW)
    for asset in (small, big):
        with django_assert_max_num_queries(2):
            parse(variant_graph_svg(asset, marks=ACTIVE_FLAG_MARKS))


def test_the_asset_page_shows_its_variant_graph(admin_client, demo):
    eth = Asset.objects.get(symbol="ETH")
    page = admin_client.get(f"/admin/assets/asset/{eth.pk}/change/").content.decode()

    assert "<svg" in page
    assert "WETH" in page and "STAKES" in page

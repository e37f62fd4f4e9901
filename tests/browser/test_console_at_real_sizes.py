"""The curation console at real sizes and in a steward's terms, in a real browser.

- Filters over the full chain list are search boxes, and "Show counts" works.
- Inline rows, flag titles, group members and history rows name assets by symbol and name.
- A change's own page speaks the registry's words, not pghistory's.
- The history is searched by symbol, name and address.
- An asset with an active HIGH or CRITICAL flag says so at the top of its page.
- Resolving a flag is its own step (a button), never a save of the flag's form.
- The widest rows the registry accepts fit a 1,400 px window on every list.
- The asset search puts the exact symbol first.

Each test keeps screenshots (var/artifacts/browser/) and asserts on the DOM and its
geometry, and on the database where the page claims a write.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from assets.services import asset_create, deployment_create, group_create, group_member_add
from chains.services import chain_create
from quality.choices import FlagType, Severity
from quality.services import flag_raise
from registry.actors import acting_as
from tests.browser.widest import LONG_ADDRESS, LONG_SYMBOL, write_widest_rows
from tests.scale import load_registry_at_scale

WINDOW = 1400
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
RESOLUTION_NOTES = "The issuer re-verified the contract; the report was a look-alike."


def horizontal_overflow(page: Page) -> dict:
    """How wide the page and the change list are, against the window and their boxes."""
    return page.evaluate(
        """() => {
            const results = document.querySelector('#changelist-form .results');
            const table = document.querySelector('#result_list');
            return {
                page: document.documentElement.scrollWidth,
                window: window.innerWidth,
                results: results ? results.scrollWidth : 0,
                resultsBox: results ? results.clientWidth : 0,
                tableRight: table ? table.getBoundingClientRect().right : 0,
            };
        }"""
    )


def assert_fits(page: Page, what: str) -> None:
    widths = horizontal_overflow(page)
    assert widths["window"] == WINDOW, widths
    assert widths["page"] <= WINDOW, (what, widths)
    assert widths["results"] <= widths["resultsBox"], (what, widths)  # no inner scrollbar
    assert widths["tableRight"] <= WINDOW, (what, widths)


def shoot(page: Page, artifact, name: str, *, full_page: bool = True) -> None:
    path = artifact(name)
    page.screenshot(path=path, full_page=full_page)
    assert path.read_bytes().startswith(b"\x89PNG"), path


def test_chain_filter_is_a_search_box_over_2000_chains_and_counts_work(curators, log_in, artifact):
    """The deployments list at the full chain list's size: "Show counts" answers, the
    sidebar is a handful of choices, and typing a chain's name filters by it."""
    load_registry_at_scale(chains=2_000, assets=4_000)
    page = log_in("steward", width=WINDOW)
    page.goto("/admin/assets/assetdeployment/")
    page.get_by_role("link", name="Show counts").click()
    expect(page.locator("#changelist-filter")).to_contain_text("Hide counts")
    expect(page.locator("#result_list")).to_be_visible()
    choices = page.locator("#changelist-filter li, #changelist-filter option").count()
    assert choices < 40, choices

    chain_filter = page.locator('#changelist-filter details[data-filter-title="chain"]')
    chain_filter.locator(".select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("chain-1999")
    page.locator(".select2-results__option", has_text=re.compile(r"^chain-1999$")).click()
    expect(page).to_have_url(re.compile(r"chain__chain_id__exact=chain-1999"))
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)  # assets 1998 and 3998 are deployed on chain-1999
    expect(page.locator("#result_list tbody")).to_contain_text("TK1998 (Token number 1998)")
    expect(chain_filter.locator(".select2-selection__rendered")).to_contain_text("chain-1999")
    assert_fits(page, "deployments on one chain")
    shoot(page, artifact, "deployments-filtered-by-chain-search.png")


@pytest.fixture
def flagged_usdc(curators):
    """A USDC with a deployment, in a group, and a CRITICAL flag raised by auditor1."""
    with acting_as("user:steward", source="admin"):
        chain = chain_create(chain_id="ethereum", name="Ethereum", chain_type="EVM", network_id=1)
        usdc = asset_create(symbol="USDC", name="USD Coin", asset_type="ERC20")
        deployment = deployment_create(
            asset=usdc,
            chain=chain,
            address="0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",
            decimals=6,
            is_canonical=True,
        )
        group = group_create(group_id="usd", canonical_symbol="USD")
        group_member_add(group=group, asset=usdc, is_canonical=True)
    flag = flag_raise(
        asset=usdc,
        flag_type=FlagType.SCAM,
        severity=Severity.CRITICAL,
        reason="Reported as an impostor of USD Coin.",
        actor="user:auditor1",
    )
    return usdc, deployment, flag


def test_stewards_see_names_not_ids(flagged_usdc, log_in, artifact):
    """Inline rows, the flag's title, the group's members, history rows and a change's own
    page name the asset "USDC (USD Coin)", never by its UUID, and in the registry's words."""
    usdc, _deployment, flag = flagged_usdc
    page = log_in("steward", width=WINDOW)

    page.goto(f"/admin/assets/asset/{usdc.pk}/change/")
    inline_row = page.locator("#deployments-group td.original p").first
    expect(inline_row).to_contain_text("USDC (USD Coin) on ethereum at 0x")
    assert not UUID.search(inline_row.inner_text())
    shoot(page, artifact, "names-asset-page-inline.png")

    page.goto(f"/admin/quality/assetqualityflag/{flag.pk}/change/")
    title = page.locator("#content h2").first
    expect(title).to_have_text("Critical Scam flag on USDC (USD Coin)")
    expect(page.locator(".breadcrumbs")).to_contain_text("Critical Scam flag on USDC")

    page.goto("/admin/assets/assetgroup/usd/change/")
    member = page.locator("#members-group td.original p").first
    expect(member).to_have_text("USDC (USD Coin) in usd")
    shoot(page, artifact, "names-group-members.png")

    page.goto(f"/admin/assets/asset/{usdc.pk}/history/")
    history = page.locator("#change-history tbody")
    expect(history).to_contain_text("USDC (USD Coin) on ethereum")  # the deployment's row
    expect(history).to_contain_text("Critical Scam flag on USDC (USD Coin)")
    expect(history.locator(".history-field", has_text="asset:").first).to_contain_text(
        "USDC (USD Coin)"
    )
    for row in history.locator("tr").all():
        assert not UUID.search(row.locator("td").first.inner_text()), row.inner_text()
    shoot(page, artifact, "names-asset-history.png")

    # A change's own page: the change, the object by name, who and via; no "Pgh".
    page.goto("/admin/registry/changeevent/")
    page.locator("#result_list tbody tr", has_text="Asset deployment created").locator(
        "th a"
    ).first.click()
    content = page.locator("#content")
    expect(content).to_contain_text("Asset deployment created: USDC (USD Coin) on ethereum")
    breadcrumbs = page.locator(".breadcrumbs")
    expect(breadcrumbs).to_contain_text("Asset deployment created: USDC (USD Coin) on ethereum")
    expect(breadcrumbs).not_to_contain_text("ChangeEvent")
    for label in ("When", "Change", "Object", "Who", "Via", "Fields (before → after)"):
        expect(content.locator("label", has_text=label).first).to_be_visible()
    expect(content).to_contain_text("user:steward")
    text = content.inner_text()
    assert "Pgh" not in text and "pgh" not in text, text
    expect(page.locator(".object-tools")).to_have_count(0)
    shoot(page, artifact, "change-event-detail.png")


def test_history_is_searched_by_symbol_name_and_address(flagged_usdc, log_in, artifact):
    _usdc, deployment, _flag = flagged_usdc
    with acting_as("user:steward", source="admin"):
        asset_create(symbol="DAI", name="Dai Stablecoin", asset_type="ERC20")
    page = log_in("steward", width=WINDOW)

    def search(term: str) -> list[str]:
        page.goto("/admin/registry/changeevent/")
        page.fill("#searchbar", term)
        page.locator("#changelist-search input[type=submit]").click()
        expect(page).to_have_url(re.compile(r"\?q="))
        expect(page.locator("#searchbar")).to_have_value(term)
        return [
            " ".join(text.split())
            for text in page.locator("#result_list td.field-changed_object").all_inner_texts()
        ]

    by_symbol = search("usdc")
    assert "USDC (USD Coin)" in by_symbol, by_symbol
    assert any(text.startswith("USDC (USD Coin) on ethereum") for text in by_symbol)
    assert "Critical Scam flag on USDC (USD Coin)" in by_symbol
    assert not any("DAI" in text for text in by_symbol), by_symbol
    shoot(page, artifact, "history-search-symbol.png")

    assert search("Dai Stable") == ["DAI (Dai Stablecoin)"]
    by_address = search("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48")
    assert by_address == [f"USDC (USD Coin) on ethereum at {deployment.address}"], by_address
    shoot(page, artifact, "history-search-address.png")
    assert_fits(page, "history searched")


def test_an_asset_with_a_critical_flag_warns_at_the_top_of_its_page(flagged_usdc, log_in, artifact):
    usdc, _, flag = flagged_usdc
    with acting_as("user:steward", source="admin"):
        quiet = asset_create(symbol="QUIET", name="Quiet Token", asset_type="ERC20")
    flag_raise(
        asset=quiet,
        flag_type=FlagType.LOW_LIQUIDITY,
        severity=Severity.MEDIUM,
        reason="Thin books.",
        actor="user:auditor1",
    )
    page = log_in("steward", width=WINDOW)
    page.goto(f"/admin/assets/asset/{usdc.pk}/change/")
    warning = page.locator(".serious-flags")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("1 active HIGH or CRITICAL flag")
    expect(warning).to_contain_text("Critical")
    expect(warning).to_contain_text("Reported as an impostor of USD Coin.")
    expect(warning.get_by_role("link", name="Scam")).to_have_attribute(
        "href", f"/admin/quality/assetqualityflag/{flag.pk}/change/"
    )
    # At the top: above the form and its first field.
    warning_box = warning.bounding_box()
    form_box = page.locator("#asset_form").bounding_box()
    assert warning_box["y"] + warning_box["height"] <= form_box["y"], (warning_box, form_box)
    shoot(page, artifact, "asset-page-critical-flag-warning.png", full_page=False)

    page.goto(f"/admin/assets/asset/{quiet.pk}/change/")  # a MEDIUM flag only: no warning
    expect(page.locator("#asset_form")).to_be_visible()
    expect(page.locator(".serious-flags")).to_have_count(0)


def test_resolving_a_flag_is_an_explicit_step(flagged_usdc, log_in, artifact):
    """The flag's page saves nothing (no Save, notes not editable); "Resolve this flag"
    asks for notes and checks four eyes: the raiser is refused, a second auditor
    resolves it and comes back to the flag."""
    _, _, flag = flagged_usdc
    flag_page = f"/admin/quality/assetqualityflag/{flag.pk}/change/"

    raiser = log_in("auditor1", width=WINDOW)
    raiser.goto(flag_page)
    expect(raiser.locator("input[name=_save]")).to_have_count(0)
    expect(raiser.locator("#id_resolution_notes")).to_have_count(0)
    shoot(raiser, artifact, "flag-page-read-only.png", full_page=False)
    raiser.get_by_role("button", name="Resolve this flag…").click()
    expect(raiser.locator("h1")).to_have_text("Resolve this flag")
    expect(raiser.locator(".flag-action-selection")).to_contain_text(
        "A CRITICAL flag needs a second person"
    )
    raiser.fill("textarea[name=notes]", "I raised it and take it back.")
    raiser.get_by_role("button", name="Resolve").click()
    expect(raiser.locator(".messagelist .error")).to_contain_text("Not resolved")
    flag.refresh_from_db()
    assert flag.is_active and flag.resolution_notes == ""

    second = log_in("auditor2", width=WINDOW)
    second.goto(flag_page)
    second.get_by_role("button", name="Resolve this flag…").click()
    second.fill("textarea[name=notes]", RESOLUTION_NOTES)
    shoot(second, artifact, "flag-resolve-page.png", full_page=False)
    second.get_by_role("button", name="Resolve").click()
    expect(second).to_have_url(re.compile(rf"{flag_page}$"))
    expect(second.locator(".messagelist .success")).to_contain_text("Resolved 1 flag(s).")
    expect(second.get_by_role("button", name="Resolve this flag…")).to_have_count(0)
    flag.refresh_from_db()
    assert not flag.is_active
    assert (flag.resolved_by, flag.resolution_notes) == ("user:auditor2", RESOLUTION_NOTES)
    shoot(second, artifact, "flag-page-resolved.png", full_page=False)


LISTS = {
    "deployments": "/admin/assets/assetdeployment/",
    "assets": "/admin/assets/asset/",
    "flags": "/admin/quality/assetqualityflag/",
    "history": "/admin/registry/changeevent/",
    "relationships": "/admin/assets/assetrelationship/",
    "group-members": "/admin/assets/assetgroupmember/",
    "venue-tickers": "/admin/markets/market/",
    "venues": "/admin/venues/venue/",
    "chains": "/admin/chains/chain/",
    "field-sources": "/admin/registry/fieldsource/",
    "former-names": "/admin/assets/assetname/",
}


def test_the_widest_rows_fit_a_1400_pixel_window_on_every_list(curators, log_in, artifact):
    """200-character names, a 128-character address with no place to break, long flag
    reasons and sources, metadata changes: every list shows them without a horizontal
    scrollbar, in the page or in the list, with the sidebars open."""
    widest = write_widest_rows()
    page = log_in("steward", width=WINDOW)
    for name, url in LISTS.items():
        page.goto(url)
        expect(page.locator("#result_list")).to_be_visible()
        assert_fits(page, name)
        shoot(page, artifact, f"wide-list-{name}.png")
    # The widest cells are there, cut or wrapped, not hidden: the address whole.
    page.goto(LISTS["deployments"])
    expect(page.locator("#result_list td.field-address")).to_have_text(LONG_ADDRESS)
    page.goto(f"/admin/assets/asset/{widest.asset.pk}/history/")
    assert_fits(page, "an asset's history")
    shoot(page, artifact, "wide-asset-history.png")
    page.goto(LISTS["assets"] + f"?q={LONG_SYMBOL}")
    expect(page.locator("#result_list tbody tr").first).to_contain_text(LONG_SYMBOL)


def test_the_asset_search_puts_the_exact_symbol_first(curators, log_in, artifact):
    with acting_as("user:steward", source="admin"):
        for symbol, name in (
            ("AUSDC", "Aave USDC"),
            ("USDC.E", "Bridged USDC"),
            ("USDCX", "USDC look-alike"),
            ("USDC", "USD Coin"),
            ("ABC", "Not a usdc at all"),
        ):
            asset_create(symbol=symbol, name=name, asset_type="ERC20")
    page = log_in("steward", width=WINDOW)
    page.goto("/admin/assets/asset/")
    page.fill("#searchbar", "usdc")
    page.locator("#changelist-search input[type=submit]").click()
    expect(page).to_have_url(re.compile(r"\?q=usdc$"))
    expect(page.locator("#result_list th.field-symbol")).to_have_count(5)
    symbols = page.locator("#result_list th.field-symbol").all_inner_texts()
    assert symbols[0] == "USDC", symbols
    assert set(symbols[1:3]) == {"USDC.E", "USDCX"}, symbols  # the symbol starts with it
    assert set(symbols[3:]) == {"AUSDC", "ABC"}, symbols
    shoot(page, artifact, "asset-search-exact-symbol-first.png", full_page=False)

"""The curation console in a real browser: a steward adds an asset, two auditors raise and
resolve a CRITICAL flag under the four-eyes rule, and the history pages say who did what.

Each step runs as its own user in its own browser context, against the live server;
the database is checked as well as the page, so a page that only looks right fails.
"""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from assets.models import Asset, AssetDeployment
from quality.choices import FlagType, Severity
from quality.models import AssetQualityFlag

NAME = "USD Coin (browser test)"
# Not in the demo data; all lower case, so no checksum to get wrong (stored as EIP-55).
ADDRESS = "0x5f4ec3df9cbd43714fe2740f5e3616155c5b8419"
RESOLUTION_NOTES = "Checked with the issuer: the contract is genuine."
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def demo_data(live_server):
    call_command("load_demo", stdout=StringIO())


def choose_autocomplete(page: Page, select_id: str, search: str, option: str | re.Pattern):
    """Pick ``option`` in the select2 autocomplete of the select ``select_id`` by typing
    ``search``, as a user does."""
    page.locator(f"#{select_id} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(search)
    page.locator(".select2-results__option", has_text=option).click()
    expect(page.locator(f"#select2-{select_id}-container")).to_have_text(option)


def history_rows(page: Page) -> list[dict[str, str]]:
    """The rows of a history page: kind (created/changed), change, actor, source, fields."""
    rows = []
    for row in page.locator("#change-history tbody tr").all():
        cells = row.locator("td")
        rows.append(
            {
                "kind": (row.get_attribute("class") or "").removeprefix("history-"),
                "change": " ".join(cells.nth(0).inner_text().split()),
                "actor": row.locator(".history-actor").inner_text().strip(),
                "source": row.locator(".history-source").inner_text().strip(),
                "fields": " | ".join(
                    " ".join(text.split())
                    for text in row.locator(".history-field").all_inner_texts()
                ),
            }
        )
    return rows


def assert_png(path) -> None:
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), f"{path} is not a PNG"
    assert len(data) > 1000, f"{path} is nearly empty ({len(data)} bytes)"


def test_steward_adds_an_asset_and_two_auditors_flag_and_resolve_it(
    demo_data, curators, log_in, artifact
):
    """A steward's new USDC is saved with its deployment and warned about as a second
    USDC; the auditor who raised a CRITICAL flag on it cannot resolve it, another can; the
    history pages show each change with its actor and path."""
    # 1. The steward adds the asset with one deployment on Ethereum.
    steward = log_in("steward")
    steward.goto("/admin/assets/asset/add/")
    steward.fill("#id_symbol", "USDC")
    steward.fill("#id_name", NAME)
    steward.select_option("#id_asset_type", "ERC20")
    steward.locator("#deployments-group .add-row a").click()
    choose_autocomplete(steward, "id_deployments-0-chain", "ethereum", re.compile(r"^ethereum$"))
    steward.fill("#id_deployments-0-address", ADDRESS)
    steward.fill("#id_deployments-0-decimals", "6")
    steward.locator("input[name=_save]").click()

    expect(steward.locator(".messagelist .success")).to_contain_text("was added successfully")
    warning = steward.locator(".messagelist .warning")
    expect(warning).to_contain_text("The symbol USDC is already used by 2 other live asset(s)")
    expect(warning).to_contain_text("USD Coin")  # the demo's USDC, linked by name
    asset = Asset.objects.get(name=NAME)
    assert asset.symbol == "USDC"
    deployment = AssetDeployment.objects.get(asset=asset)
    assert (deployment.chain_id, deployment.address.lower(), deployment.decimals) == (
        "ethereum",
        ADDRESS,
        6,
    )
    asset_page = f"/admin/assets/asset/{asset.pk}/change/"
    steward.goto(asset_page)
    expect(steward.locator("#id_deployments-0-address")).to_have_value(deployment.address)

    # 2. auditor1 raises a CRITICAL flag on it, and may not resolve it.
    auditor1 = log_in("auditor1")
    auditor1.goto("/admin/quality/assetqualityflag/add/")
    choose_autocomplete(auditor1, "id_asset", "browser test", re.compile(re.escape(NAME)))
    auditor1.select_option("#id_flag_type", FlagType.SCAM.value)
    auditor1.select_option("#id_severity", str(Severity.CRITICAL.value))
    auditor1.fill("#id_reason", "Reported as an impostor of USD Coin.")
    auditor1.locator("input[name=_save]").click()
    expect(auditor1.locator(".messagelist .success")).to_contain_text("was added successfully")
    flag = AssetQualityFlag.objects.get(asset=asset)
    assert (flag.severity, flag.raised_by, flag.is_active) == (
        Severity.CRITICAL,
        "user:auditor1",
        True,
    )

    flag_page = f"/admin/quality/assetqualityflag/{flag.pk}/change/"
    auditor1.goto(flag_page)
    auditor1.get_by_role("button", name="Resolve this flag…").click()
    auditor1.fill("textarea[name=notes]", "I raised it, and now I take it back.")
    auditor1.get_by_role("button", name="Resolve").click()
    refusal = auditor1.locator(".messagelist .error")
    expect(refusal).to_contain_text("A CRITICAL flag needs a second person")
    expect(refusal).to_contain_text("user:auditor1 raised it, so someone else must resolve it")
    flag.refresh_from_db()
    assert flag.is_active and flag.resolved_by == "" and flag.resolution_notes == ""

    # 3. auditor2, a second person, resolves it.
    auditor2 = log_in("auditor2")
    auditor2.goto(flag_page)
    auditor2.get_by_role("button", name="Resolve this flag…").click()
    auditor2.fill("textarea[name=notes]", RESOLUTION_NOTES)
    auditor2.get_by_role("button", name="Resolve").click()
    expect(auditor2.locator(".messagelist .success")).to_contain_text("Resolved 1 flag(s).")
    flag.refresh_from_db()
    assert not flag.is_active
    assert (flag.resolved_by, flag.resolution_notes) == ("user:auditor2", RESOLUTION_NOTES)

    # 4. The flag's history: raised by auditor1, resolved by auditor2, both in the admin;
    # the refused attempt wrote nothing.
    auditor2.goto(flag_page)
    auditor2.locator("a.historylink").click()
    expect(auditor2).to_have_url(
        re.compile(rf"/admin/quality/assetqualityflag/{flag.pk}/history/$")
    )
    rows = history_rows(auditor2)
    assert [(row["kind"], row["actor"], row["source"]) for row in rows] == [
        ("changed", "user:auditor2", "admin"),
        ("created", "user:auditor1", "admin"),
    ], rows
    resolution = auditor2.locator("tr.history-changed .history-field", has_text="resolution_notes")
    # Before: no notes (an empty text, which the page shows as nothing).
    expect(resolution.locator(".history-before")).to_have_text(re.compile(r"^—?$"))
    expect(resolution.locator(".history-after")).to_have_text(RESOLUTION_NOTES)

    # The asset's history: it and its deployment, created by the steward in the admin.
    steward.goto(f"/admin/assets/asset/{asset.pk}/history/")
    rows = history_rows(steward)
    created = {
        row["change"].split(" created")[0]: (row["actor"], row["source"])
        for row in rows
        if row["kind"] == "created"
    }
    assert created.get("Asset") == ("user:steward", "admin"), rows
    assert created.get("Asset deployment") == ("user:steward", "admin"), rows
    deployment_row = next(row for row in rows if row["change"].startswith("Asset deployment"))
    assert f"USDC ({NAME}) on ethereum at {deployment.address}" in deployment_row["change"]

    # 5. The whole asset page as it ends up (its deployment, the resolved flag).
    steward.goto(asset_page)
    screenshot = artifact("usdc-asset-change-page.png")
    steward.screenshot(path=screenshot, full_page=True)
    assert_png(screenshot)


def test_variant_graph_of_a_wrapped_asset(demo_data, curators, log_in, artifact):
    """WETH's page draws its graph: ETH above it, joined by a WRAPS edge."""
    weth = Asset.objects.with_identifier("COINGECKO", "weth").get()
    page = log_in("steward")
    page.goto(f"/admin/assets/asset/{weth.pk}/change/")
    graph = page.locator(".field-variant_graph svg")
    expect(graph).to_be_visible()
    labels = [text.strip() for text in graph.locator("text").all_text_contents()]
    assert "WRAPS" in labels and "ETH" in labels and "WETH" in labels, labels
    screenshot = artifact("weth-variant-graph.png")
    graph.screenshot(path=screenshot)
    assert_png(screenshot)

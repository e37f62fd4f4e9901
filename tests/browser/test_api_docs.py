"""The API docs in a real browser with every other host closed: Swagger UI and Redoc
render the whole API from the project's own static files, asking no other host for
anything (no CDN script, no Google font, no validator badge)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def offline_page(browser, live_server, artifact):
    """``page, outside``: a page that reaches only the live server; ``outside`` lists every
    request it made elsewhere (each refused, as offline)."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    outside: list[str] = []

    def only_the_live_server(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", only_the_live_server)
    yield context.new_page(), outside
    context.close()


def test_swagger_ui_renders_offline(offline_page, artifact):
    page, outside = offline_page
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("CQAR API")
    operation = page.locator("#operations-resolve-resolve_pretrade")
    expect(operation).to_contain_text("/api/v1/resolve/pretrade/")
    operation.locator(".opblock-summary").click()
    # The typed answer, not a bare "object".
    expect(operation.locator(".responses-wrapper")).to_contain_text('"blocking_flags"')
    page.screenshot(path=artifact("api-docs-swagger-offline.png"), full_page=False)
    assert outside == []


def test_redoc_renders_offline(offline_page, artifact):
    page, outside = offline_page
    page.goto("/api/redoc/")
    # Redoc renders the whole document at once: slow on a busy 2-core machine (~25 s).
    expect(page.locator("h1").first).to_contain_text("CQAR API", timeout=180_000)
    page.get_by_role("menuitem", name="resolve").click()
    page.get_by_role("menuitem", name="Pre-trade check: may this asset be traded?").click()
    operation = page.locator("[id='tag/resolve/operation/resolve_pretrade']")
    expect(operation.get_by_role("heading", level=2)).to_have_text(
        "Pre-trade check: may this asset be traded?"
    )
    # The typed answer's sample, not a bare "{}".
    expect(operation).to_contain_text('"blocking_flags"')
    page.wait_for_load_state("networkidle")
    page.screenshot(path=artifact("api-docs-redoc-offline.png"), full_page=False)
    assert outside == []

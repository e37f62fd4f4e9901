"""The API's docs pages (Swagger UI, Redoc) load nothing from outside: their scripts,
styles and fonts are the project's static files, so they work offline.

tests/browser/test_api_docs.py loads them in Chromium with every other host closed.
"""

import re
from html.parser import HTMLParser

import pytest

DOCS_PAGES = ["/api/docs/", "/api/redoc/"]
# Any URL with a host: "https://…", "http://…", or protocol-relative "//…".
EXTERNAL = re.compile(r"""(?:https?:)?//[\w.-]+""", re.IGNORECASE)


class Resources(HTMLParser):
    """The URLs a page loads: scripts, stylesheets, icons, preconnects, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._in_inline = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("src", "href"):
            if attributes.get(name):
                self.urls.append(attributes[name])
        self._in_inline = tag in ("script", "style") and not attributes.get("src")

    def handle_data(self, data):
        if self._in_inline:
            self.inline.append(data)

    def handle_endtag(self, tag):
        self._in_inline = False


def resources(html: str) -> Resources:
    parser = Resources()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("page", DOCS_PAGES)
def test_docs_page_refers_to_no_other_host(client, page):
    """No script, stylesheet, font or preconnect of the page, nor its inline scripts and
    styles (a font's url(), an @import), names another host."""
    response = client.get(page)
    assert response.status_code == 200
    found = resources(response.content.decode())
    assert found.urls, "the page loads no script at all"
    assert [url for url in found.urls if EXTERNAL.match(url)] == []
    assert [EXTERNAL.findall(text) for text in found.inline if EXTERNAL.search(text)] == []
    # What the page's scripts ask for later (Redoc's Redocly logo), the browser refuses.
    assert response["Content-Security-Policy"].startswith("default-src 'self';")


@pytest.mark.parametrize("page", DOCS_PAGES)
def test_docs_page_scripts_and_styles_are_served_from_static_files(client, page):
    """Every file the page loads is there, under STATIC_URL (WhiteNoise serves it)."""
    found = resources(client.get(page).content.decode())
    static = [url for url in found.urls if url.startswith("/static/")]
    assert any(url.endswith(".js") for url in static)
    for url in static:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 0, url

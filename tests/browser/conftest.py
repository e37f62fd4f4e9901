"""Browser tests of the curation console (the Django admin), driven by Playwright.

Playwright drives the Chromium of the machine's packages (``make browser`` installs
Debian's), never a browser of its own: ``playwright install`` downloads one, which this
suite does not depend on. The pages are served by pytest-django's ``live_server``, so
each test runs on a transactional database, flushed afterwards.

Screenshots go to ``var/artifacts/browser/`` (the tests' own and, when a test fails, one
of each page it had open); the run's summary lists them.
"""

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User

from registry.roles import AUDITOR, STEWARD, VIEWER

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "artifacts" / "browser"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
]
# Generous for a 2-core machine running the server, the browser and the database at once.
TIMEOUT_MS = 20_000
PASSWORD = "browser-test-password"
# The users of the flow and their roles (all staff, so they can use the admin).
CURATORS = {
    "steward": (VIEWER, STEWARD),
    "auditor1": (VIEWER, AUDITOR),
    "auditor2": (VIEWER, AUDITOR),
}

_written: list[Path] = []


def chromium_path() -> str:
    """The machine's Chromium; a missing one fails the test (a skip would hide it in CI)."""
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "The browser tests need Chromium (`chromium` on PATH, Debian's /usr/bin/chromium): "
            "run `make browser`, or install it with `apt-get install chromium`.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One headless Chromium for the module's tests.

    Playwright's sync API runs an asyncio event loop in this (the main) thread while it
    is open, and Django refuses ORM calls from a thread with a running loop
    (SynchronousOnlyOperation), although the test's ORM calls are ordinary blocking ones
    and never run inside the loop. DJANGO_ALLOW_ASYNC_UNSAFE lifts that check for exactly
    as long as the browser is open, so the rest of the suite keeps it.
    """
    from playwright.sync_api import expect, sync_playwright

    executable = chromium_path()
    allow_async_unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    expect.set_options(timeout=TIMEOUT_MS)
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS, timeout=60_000
            )
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if allow_async_unsafe is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = allow_async_unsafe


@pytest.fixture
def curators(live_server) -> dict[str, User]:
    """The steward and two auditors, with passwords, in the role groups.

    The groups come from a migration and from post_migrate, which a flush (the end of
    every live-server test) sends again; a run without them says so here.
    """
    groups = {
        group.name: group for group in Group.objects.filter(name__in=[VIEWER, STEWARD, AUDITOR])
    }
    assert set(groups) == {VIEWER, STEWARD, AUDITOR}, (
        f"role groups missing after the flush: found {sorted(groups)}"
    )
    assert groups[STEWARD].permissions.filter(codename="add_asset").exists()
    assert groups[AUDITOR].permissions.filter(codename="add_assetqualityflag").exists()
    users = {}
    for username, roles in CURATORS.items():
        user = User.objects.create_user(username=username, password=PASSWORD, is_staff=True)
        user.groups.set([groups[role] for role in roles])
        users[username] = user
    return users


@pytest.fixture
def log_in(browser, live_server, request):
    """``log_in(username, width=1366)``: a page of a new browser context (its own cookies)
    on the admin, ``width`` pixels wide, logged in as that user. On failure each open page
    is kept as a screenshot."""
    from playwright.sync_api import expect

    pages = []

    def log_in(username: str, width: int = 1366):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": 900}
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        pages.append((username, page))
        page.goto("/admin/login/?next=/admin/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("#user-tools")).to_contain_text(username)
        return page

    yield log_in
    report = getattr(request.node, "report_call", None)
    for username, page in pages:
        if report is not None and report.failed:
            path = artifact_path(f"FAILED-{request.node.name}-{username}.png")
            with contextlib.suppress(Exception):  # a crashed page leaves nothing to keep
                page.screenshot(path=path, full_page=True)
        page.context.close()


@pytest.fixture
def artifact():
    """``artifact(name)``: the path to write the artifact ``name`` to, listed at the end."""
    return artifact_path


def artifact_path(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    _written.append(path)
    print(f"browser artifact: {path}")
    return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.report_call = report
    return report


def pytest_terminal_summary(terminalreporter):
    if _written:
        terminalreporter.section("browser artifacts")
        for path in _written:
            if path.exists():
                terminalreporter.write_line(str(path))

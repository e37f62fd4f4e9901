"""What every answer tells a browser: a Content-Security-Policy (admin pages load scripts
only from this site; JSON answers nothing), and where a login without a safe ``next``
lands."""

import pytest
from django.contrib.auth import get_user_model

from registry.security import DATA_POLICY, PAGE_POLICY

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-123456789")
    client.force_login(user)
    return client


def test_admin_pages_may_run_scripts_from_this_site_only(superuser_client):
    for url in ("/admin/", "/admin/assets/asset/", "/admin/assets/asset/add/", "/admin/login/"):
        response = superuser_client.get(url)
        assert response.status_code in (200, 302), url
        policy = response["Content-Security-Policy"]
        assert policy == PAGE_POLICY
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy.split(";")[1]
        assert "frame-ancestors 'none'" in policy


def test_json_answers_may_load_nothing_and_the_docs_page_keeps_its_own_policy(viewer):
    assert viewer.get("/api/v1/chains/")["Content-Security-Policy"] == DATA_POLICY
    assert (
        viewer.get("/api/v1/resolve/symbol/", {"symbol": "NOPE"})["Content-Security-Policy"]
        == DATA_POLICY
    )
    docs = viewer.get("/api/docs/")
    assert docs["Content-Security-Policy"] not in (DATA_POLICY, PAGE_POLICY)


@pytest.mark.parametrize("unsafe_next", ["https://evil.example/", "//evil.example/", ""])
def test_a_login_with_no_safe_next_lands_on_the_admin(client, unsafe_next):
    """Django's default, /accounts/profile/, is a 404 on this site."""
    get_user_model().objects.create_user("stew", password="pw-123456789", is_staff=True)
    response = client.post(
        f"/admin/login/?next={unsafe_next}", {"username": "stew", "password": "pw-123456789"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"

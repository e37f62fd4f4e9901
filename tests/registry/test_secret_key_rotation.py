"""Rotating SECRET_KEY (docs/RUNBOOK.md, "Rotate the secret key"): with the former key in
SECRET_KEY_FALLBACKS an admin session made under it goes on, and what it signed (the
session's data, a signed cookie) still verifies; once the former key is removed, they
are refused. API tokens are knox digests, not signed: a rotation leaves them working."""

import secrets

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.test import Client
from rest_framework.test import APIClient

from registry.roles import VIEWER
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

FORMER_KEY = secrets.token_urlsafe(50)
NEW_KEY = secrets.token_urlsafe(50)


@pytest.fixture
def under_the_former_key(settings):
    settings.SECRET_KEY = FORMER_KEY
    settings.SECRET_KEY_FALLBACKS = []
    return settings


def rotate(settings, *, keep_former: bool) -> None:
    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = [FORMER_KEY] if keep_former else []


def admin_session() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", password=None))
    assert client.get("/admin/").status_code == 200
    return client


def test_a_session_survives_a_rotation_with_the_former_key_as_fallback(under_the_former_key):
    client = admin_session()
    rotate(under_the_former_key, keep_former=True)
    assert client.get("/admin/").status_code == 200
    # The session's auth hash is renewed under the new key: it survives the fallback's
    # removal afterwards.
    rotate(under_the_former_key, keep_former=False)
    assert client.get("/admin/").status_code == 200


def test_a_session_ends_when_the_former_key_is_dropped_unused(under_the_former_key):
    client = admin_session()
    rotate(under_the_former_key, keep_former=False)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")


def test_signed_values_verify_with_the_fallback_and_not_without(under_the_former_key):
    """What Django signs for a browser (a cookie-stored message, the session's data):
    the same signer with the same fallbacks."""
    signed = signing.dumps({"user": "root"}, salt="cqar-rotation-test")
    rotate(under_the_former_key, keep_former=True)
    assert signing.loads(signed, salt="cqar-rotation-test") == {"user": "root"}
    rotate(under_the_former_key, keep_former=False)
    with pytest.raises(signing.BadSignature):
        signing.loads(signed, salt="cqar-rotation-test")


def test_api_tokens_do_not_depend_on_the_secret_key(under_the_former_key):
    client: APIClient = token_client("market-data", VIEWER)
    assert client.get("/api/v1/chains/").status_code == 200
    rotate(under_the_former_key, keep_former=False)
    assert client.get("/api/v1/chains/").status_code == 200

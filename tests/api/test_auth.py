"""Authentication, tokens, service accounts, the public schema pages and throttling."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from chains.models import Chain
from registry.actors import SERVICE_ACCOUNTS_GROUP
from registry.api.throttling import RegistryScopedThrottle
from registry.roles import VIEWER
from tests.api.conftest import assert_error
from tests.factories import ChainFactory

pytestmark = pytest.mark.django_db

CHAINS = "/api/v1/chains/"
TOKENS = "/api/v1/auth/tokens/"
CURRENT = "/api/v1/auth/tokens/current/"
ALL_TOKENS = "/api/v1/auth/tokens/all/"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def person(db):
    user = User.objects.create_user(username="alice", password=PASSWORD)
    user.groups.set(Group.objects.filter(name=VIEWER))
    return user


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def login(username: str = "alice", password: str = PASSWORD):
    return APIClient().post(TOKENS, {"username": username, "password": password}, format="json")


def test_anonymous_api_call_is_401_with_www_authenticate(anonymous):
    """Every API call needs a token: anonymous gets 401 and is told to send a Token."""
    response = anonymous.get(CHAINS)

    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_anonymous_write_is_401_and_writes_nothing(anonymous):
    """An anonymous write is a 401, not a 403, and nothing is stored."""
    response = anonymous.post(
        CHAINS, {"chain_id": "anon", "name": "Anon", "chain_type": "OTHER"}, format="json"
    )

    assert_error(response, 401)
    assert response.has_header("WWW-Authenticate")
    assert not Chain.objects.filter(chain_id="anon").exists()


def test_invalid_token_is_401(db):
    """A token the registry never issued is a 401 with WWW-Authenticate."""
    response = with_token("cqar_" + "0" * 64).get(CHAINS)

    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Token"


def test_expired_token_is_401(person):
    """A token past its expiry no longer authenticates."""
    _, token = AuthToken.objects.create(user=person, expiry=timedelta(seconds=-1))

    assert_error(with_token(token).get(CHAINS), 401)


def test_token_of_a_deactivated_user_is_401(person):
    """Deactivating an account stops its tokens."""
    _, token = AuthToken.objects.create(user=person)
    person.is_active = False
    person.save()

    assert_error(with_token(token).get(CHAINS), 401)


def test_password_login_returns_a_working_token(person):
    """POST /auth/tokens/ with username and password answers 201 and a token that reads."""
    response = login()

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["token"].startswith("cqar_")
    assert body["expiry"] is not None
    assert with_token(body["token"]).get(CHAINS).status_code == 200


def test_login_token_carries_the_users_permissions(person):
    """A token from a viewer's password reads but cannot write (403)."""
    token = login().json()["token"]

    response = with_token(token).post(
        CHAINS, {"chain_id": "nope", "name": "Nope", "chain_type": "OTHER"}, format="json"
    )

    assert_error(response, 403, "permission_denied")


def test_wrong_password_is_401_and_issues_no_token(person):
    """A wrong password is a 401 in the error shape; no token is created."""
    response = login(password="wrong")

    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Token"
    assert not AuthToken.objects.filter(user=person).exists()


def test_unknown_user_is_401(db):
    """An unknown username is the same 401 as a wrong password."""
    assert_error(login(username="nobody"), 401, "authentication_failed")


def test_inactive_user_cannot_log_in(person):
    """A deactivated account cannot trade its password for a token."""
    person.is_active = False
    person.save()

    assert_error(login(), 401)
    assert not AuthToken.objects.filter(user=person).exists()


def test_login_without_password_is_400(person):
    """Missing credentials are invalid input: 400 naming the field."""
    response = APIClient().post(TOKENS, {"username": "alice"}, format="json")

    assert_error(response, 400, "invalid", "password")


def test_revoke_current_token(person):
    """DELETE /auth/tokens/current/ revokes the calling token: the next call is 401."""
    token = login().json()["token"]
    client = with_token(token)
    assert client.get(CHAINS).status_code == 200

    response = client.delete(CURRENT)

    assert response.status_code == 204, response.content
    assert_error(client.get(CHAINS), 401)


def test_revoking_one_token_keeps_the_others(person):
    """Tokens are revoked one by one: another token of the same user still works."""
    first, second = login().json()["token"], login().json()["token"]

    assert with_token(first).delete(CURRENT).status_code == 204

    assert_error(with_token(first).get(CHAINS), 401)
    assert with_token(second).get(CHAINS).status_code == 200


def test_revoke_all_tokens(person):
    """DELETE /auth/tokens/all/ revokes every token of the account."""
    first, second = login().json()["token"], login().json()["token"]

    assert with_token(first).delete(ALL_TOKENS).status_code == 204

    assert_error(with_token(first).get(CHAINS), 401)
    assert_error(with_token(second).get(CHAINS), 401)
    assert not AuthToken.objects.filter(user=person).exists()


def test_revoke_without_a_token_is_401(anonymous):
    """Revoking needs a token to revoke."""
    assert_error(anonymous.delete(CURRENT), 401)


def test_tokens_are_stored_hashed(person):
    """The plaintext token is in no column of knox's table; only its hash is stored."""
    token = login().json()["token"]

    row = AuthToken.objects.get(user=person)
    stored = {
        field.attname: str(getattr(row, field.attname)) for field in AuthToken._meta.concrete_fields
    }
    assert token not in stored.values()
    assert all(token not in value for value in stored.values())
    assert row.digest == hash_token(token)
    assert row.digest != token


def test_create_service_account_prints_a_read_only_token(db):
    """`create_service_account NAME --role viewer` prints a token on stdout that reads
    (200) and gets 403 on writes; the account is a service account."""
    ChainFactory(chain_id="readable")
    out, err = StringIO(), StringIO()

    call_command("create_service_account", "pricing", "--role", "viewer", stdout=out, stderr=err)

    token = out.getvalue().strip()
    assert token.startswith("cqar_")
    assert "\n" not in token
    assert token not in err.getvalue()
    client = with_token(token)
    read = client.get(f"{CHAINS}readable/")
    assert read.status_code == 200, read.content
    write = client.patch(f"{CHAINS}readable/", {"name": "Changed"}, format="json")
    assert_error(write, 403, "permission_denied")
    assert Chain.objects.get(chain_id="readable").name != "Changed"
    account = User.objects.get(username="pricing")
    assert account.groups.filter(name=SERVICE_ACCOUNTS_GROUP).exists()
    assert not account.has_usable_password()


def test_service_account_token_is_stored_hashed(db):
    """The printed service token is not stored in plaintext either."""
    out = StringIO()
    call_command("create_service_account", "hashed", "--role", "viewer", stdout=out, stderr=out)
    token = out.getvalue().strip().splitlines()[-1]

    row = AuthToken.objects.get(user__username="hashed")
    assert row.digest == hash_token(token)
    assert not AuthToken.objects.filter(digest=token).exists()
    assert not AuthToken.objects.filter(token_key=token).exists()


def test_service_account_with_steward_role_can_write(db):
    """A service account with the steward role writes, recorded as that service."""
    out = StringIO()
    call_command(
        "create_service_account", "importer", "--role", "steward", stdout=out, stderr=StringIO()
    )

    response = with_token(out.getvalue().strip()).post(
        CHAINS,
        {"chain_id": "by-service", "name": "By service", "chain_type": "OTHER"},
        format="json",
    )

    assert response.status_code == 201, response.content


def test_schema_is_readable_anonymously(anonymous):
    """/api/schema/ is public: an OpenAPI 3 document listing the API's paths."""
    response = anonymous.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200, response.content[:500]
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/chains/" in schema["paths"]
    assert "/api/v1/quality-flags/{flag_id}/resolve/" in schema["paths"]


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_are_readable_anonymously(anonymous, path):
    """Swagger UI and Redoc are served without a token."""
    response = anonymous.get(path)

    assert response.status_code == 200, response.content[:500]
    assert b"/api/schema/" in response.content


def test_third_read_in_a_minute_is_throttled(viewer, monkeypatch):
    """With read=2/min, the third read is a 429 in the error shape with Retry-After."""
    monkeypatch.setattr(RegistryScopedThrottle, "THROTTLE_RATES", {"read": "2/min"})

    assert viewer.get(CHAINS).status_code == 200
    assert viewer.get(CHAINS).status_code == 200
    response = viewer.get(CHAINS)

    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_read_and_write_scopes_are_limited_separately(steward, monkeypatch):
    """Exhausting the read scope leaves writes allowed; a scope without a rate is unlimited."""
    monkeypatch.setattr(RegistryScopedThrottle, "THROTTLE_RATES", {"read": "1/min"})

    assert steward.get(CHAINS).status_code == 200
    assert_error(steward.get(CHAINS), 429)
    for n in range(3):
        response = steward.post(
            CHAINS, {"chain_id": f"w-{n}", "name": "W", "chain_type": "OTHER"}, format="json"
        )
        assert response.status_code == 201, response.content


def test_throttling_counts_per_account(viewer, steward, monkeypatch):
    """One account using up its rate does not throttle another."""
    monkeypatch.setattr(RegistryScopedThrottle, "THROTTLE_RATES", {"read": "1/min"})

    assert viewer.get(CHAINS).status_code == 200
    assert_error(viewer.get(CHAINS), 429)
    assert steward.get(CHAINS).status_code == 200


def test_login_scope_is_throttled(person, monkeypatch):
    """Password logins have their own scope: with login=1/min the second attempt is 429."""
    monkeypatch.setattr(RegistryScopedThrottle, "THROTTLE_RATES", {"login": "1/min"})

    assert login().status_code == 201
    response = login()

    assert_error(response, 429, "throttled")
    assert response.has_header("Retry-After")
    assert AuthToken.objects.filter(user=person).count() == 1

"""Login limits (registry/logins.py, django-axes): a username that failed too often from
one address is locked out, the right password too, on the admin's form and the API's
token login alike; logged without the password, shown to superusers in the admin, and
unlocked by ``manage.py axes_reset`` or by deleting the lockout in the admin."""

import json
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from registry.api.throttling import RegistryScopedThrottle
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
WRONG = "wrong-password-8c1f"
ADMIN_LOGIN = "/admin/login/"
TOKENS = "/api/v1/auth/tokens/"


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    """A password check costs microseconds here, not PBKDF2's deliberate 0.3 s."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin_user(fast_hashing):
    return User.objects.create_superuser("root", password=PASSWORD)


@pytest.fixture
def no_login_throttle(monkeypatch):
    """The API's per-address login throttle off: the refusals below are the lockout's."""
    rates = {**RegistryScopedThrottle.THROTTLE_RATES, "login": None}
    monkeypatch.setattr(RegistryScopedThrottle, "THROTTLE_RATES", rates)


def admin_login(client: Client, password: str, username: str = "root", **headers):
    return client.post(
        ADMIN_LOGIN + "?next=/admin/", {"username": username, "password": password}, **headers
    )


def api_login(password: str, username: str = "root", **headers):
    return APIClient().post(
        TOKENS, {"username": username, "password": password}, format="json", **headers
    )


def logged_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def test_twenty_wrong_passwords_lock_the_admin_login_even_for_the_right_one(admin_user, json_lines):
    client = Client()
    statuses = [admin_login(client, WRONG).status_code for _ in range(20)]
    response = admin_login(client, PASSWORD)

    assert statuses[:4] == [200] * 4  # the form again, saying the password is wrong
    assert set(statuses[4:]) == {429}  # the fifth failure locks
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "Too many failed logins" in response.content.decode()
    assert not logged_in(client)
    failed = json_lines("login_failed")
    assert len(failed) == 21
    assert failed[0]["username"] == "root" and failed[0]["failures"] == 1
    locked = json_lines("login_locked_out")[0]
    assert locked["level"] == "warning"
    assert locked["username"] == "root"
    assert locked["client_address"] == "127.0.0.1"
    assert locked["path"] == ADMIN_LOGIN
    logged = json.dumps(json_lines())
    assert WRONG not in logged and PASSWORD not in logged


def test_twenty_wrong_passwords_lock_the_api_login(admin_user, no_login_throttle):
    statuses = [api_login(WRONG).status_code for _ in range(20)]
    response = api_login(PASSWORD)

    assert statuses[:4] == [401] * 4
    assert set(statuses[4:]) == {429}
    assert_error(response, 429, "locked_out")
    assert response["Retry-After"] == "900"
    assert not AuthToken.objects.exists()


def test_the_admin_and_the_api_count_the_same_failures(admin_user, no_login_throttle):
    for _ in range(3):
        api_login(WRONG)
    for _ in range(2):
        admin_login(Client(), WRONG)
    assert api_login(PASSWORD).status_code == 429


def test_a_lockout_holds_one_username_from_one_address(admin_user, no_login_throttle):
    """LOGIN_LOCKOUT_BY's default, username+ip_address: an attacker cannot lock a person
    out from elsewhere, nor everyone out of one address."""
    User.objects.create_user("other", password=PASSWORD)
    for _ in range(5):
        api_login(WRONG)
    assert api_login(PASSWORD).status_code == 429
    assert api_login(PASSWORD, username="other").status_code == 201
    assert api_login(PASSWORD, REMOTE_ADDR="192.0.2.10").status_code == 201


def test_a_successful_login_forgets_the_failures_before_it(admin_user, no_login_throttle):
    for _ in range(4):
        api_login(WRONG)
    assert api_login(PASSWORD).status_code == 201
    for _ in range(4):
        api_login(WRONG)
    assert api_login(PASSWORD).status_code == 201


def test_a_forwarded_for_header_does_not_escape_a_lockout(admin_user, no_login_throttle):
    """Without a trusted proxy (TRUSTED_PROXY_COUNT=0) the client's own X-Forwarded-For
    is ignored: a new address per attempt does not start a new count."""
    statuses = [
        api_login(WRONG, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(6)
    ]
    assert statuses[-1] == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(
    admin_user, no_login_throttle, settings
):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxied = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(5):
        api_login(WRONG, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxied)
    assert api_login(PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxied).status_code == 429
    # Another client behind the same proxy is not locked out with it.
    assert api_login(PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.6", **proxied).status_code == 201
    # A header that names no address is not one: the proxy's own address is counted.
    assert api_login(WRONG, HTTP_X_FORWARDED_FOR="<script>", **proxied).status_code == 401
    assert AccessAttempt.objects.filter(ip_address="10.0.0.2").exists()


def test_an_overlong_username_is_counted_not_a_500(admin_user, no_login_throttle):
    name = "u" * 1000
    assert [api_login(WRONG, username=name).status_code for _ in range(5)][-1] == 429
    assert admin_login(Client(), WRONG, username=name).status_code == 429


def test_a_lockout_is_shown_to_a_superuser_in_the_admin(admin_user, no_login_throttle):
    for _ in range(5):
        api_login(WRONG)
    superuser = Client()
    superuser.force_login(admin_user)
    page = superuser.get(reverse("admin:axes_accessattempt_changelist"), {"locked_out": "yes"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "root" in text and "127.0.0.1" in text and "Locked Out" in text


def test_axes_reset_unlocks(admin_user, no_login_throttle):
    for _ in range(5):
        api_login(WRONG)
    call_command("axes_reset_username", "root", stdout=StringIO())
    assert api_login(PASSWORD).status_code == 201
    for _ in range(5):
        api_login(WRONG)
    call_command("axes_reset", stdout=StringIO())
    assert api_login(PASSWORD).status_code == 201


def test_deleting_the_lockout_in_the_admin_unlocks(admin_user, no_login_throttle):
    for _ in range(5):
        api_login(WRONG)
    superuser = Client()
    superuser.force_login(admin_user)
    attempt = AccessAttempt.objects.get()
    response = superuser.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert api_login(PASSWORD).status_code == 201


def test_lockouts_hold_while_redis_is_down(admin_user, no_login_throttle, cache_on_own_redis):
    """The failures are counted in PostgreSQL: a Redis outage neither opens nor breaks
    the lockout."""
    cache_on_own_redis.stop()
    statuses = [api_login(WRONG).status_code for _ in range(5)]
    assert statuses == [401] * 4 + [429]
    assert api_login(PASSWORD).status_code == 429

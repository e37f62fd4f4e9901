"""Production settings (DEBUG off): a real secret key and a database or no start, secure
cookies, HSTS and the HTTPS redirect by default, and nothing for ``check --deploy`` to
report. The start-up itself is run as an operator would run it, in a subprocess; the
settings' decisions are read by executing config/settings.py under a given environment.
"""

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

REPOSITORY = Path(__file__).resolve().parent.parent
SETTINGS = REPOSITORY / "config" / "settings.py"

# The variables the production environment below decides; everything else (PATH, the
# services' URLs) is the test run's own.
DECIDED = {
    "DEBUG",
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "DATABASE_URL",
    "CQAR_EMBEDDED_POSTGRES",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "NATS_URL",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
}

STRONG_KEY = secrets.token_urlsafe(50)

# The suite's services, as the run started (tests below unset some of the variables).
SERVICES = {
    "DATABASE_URL": os.environ["DATABASE_URL"],
    "REDIS_URL": os.environ["REDIS_URL"],
    "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//"),
    "NATS_URL": os.environ.get("NATS_URL", "nats://127.0.0.1:4222"),
}


def production(**variables: str | None) -> dict[str, str]:
    """A production deployment's variables behind a TLS-terminating proxy: the secure
    settings left at their defaults. ``NAME=None`` leaves a variable unset."""
    chosen = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        **SERVICES,
        "ALLOWED_HOSTS": "registry.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://registry.example.com",
        "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        **variables,
    }
    return {name: value for name, value in chosen.items() if value is not None}


def manage(*args: str, **variables: str | None) -> subprocess.CompletedProcess:
    """``manage.py ARGS`` in a process of its own, under production(**variables)."""
    env = {name: value for name, value in os.environ.items() if name not in DECIDED}
    env.update(production(**variables))
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_under(monkeypatch, **variables: str | None) -> dict:
    """The names config/settings.py defines under production(**variables)."""
    environment = production(**variables)
    for name in DECIDED:
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_check_deploy_finds_nothing_under_production_settings():
    """Django's deployment checklist and the registry's own: no warning, nothing logged.
    (HSTS includeSubDomains and preload are silenced on purpose: config/settings.py.)"""
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("System check identified no issues"), result.stdout
    assert result.stderr == ""


def test_start_up_without_a_secret_key_fails_saying_what_to_set():
    result = manage("check", SECRET_KEY=None)
    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith(
        "django.core.exceptions.ImproperlyConfigured: SECRET_KEY is not set. With DEBUG off "
    )
    assert "secrets.token_urlsafe(50)" in last_line
    assert "DEBUG=true" in last_line


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "SECRET_KEY is not set"),
        (
            "insecure-cqar-development-key-do-not-use-in-production",
            "SECRET_KEY is the development key",
        ),
        ("django-insecure-" + secrets.token_urlsafe(50), "starts with 'django-insecure-'"),
        ("correct-horse-battery-staple", "SECRET_KEY has 28 characters, fewer than 50"),
        ("ab" * 40, "made of 2 different characters, fewer than 5"),
    ],
)
def test_a_weak_secret_key_is_refused_with_debug_off(monkeypatch, key, reason):
    with pytest.raises(ImproperlyConfigured, match=reason):
        settings_under(monkeypatch, SECRET_KEY=key)


@pytest.mark.parametrize(
    ("fallbacks", "reason"),
    [
        (STRONG_KEY + ", ,", r"SECRET_KEY_FALLBACKS\[2\] has 1 characters"),
        ("correct-horse-battery-staple", r"SECRET_KEY_FALLBACKS\[1\] has 28 characters"),
        (
            "insecure-cqar-development-key-do-not-use-in-production",
            r"SECRET_KEY_FALLBACKS\[1\] is the development key",
        ),
        ("django-insecure-" + secrets.token_urlsafe(50), "starts with 'django-insecure-'"),
    ],
)
def test_a_weak_fallback_key_is_refused_as_a_weak_secret_key_is(monkeypatch, fallbacks, reason):
    """A fallback verifies sessions as SECRET_KEY does: the same measure of weakness."""
    with pytest.raises(ImproperlyConfigured, match=reason):
        settings_under(monkeypatch, SECRET_KEY_FALLBACKS=fallbacks)


def test_strong_fallback_keys_are_taken_in_order(monkeypatch):
    other = secrets.token_urlsafe(50)
    settings = settings_under(monkeypatch, SECRET_KEY_FALLBACKS=f"{STRONG_KEY},{other}")
    assert settings["SECRET_KEY_FALLBACKS"] == [STRONG_KEY, other]


def test_the_current_key_as_its_own_fallback_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="is SECRET_KEY itself"):
        settings_under(monkeypatch, SECRET_KEY=STRONG_KEY, SECRET_KEY_FALLBACKS=STRONG_KEY)


def test_debug_keeps_the_development_fallbacks(monkeypatch):
    """make run: a development key, plain HTTP, no HSTS, the embedded PostgreSQL allowed."""
    settings = settings_under(
        monkeypatch, DEBUG="true", SECRET_KEY=None, SECURE_PROXY_SSL_HEADER=None
    )
    assert settings["SECRET_KEY"] == settings["DEVELOPMENT_SECRET_KEY"]
    assert settings["EMBEDDED_POSTGRES"] is True
    assert settings["SECURE_SSL_REDIRECT"] is False
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert settings["CSRF_COOKIE_SECURE"] is False
    assert settings["SECURE_HSTS_SECONDS"] == 0


def test_without_a_database_url_production_does_not_start_an_embedded_postgresql(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL is not set") as refused:
        settings_under(monkeypatch, DATABASE_URL=None)
    assert "CQAR_EMBEDDED_POSTGRES=true" in str(refused.value)
    # Nor with DEBUG on when the embedded one is turned off explicitly.
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL is not set"):
        settings_under(monkeypatch, DEBUG="true", DATABASE_URL=None, CQAR_EMBEDDED_POSTGRES="false")


def test_the_embedded_postgresql_without_pgserver_says_how_to_install_it(monkeypatch, tmp_path):
    """An image has no pgserver (the `embedded` extra); opting in there says what to do.
    (None in sys.modules is how Python makes an import fail: the package stays installed
    for the rest of the suite.)"""
    monkeypatch.setitem(sys.modules, "pgserver", None)
    monkeypatch.setenv("CQAR_VAR_DIR", str(tmp_path))
    with pytest.raises(ImproperlyConfigured, match=r"pip install cqar\[embedded\]") as refused:
        settings_under(monkeypatch, DATABASE_URL=None, CQAR_EMBEDDED_POSTGRES="true")
    assert "or set DATABASE_URL" in str(refused.value)
    assert not (tmp_path / "pgdata").exists()


def test_cookies_hsts_and_the_https_redirect_are_secure_by_default(monkeypatch):
    settings = settings_under(monkeypatch)
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["CSRF_COOKIE_SECURE"] is True
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert settings["SECURE_HSTS_PRELOAD"] is False
    assert settings["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert settings["CSRF_TRUSTED_ORIGINS"] == ["https://registry.example.com"]


def test_a_plain_http_deployment_turns_them_off_explicitly(monkeypatch):
    settings = settings_under(
        monkeypatch,
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        SECURE_PROXY_SSL_HEADER=None,
    )
    assert not settings["SESSION_COOKIE_SECURE"]
    assert not settings["CSRF_COOKIE_SECURE"]
    assert not settings["SECURE_SSL_REDIRECT"]
    assert settings["SECURE_HSTS_SECONDS"] == 0
    assert settings["SECURE_PROXY_SSL_HEADER"] is None


@pytest.mark.parametrize("header", ["X-Forwarded-Proto: https", "HTTP_X_FORWARDED_PROTO", "-"])
def test_a_proxy_ssl_header_that_is_no_header_name_is_refused(monkeypatch, header):
    with pytest.raises(ImproperlyConfigured, match="SECURE_PROXY_SSL_HEADER is"):
        settings_under(monkeypatch, SECURE_PROXY_SSL_HEADER=header)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/livez", "/readyz", "/healthz", "/metrics"])
def test_probes_and_scrapes_over_plain_http_are_not_redirected(settings, path):
    """Inside a cluster the kubelet and Prometheus reach a pod over plain HTTP."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = Client().get(path)
    assert response.status_code != 301, response.get("Location")


@pytest.mark.django_db
def test_pages_over_plain_http_are_redirected_unless_the_proxy_says_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = Client().get("/admin/login/")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/admin/login/"
    behind_proxy = Client().get("/admin/login/", headers={"X-Forwarded-Proto": "https"})
    assert behind_proxy.status_code == 200
    assert behind_proxy.cookies["csrftoken"]["secure"] is True
    assert "max-age=31536000" in behind_proxy["Strict-Transport-Security"]

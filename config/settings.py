"""Settings of CQAR: one module, driven by environment variables.

Every variable, its default and its meaning is listed in README.md ("Configuration").
With ``DEBUG`` off (production, the default) the registry refuses to start without a
real ``SECRET_KEY`` and a ``DATABASE_URL``, and its cookies, HSTS and HTTPS redirect are
secure unless a variable says otherwise. With ``DEBUG`` on (``make run``) a development
key and an embedded PostgreSQL stand in. The optional services fall back either way: the
local-memory cache and eager Celery, reported at start (registry/checks.py).
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)

from config import structured_logging

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

# --- Secret key -------------------------------------------------------------------
# The key DEBUG (make run) falls back to. With DEBUG off it is refused like any weak key.
DEVELOPMENT_SECRET_KEY = "insecure-cqar-development-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default="") or (DEVELOPMENT_SECRET_KEY if DEBUG else "")
# Keys that signed what is still in use (sessions, password-reset links) after a rotation.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])


def _weak_secret_key(key: str, name: str = "SECRET_KEY") -> str:
    """Why ``key`` is no real secret key ("" if it is one): Django's measure of a weak key
    (its security.W009 check), and the development key. ``name``: the variable it came
    from, for the message."""
    if not key:
        return f"{name} is not set"
    if key == DEVELOPMENT_SECRET_KEY:
        return f"{name} is the development key, which is public"
    if key.startswith(SECRET_KEY_INSECURE_PREFIX):
        return f"{name} starts with '{SECRET_KEY_INSECURE_PREFIX}' (a generated placeholder)"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"{name} has {len(key)} characters, fewer than {SECRET_KEY_MIN_LENGTH}"
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return (
            f"{name} is made of {len(set(key))} different characters, fewer than "
            f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS}"
        )
    return ""


if not DEBUG and (weakness := _weak_secret_key(SECRET_KEY)):
    raise environ.ImproperlyConfigured(
        f"{weakness}. With DEBUG off the registry does not start without a secret key of its "
        "own: Django signs sessions, CSRF tokens and password-reset links with it. Set "
        f"SECRET_KEY to a random value of at least {SECRET_KEY_MIN_LENGTH} characters, e.g. "
        "the output of `python -c 'import secrets; print(secrets.token_urlsafe(50))'`, the "
        "same in every process of a deployment (web, worker, beat), and keep it secret; for "
        "local development set DEBUG=true instead, which uses a development key."
    )
# A fallback key verifies what it signed as SECRET_KEY does: a weak one (a blank between
# two commas, a placeholder) would let anyone sign a session the registry accepts.
for _position, _fallback in enumerate(SECRET_KEY_FALLBACKS, start=1):
    if not DEBUG and (
        weakness := _weak_secret_key(_fallback, f"SECRET_KEY_FALLBACKS[{_position}]")
    ):
        raise environ.ImproperlyConfigured(
            f"{weakness}. Every key in SECRET_KEY_FALLBACKS still verifies sessions and "
            "signed values, so each must be as strong as SECRET_KEY: list only the former "
            "SECRET_KEY values being rotated out, comma-separated, without empty entries "
            "(docs/RUNBOOK.md, 'Rotate the secret key')."
        )
    if _fallback == SECRET_KEY:
        raise environ.ImproperlyConfigured(
            f"SECRET_KEY_FALLBACKS[{_position}] is SECRET_KEY itself: a rotation puts the "
            "new key in SECRET_KEY and the former one in SECRET_KEY_FALLBACKS."
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- HTTPS ------------------------------------------------------------------------
# Secure by default with DEBUG off: cookies only over HTTPS, plain HTTP redirected to
# HTTPS, browsers told to use nothing else (HSTS). A deployment without TLS sets these
# variables to false explicitly (README, "Running in production").
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Probes and scrapes reach a pod over plain HTTP from inside the cluster: answered, not
# redirected to an HTTPS the pod does not speak.
SECURE_REDIRECT_EXEMPT = [r"^(livez|readyz|healthz|metrics)$"]
# A year, what the browsers' preload list asks for. Sent only in answers over HTTPS.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)


def _proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """'X-Forwarded-Proto' -> ('HTTP_X_FORWARDED_PROTO', 'https'): the header by which a
    proxy that terminates TLS says a request came over HTTPS."""
    if not name:
        return None
    if not re.fullmatch(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*", name):
        raise environ.ImproperlyConfigured(
            f"SECURE_PROXY_SSL_HEADER is {name!r}: it must name the header your proxy sets "
            "to 'https' on a request that came over HTTPS, as the proxy sends it (e.g. "
            "X-Forwarded-Proto), or be unset when no proxy terminates TLS."
        )
    return f"HTTP_{name.upper().replace('-', '_')}", "https"


# Trusted only from a proxy that sets (or strips) the header on every request: a client
# that reaches the registry directly could send it to pass plain HTTP off as HTTPS.
SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(env.str("SECURE_PROXY_SSL_HEADER", default=""))
SILENCED_SYSTEM_CHECKS = [
    # HSTS's includeSubDomains and preload reach beyond the registry's own host name (to
    # every subdomain, into the browsers' built-in list): the domain's owner opts in with
    # SECURE_HSTS_INCLUDE_SUBDOMAINS and SECURE_HSTS_PRELOAD, check --deploy does not nag.
    "security.W005",
    "security.W021",
]
# Under /api/ a refused CSRF check answers the API's error shape, not an HTML page.
CSRF_FAILURE_VIEW = "registry.api.exceptions.csrf_failure"
VAR_DIR = Path(env.str("CQAR_VAR_DIR", default=str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "dalf",  # searchable admin list filters over large related sets (registry/admin_filters.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc as static files: the docs work offline
    "pgtrigger",  # the triggers django-pghistory records history with
    "pghistory",
    "django_structlog",  # the request id in Celery tasks' log lines (DJANGO_STRUCTLOG_*)
    "axes",  # locks out repeated failed logins (LOGIN_* below, registry/logins.py)
    # Ours, in dependency order: registry is the shared core, then each app builds on
    # the ones before it. Named by their configs: registry.apps holds the core's and the
    # base of the others (EntityAppConfig), so Django cannot pick one by itself.
    "registry.apps.RegistryConfig",
    "chains.apps.ChainsConfig",
    "assets.apps.AssetsConfig",
    "venues.apps.VenuesConfig",
    "quality.apps.QualityConfig",
    "markets.apps.MarketsConfig",
]

# The model of a chain's native asset (chains.Chain.native_asset). chains sits below the
# app that owns assets, so it names the model through a setting, as django.contrib.admin
# names the user model (AUTH_USER_MODEL).
CHAINS_NATIVE_ASSET_MODEL = "assets.Asset"

MIDDLEWARE = [
    # First: every response, whatever answers it, carries the request id, and one log
    # line per request says how it went.
    "registry.requestlog.RequestLogMiddleware",
    # Then the time of the rest of Django, by route (registry/metrics.py).
    "registry.metrics.RequestMetricsMiddleware",
    # /livez, /readyz, /healthz, /metrics before the host check and the HTTPS redirect.
    "registry.health.OperatorEndpointsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "registry.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "registry.api.middleware.APIErrorMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "registry.actors.ChangeContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: answers a login django-axes locked out (registry.logins.lockout_response).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# After a login whose ``next`` is missing or points off-site: the admin, not Django's
# /accounts/profile/ (which this site does not have).
LOGIN_REDIRECT_URL = "admin:index"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------
# Without DATABASE_URL, a private PostgreSQL under VAR_DIR (config/embedded_postgres.py):
# the quick start's, never a production process's by accident.
EMBEDDED_POSTGRES = env.bool("CQAR_EMBEDDED_POSTGRES", default=DEBUG)
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
elif EMBEDDED_POSTGRES:
    from config.embedded_postgres import embedded_database

    DATABASES = {"default": embedded_database(VAR_DIR)}
else:
    raise environ.ImproperlyConfigured(
        "DATABASE_URL is not set. With DEBUG off the registry does not start an embedded "
        "PostgreSQL inside a process by itself: every process of a deployment must use the "
        "same server. Set DATABASE_URL to your PostgreSQL (postgres://user:password@host:"
        "port/name); for a local try-out set CQAR_EMBEDDED_POSTGRES=true (or DEBUG=true, "
        "as make run does) to start the embedded one under CQAR_VAR_DIR."
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# TCP keepalives: a host that vanishes (and the event publisher's advisory lock its
# session holds) is noticed in about a minute, not after the kernel's two hours.
DATABASES["default"].setdefault("OPTIONS", {}).update(
    keepalives=1, keepalives_idle=30, keepalives_interval=10, keepalives_count=3
)
# A database that accepts the connection and never answers costs a request this long,
# then a 503, instead of hanging it until gunicorn kills the worker (libpq's minimum is
# 2 s). A connect_timeout in DATABASE_URL's query string wins.
DATABASES["default"]["OPTIONS"].setdefault(
    "connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5)
)
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise environ.ImproperlyConfigured(
        "DATABASE_URL must point at PostgreSQL (postgres://...): the registry's "
        "constraints and indexes are PostgreSQL features."
    )

# Streaming replicas of DATABASE_URL: the API's list and detail reads and the hot cache's
# misses may go to them (registry/replicas.py, docs/SCALING-postgres.md).
DATABASE_REPLICA_URLS = env.list("DATABASE_REPLICA_URLS", default=[])
DATABASE_REPLICA_ALIASES = [f"replica_{index}" for index in range(len(DATABASE_REPLICA_URLS))]
for alias, url in zip(DATABASE_REPLICA_ALIASES, DATABASE_REPLICA_URLS, strict=True):
    replica = environ.Env.db_url_config(url)
    if not replica["ENGINE"].endswith("postgresql"):
        raise environ.ImproperlyConfigured(
            f"DATABASE_REPLICA_URLS: the URL of {alias} is not a postgres:// URL; replicas "
            "are PostgreSQL streaming replicas of DATABASE_URL."
        )
    replica["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    replica["CONN_HEALTH_CHECKS"] = True
    # The primary's keepalives; and a replica that does not answer costs a request at
    # most 2 s (libpq's minimum connect timeout), once per DATABASE_REPLICA_RETRY_SECONDS.
    keepalives = {
        name: value
        for name, value in DATABASES["default"]["OPTIONS"].items()
        if name.startswith("keepalives")
    }
    replica["OPTIONS"] = {**keepalives, "connect_timeout": 2, **replica.get("OPTIONS", {})}
    # Tests create no database of their own for it: it shows the test database.
    replica["TEST"] = {"MIRROR": "default"}
    DATABASES[alias] = replica
# A replica lagging more than this is skipped; each process checks a replica at most
# every CHECK seconds, and leaves one that failed alone for RETRY seconds.
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=5.0)
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=1.0)
DATABASE_REPLICA_RETRY_SECONDS = env.float("DATABASE_REPLICA_RETRY_SECONDS", default=5.0)
if DATABASE_REPLICA_ALIASES:
    DATABASE_ROUTERS = ["registry.replicas.ReplicaRouter"]
    MIDDLEWARE.append("registry.replicas.ReplicaRoutingMiddleware")

# The pool_mode of a PgBouncer between this process and PostgreSQL, if any: "session",
# or "transaction", where consecutive transactions may run on different server
# connections (docs/SCALING-postgres.md). Celery workers refuse "transaction": the
# outbox publisher holds a session lock.
DATABASE_POOL_MODE = env.str("DATABASE_POOL_MODE", default="")
if DATABASE_POOL_MODE not in ("", "session", "transaction"):
    raise environ.ImproperlyConfigured(
        f"DATABASE_POOL_MODE is {DATABASE_POOL_MODE!r}: use 'session' or 'transaction' (the "
        "pool_mode of the PgBouncer DATABASE_URL points at), or leave it unset."
    )
if DATABASE_POOL_MODE == "transaction":
    for database in DATABASES.values():
        # Named cursors (.iterator()) and prepared statements live in one server session,
        # which transaction pooling does not keep between transactions. (Django already
        # leaves psycopg's prepare_threshold at None; no DATABASE_URL option may undo it.)
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
        database["OPTIONS"]["prepare_threshold"] = None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------
# A plain Redis, or a master that Redis Sentinel fails over (redis+sentinel://…, the form
# in config/redis_url.py and README "Configuration").
REDIS_URL = env.str("REDIS_URL", default="")
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.25)
if REDIS_URL:
    from config.redis_url import redis_cache_connection

    _redis_location, _redis_connection_options = redis_cache_connection(
        REDIS_URL, REDIS_SOCKET_TIMEOUT
    )
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": _redis_location,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="cqar"),
            "OPTIONS": {
                # JSON rather than pickle: other services may read these keys, and a
                # poisoned cache must not be able to execute code.
                "SERIALIZER": "django_redis.serializers.json.JSONSerializer",
                # A slow or dead Redis must degrade lookups, not hang them.
                "SOCKET_CONNECT_TIMEOUT": REDIS_SOCKET_TIMEOUT,
                "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
                **_redis_connection_options,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Seconds a process leaves Redis alone after a failure before trying it again.
CACHE_RETRY_SECONDS = env.float("CACHE_RETRY_SECONDS", default=5.0)
# Seconds a process serves from Redis before checking PostgreSQL for invalidations that
# writes could not make; also the longest a write that cannot reach Redis waits.
CACHE_LEASE_SECONDS = env.float("CACHE_LEASE_SECONDS", default=2.0)
if CACHE_LEASE_SECONDS <= REDIS_SOCKET_TIMEOUT:
    raise environ.ImproperlyConfigured(
        "CACHE_LEASE_SECONDS must be longer than REDIS_SOCKET_TIMEOUT: a lease covers the "
        "reads that start before it ends and take up to the socket timeout."
    )
# Rows the admin's export actions stream at most: more would outlast GUNICORN_TIMEOUT
# (assets: about 1,000 rows/s on the 2-core reference machine, 300 before an N+1 went);
# `manage.py export` has no limit.
ADMIN_EXPORT_MAX_ROWS = env.int("ADMIN_EXPORT_MAX_ROWS", default=10_000)
# Seconds a batch of hot lookups (POST resolve/batch/) may spend reading PostgreSQL: the
# items not looked up by then answer "retry" (docs/API.md). Well under GUNICORN_TIMEOUT.
RESOLVE_BATCH_SECONDS = env.float("RESOLVE_BATCH_SECONDS", default=5.0)
# Seconds a hot-path token check is remembered (revocation is immediate regardless).
HOT_AUTH_CACHE_SECONDS = env.int("HOT_AUTH_CACHE_SECONDS", default=60)
# Serve /bench/floor, the benchmark's constant-bytes view (make bench sets it).
BENCH_FLOOR = env.bool("BENCH_FLOOR", default=False)

# --- Celery -----------------------------------------------------------------------
# Without a broker, tasks run inline in the process that schedules them.
CELERY_TASK_ALWAYS_EAGER = not env.str("CELERY_BROKER_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A task whose worker died is handed to another worker, never dropped.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="cqar")
# An unreachable broker must not hold up the write that scheduled a task: the outbox
# sweep publishes what the task would have.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
CELERY_TASK_PUBLISH_RETRY = False
# ... nor does kombu's own connect retry (one more attempt 2 s later): a refused broker
# costs that write CELERY_BROKER_CONNECTION_TIMEOUT at most. A worker still retries its
# own connection at startup and after losing it (broker_connection_retry*).
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 0}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
OUTBOX_SWEEP_SECONDS = env.float("OUTBOX_SWEEP_SECONDS", default=10.0)
CELERY_BEAT_SCHEDULE = {
    "publish-outbox": {
        "task": "registry.tasks.sweep_outbox",
        "schedule": OUTBOX_SWEEP_SECONDS,
    },
    "replay-cache-invalidations": {
        "task": "registry.tasks.replay_cache_invalidations",
        "schedule": CACHE_RETRY_SECONDS,
    },
    "sweep-import-jobs": {
        "task": "registry.tasks.sweep_import_jobs",
        "schedule": env.float("IMPORT_JOB_SWEEP_SECONDS", default=600.0),
    },
    # An expired future's or option's market is delisted at its expiry.
    "delist-expired-markets": {
        "task": "markets.tasks.delist_expired",
        "schedule": env.float("MARKET_EXPIRY_SWEEP_SECONDS", default=60.0),
    },
}

# --- Events -----------------------------------------------------------------------
# Writes outside a request (shell, commands) are attributed to this actor unless
# wrapped in registry.actors.acting_as(...).
CQAR_DEFAULT_ACTOR = env.str("CQAR_DEFAULT_ACTOR", default="service:cqar")
# Change history (registry/history.py): the context's actor and source, resolved per write.
PGHISTORY_JSON_ENCODER = "registry.history.HistoryContextEncoder"
# The time of each change, not of its transaction: an import's changes keep their order.
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"
NATS_URL = env.str("NATS_URL", default="")
if NATS_URL and CELERY_TASK_ALWAYS_EAGER:
    raise environ.ImproperlyConfigured(
        "NATS_URL is set but CELERY_BROKER_URL is not: events are published by a Celery "
        "worker, never inside a web request. Set CELERY_BROKER_URL (RabbitMQ), or unset "
        "NATS_URL to keep events in the outbox and the feed."
    )
EVENTS_STREAM = env.str("EVENTS_STREAM", default="CQC_EVENTS")
# The contract's events (AssetCreated …) go on <EVENTS_SUBJECT_PREFIX>.<event_type>, the
# registry's own (asset_updated …) on <EVENTS_CQAR_SUBJECT_PREFIX>.<event_type>: a subject
# named after a CQC event carries exactly that event's message (docs/EVENTS.md).
EVENTS_SUBJECT_PREFIX = env.str("EVENTS_SUBJECT_PREFIX", default="cqc.events.v1")
EVENTS_CQAR_SUBJECT_PREFIX = env.str("EVENTS_CQAR_SUBJECT_PREFIX", default="cqar.events.v1")
if f"{EVENTS_SUBJECT_PREFIX}.".startswith(f"{EVENTS_CQAR_SUBJECT_PREFIX}.") or (
    f"{EVENTS_CQAR_SUBJECT_PREFIX}.".startswith(f"{EVENTS_SUBJECT_PREFIX}.")
):
    raise environ.ImproperlyConfigured(
        "EVENTS_SUBJECT_PREFIX and EVENTS_CQAR_SUBJECT_PREFIX must not overlap: a consumer "
        "of the contract's subjects would receive the registry's own messages."
    )
# "protobuf" (the platform contracts) or "json" (their proto3 JSON mapping).
EVENTS_ENCODING = env.str("EVENTS_ENCODING", default="protobuf")
# JetStream drops a repeated Nats-Msg-Id seen within this window. It must outlast the
# longest time an event can wait between a publish whose ack was lost and its retry
# (EVENTS_RETRY_MAX_SECONDS, plus a worker outage), so it is a day, not the default 2 min.
EVENTS_DUPLICATE_WINDOW_SECONDS = env.int("EVENTS_DUPLICATE_WINDOW_SECONDS", default=86400)
EVENTS_STREAM_MAX_AGE_DAYS = env.int("EVENTS_STREAM_MAX_AGE_DAYS", default=30)
EVENTS_PUBLISH_TIMEOUT_SECONDS = env.float("EVENTS_PUBLISH_TIMEOUT_SECONDS", default=5.0)
EVENTS_PUBLISH_BATCH = env.int("EVENTS_PUBLISH_BATCH", default=500)
# Retries back off 1 s, 2 s, 4 s … up to this; after EVENTS_FAILED_AFTER_ATTEMPTS an
# event is marked failed (and alarms in /metrics) but is still retried at that pace.
EVENTS_RETRY_MAX_SECONDS = env.int("EVENTS_RETRY_MAX_SECONDS", default=300)
EVENTS_FAILED_AFTER_ATTEMPTS = env.int("EVENTS_FAILED_AFTER_ATTEMPTS", default=10)
# The sweep publishes what no post-commit task did after this long.
EVENTS_SWEEP_AFTER_SECONDS = env.float("EVENTS_SWEEP_AFTER_SECONDS", default=5.0)
EVENTS_RETENTION_DAYS = env.int("EVENTS_RETENTION_DAYS", default=30)


# --- Health and metrics (registry/health.py, registry/metrics.py) -------------------
# /metrics answers only "Authorization: Bearer <METRICS_TOKEN>"; unset, it is refused
# unless DEBUG is on.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Off: no request or cache-lookup counters on the hot path (to measure what they cost).
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=True)
# /readyz is "degraded" while the oldest unpublished event is older than this.
READINESS_OUTBOX_LAG_SECONDS = env.float("READINESS_OUTBOX_LAG_SECONDS", default=300.0)


# --- gRPC (registry/grpc/, manage.py grpcserver, docs/GRPC.md) --------------------------
GRPC_BIND = env.str("GRPC_BIND", default="127.0.0.1:9090")
# Calls served at once; one more waits for a thread. Each holds a database connection.
# Threads of one Python process share one core: more than a few only trade the GIL back
# and forth (16 callers of a cached lookup: 2,078 calls/s with 16 threads, 2,634 with 8,
# 3,434 with 4; docs/PERFORMANCE.md). More throughput comes from more processes.
GRPC_MAX_WORKERS = env.int("GRPC_MAX_WORKERS", default=4)
# Calls received beyond the GRPC_MAX_WORKERS being served wait for a thread, up to this
# many; more are refused at once (RESOURCE_EXHAUSTED, reason server_busy), never queued.
GRPC_MAX_WAITING = env.int("GRPC_MAX_WAITING", default=32)
# How long a call's request message (and a reflection stream's next one) may take to
# arrive once the call began; a caller slower than that is cancelled, so no caller holds
# a thread by sending nothing.
GRPC_RECEIVE_SECONDS = env.float("GRPC_RECEIVE_SECONDS", default=10.0)
# Reflection (grpcurl, Postman list the methods without a .proto): on in development
# (DEBUG; make run), off otherwise unless asked for. Two streams at a time, on threads of
# their own, each for at most GRPC_REFLECTION_STREAM_SECONDS.
GRPC_REFLECTION = env.bool("GRPC_REFLECTION", default=DEBUG)
GRPC_REFLECTION_STREAM_SECONDS = env.float("GRPC_REFLECTION_STREAM_SECONDS", default=60.0)
# A second, plaintext port that serves the health service alone, for the kubelet's
# probes ("" for none): no caller of the service's port can keep it from answering, and
# the kubelet's grpc probe speaks no TLS.
GRPC_HEALTH_BIND = env.str("GRPC_HEALTH_BIND", default="")
# Requests and answers larger than this are refused (RESOURCE_EXHAUSTED).
GRPC_MAX_MESSAGE_BYTES = env.int("GRPC_MAX_MESSAGE_BYTES", default=4 * 1024 * 1024)
# SIGTERM: new calls are refused at once, calls in flight get this long to finish.
GRPC_SHUTDOWN_GRACE_SECONDS = env.float("GRPC_SHUTDOWN_GRACE_SECONDS", default=25.0)
# Both set: TLS (PEM files); neither: plaintext, for a mesh or a proxy that terminates TLS.
GRPC_TLS_CERT_FILE = env.str("GRPC_TLS_CERT_FILE", default="")
GRPC_TLS_KEY_FILE = env.str("GRPC_TLS_KEY_FILE", default="")
# The health service is SERVING while the database answered its last check.
GRPC_HEALTH_CHECK_SECONDS = env.float("GRPC_HEALTH_CHECK_SECONDS", default=5.0)
# Where the server's /metrics listens ("" for none); same METRICS_TOKEN rule as the web's.
GRPC_METRICS_BIND = env.str("GRPC_METRICS_BIND", default="")


# --- Imports ----------------------------------------------------------------------
# Whose word wins when an import meets a field set before (assets.provenance), strongest
# first: a person, then a CSV a steward prepared, then the published lists. An import
# replaces a field only when the field's source ranks no higher than its own.
IMPORT_SOURCE_PRECEDENCE = env.list(
    "IMPORT_SOURCE_PRECEDENCE",
    default=["manual", "import:csv", "import:tokenlist", "import:markets", "import:chains"],
)
# The admin's import jobs (registry/exchange/jobs.py): an uploaded file waits in the
# default storage this long for its preview to be confirmed; the sweep deletes it after.
IMPORT_JOB_TTL_HOURS = env.float("IMPORT_JOB_TTL_HOURS", default=24.0)
# A job's progress is written to its row every this many rows (about a second of writing).
IMPORT_JOB_PROGRESS_ROWS = env.int("IMPORT_JOB_PROGRESS_ROWS", default=100)
# A preview or import running longer is stopped (nothing written) and the job failed.
IMPORT_JOB_TIME_LIMIT_SECONDS = env.int("IMPORT_JOB_TIME_LIMIT_SECONDS", default=3600)
# Finished jobs (what they did, not their files) are kept this long, then swept.
IMPORT_JOB_RETENTION_DAYS = env.int("IMPORT_JOB_RETENTION_DAYS", default=30)


# --- API --------------------------------------------------------------------------
# Request sizes (docs/API.md, "Limits"): a body over this many bytes is a 413, more
# parameters or form fields than this a 400, both in the API's error shape. Django's
# defaults, stated: a batch of 1,000 lookups is about 100 kB. gunicorn bounds the request
# line and the headers (config/gunicorn.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000


def _throttle_rates(spec: str) -> dict[str, str | None]:
    """'read=6000/min,write=600/min' -> {'read': '6000/min', 'write': '600/min'}. The hot
    lookups' own scope, resolve, counts lookups (registry/api/throttling.py)."""
    rates: dict[str, str | None] = {
        "read": None,
        "write": None,
        "login": "20/min",
        "resolve": None,
    }
    for item in filter(None, (part.strip() for part in spec.split(","))):
        scope, _, rate = item.partition("=")
        rates[scope.strip()] = rate.strip() or None
    return rates


# --- Client addresses and login limits -------------------------------------------
# How many proxies in front of the registry append to X-Forwarded-For: the client's
# address is the one that many from the right. 0 (the default): the header is ignored
# and the address is the TCP peer's (REMOTE_ADDR): a client cannot pick its own. The
# rate limits (REST_FRAMEWORK NUM_PROXIES) and the login lockouts read it alike
# (registry/logins.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise environ.ImproperlyConfigured(
        f"TRUSTED_PROXY_COUNT is {TRUSTED_PROXY_COUNT}: the number of proxies in front of "
        "the registry that append the client's address to X-Forwarded-For (0 for none)."
    )


def _lockout_parameters(spec: list[str]) -> list[list[str]]:
    """['username+ip_address', 'ip_address'] -> [['username', 'ip_address'], ['ip_address']]:
    a login is locked out when any one of these combinations failed too often."""
    known = {"username", "ip_address", "user_agent"}
    combinations = [[part.strip() for part in item.split("+")] for item in spec if item.strip()]
    if not combinations or any(not set(c) <= known for c in combinations):
        raise environ.ImproperlyConfigured(
            f"LOGIN_LOCKOUT_BY is {','.join(spec)!r}: a comma-separated list of what a "
            "lockout counts failures by, each one of username, ip_address and user_agent or "
            "several joined by '+' (e.g. 'username+ip_address', or 'username,ip_address' to "
            "lock an account and an address each on its own)."
        )
    return combinations


# Logins (the admin's form, POST /api/v1/auth/tokens/) that failed this many times for
# one username from one address are refused for LOGIN_COOLOFF_MINUTES, the right
# password too (django-axes, whose records live in PostgreSQL: a Redis outage neither
# opens nor breaks them). docs/RUNBOOK.md says how to unlock one.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_COOLOFF_MINUTES = env.float("LOGIN_COOLOFF_MINUTES", default=15.0)
LOGIN_LOCKOUT_BY = env.list("LOGIN_LOCKOUT_BY", default=["username+ip_address"])
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = _lockout_parameters(LOGIN_LOCKOUT_BY)
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_CLIENT_IP_CALLABLE = "registry.logins.client_address"
AXES_LOCKOUT_CALLABLE = "registry.logins.lockout_response"
AXES_USERNAME_CALLABLE = "registry.logins.login_username"
# A login that succeeds forgets the failures before it (of its username and address).
AXES_RESET_ON_SUCCESS = True
# The registry logs each failure and lockout as one structured line (registry/logins.py).
AXES_VERBOSE = False

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "registry.api.authentication.RegistryTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["registry.api.permissions.RegistryModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # The API speaks JSON; form encodings would only add ways to send the same data.
    "DEFAULT_PARSER_CLASSES": ["registry.api.parsers.RegistryJSONParser"],
    # ... and answers JSON: no browsable HTML pages beside the documented answers.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "registry.api.negotiation.RegistryContentNegotiation",
    "DEFAULT_PAGINATION_CLASS": "registry.api.pagination.KeysetPagination",
    "DEFAULT_THROTTLE_CLASSES": ["registry.api.throttling.RegistryScopedThrottle"],
    "DEFAULT_THROTTLE_RATES": _throttle_rates(env.str("API_THROTTLE_RATES", default="")),
    "EXCEPTION_HANDLER": "registry.api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
REST_KNOX = {
    "TOKEN_PREFIX": "cqar_",
    "TOKEN_TTL": timedelta(hours=env.float("API_TOKEN_TTL_HOURS", default=10)),
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CQAR API",
    "DESCRIPTION": (
        "The Crypto Quant Asset Registry: canonical assets, their deployments on chains, "
        "the venue tickers that mean them, their variants and their quality flags.\n\n"
        "Authenticate with `Authorization: Bearer <token>` or `Authorization: Token <token>` "
        "(POST /api/v1/auth/tokens/, or `manage.py create_service_account`). Lists are "
        "paginated by `page_size` and the opaque `page_token`; every error has the shape "
        '`{"error": {"code", "message", "fields"}}`; a query parameter an operation does '
        "not list is refused with a 400 naming it; a GET of one object returns its `ETag`, "
        "and `If-Match` makes a write conditional."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # The hot lookups' answers first, so that the enum hook shares their enums.
    "POSTPROCESSING_HOOKS": [
        "registry.api.schema.describe_resolve_lookups",
        "drf_spectacular.hooks.postprocess_schema_enums",
        "registry.api.schema.add_shared_responses",
    ],
    # The registry's base viewsets document the code, not the endpoints built on them.
    "GET_LIB_DOC_EXCLUDES": "registry.api.viewsets.documentation_excludes",
    # One name per choice set, whatever the field is called (min_severity,
    # relationship_types).
    "ENUM_NAME_OVERRIDES": {
        "SeverityEnum": "quality.choices.Severity",
        "RelationshipTypeEnum": "assets.choices.RelationshipType",
        # The venue-ticker API named it first; instruments share the one enum.
        "MarketTypeEnum": "markets.choices.InstrumentType",
        # The event feed named it first; a market's status is MarketStatusEnum.
        "StatusEnum": "registry.models.OutboxEvent.Status",
        "MarketStatusEnum": "markets.choices.MarketStatus",
    },
    # Swagger UI and Redoc from our own static files (drf-spectacular-sidecar), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge from the public swagger.io validator.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # System fonts: Redoc's own (Montserrat, Roboto) would come from Google Fonts.
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": "system-ui, sans-serif",
                "headings": {"fontFamily": "system-ui, sans-serif"},
            }
        }
    },
}

# --- Auth, i18n, static -----------------------------------------------------------
# django-axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Only `collectstatic` (production) needs a root; the quick start serves from the apps.
STATIC_ROOT = env.str("STATIC_ROOT", default="") or None
# Uploaded files (the admin's import jobs) go to the default storage. Web and worker
# processes must share it: with more than one host, MEDIA_ROOT on a shared volume, or an
# object store (django-storages' S3Storage as the default backend; docs/IMPORT.md).
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve app static files straight from the apps, so no collectstatic step is needed
# before the first run.
WHITENOISE_USE_FINDERS = True

# --- Logs and error reports -------------------------------------------------------
# One JSON object a line (LOG_FORMAT=json, the default unless DEBUG) or readable lines
# (console); every line carries the request id (config/structured_logging.py,
# registry/requestlog.py).
try:
    LOG_FORMAT = structured_logging.log_format(env.str("LOG_FORMAT", default=""), DEBUG)
    LOG_LEVEL = structured_logging.log_level(env.str("LOG_LEVEL", default=""))
except ValueError as error:
    raise environ.ImproperlyConfigured(str(error)) from None
structured_logging.configure_structlog(LOG_FORMAT, LOG_LEVEL)
LOGGING = structured_logging.logging_config(LOG_FORMAT, LOG_LEVEL)
# django-structlog carries the request id into the Celery tasks a request schedules
# (a message header) and logs each task's start, end and duration with it.
DJANGO_STRUCTLOG_CELERY_ENABLED = True

# Errors to Sentry (or any server that speaks its protocol) when SENTRY_DSN is set;
# without it the SDK is not even imported (config/error_reporting.py).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from config.error_reporting import init_sentry

    init_sentry(SENTRY_DSN)

"""What docker-compose.yml and deploy/k8s/ must agree on, with each other and with the
code: the settings an operator is offered, the port Prometheus scrapes the workers on,
and where a process keeps its metrics files."""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from tests.deploy.dockerfile import REPOSITORY

PROMETHEUS_CONFIG = REPOSITORY / "deploy" / "monitoring" / "prometheus.yaml"

# The settings every deployment may need (the shared names of issue 14, and what the
# admin's import jobs, the worker's metrics and the gRPC service added).
SETTINGS_TO_OFFER = [
    *("SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "CQAR_EMBEDDED_POSTGRES"),
    *("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER"),
    *("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "METRICS_TOKEN"),
    *("READINESS_OUTBOX_LAG_SECONDS", "LOG_FORMAT", "LOG_LEVEL", "SENTRY_DSN"),
    *("DATABASE_REPLICA_URLS", "DATABASE_REPLICA_MAX_LAG_SECONDS", "DATABASE_POOL_MODE"),
    *("DATABASE_URL", "REDIS_URL", "NATS_URL", "CELERY_BROKER_URL", "CELERY_QUEUE"),
    *("MEDIA_ROOT", "IMPORT_JOB_TTL_HOURS", "CELERY_METRICS_PORT", "PROMETHEUS_MULTIPROC_DIR"),
    *("GRPC_BIND", "GRPC_MAX_WORKERS", "GRPC_TLS_CERT_FILE", "GRPC_TLS_KEY_FILE"),
    *("GRPC_MAX_MESSAGE_BYTES", "GRPC_SHUTDOWN_GRACE_SECONDS", "GRPC_METRICS_BIND"),
]
# An example of a Sentinel REDIS_URL in a file (up to a space or a closing parenthesis).
SENTINEL_URL = re.compile(r"redis\+sentinel://[^\s)]+")


def mentioned(text: str) -> set[str]:
    """The upper-case setting names a file names, as keys or in its comments."""
    return set(re.findall(r"\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b", text))


def scraped_ports(job_name: str) -> set[int]:
    """The ports of the example targets of ``job_name`` in prometheus.yaml."""
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text(encoding="utf-8"))
    (job,) = [job for job in config["scrape_configs"] if job["job_name"] == job_name]
    return {
        urlsplit(f"//{target}").port
        for static in job["static_configs"]
        for target in static["targets"]
    }


# What each role imports first (deploy/docker/entrypoint.sh): gunicorn its configuration
# module, a worker the Celery app.
ROLE_MODULES = {"web": "config.gunicorn", "worker": "config"}


def metrics_directory(role: str, environment: dict[str, str], cwd: Path) -> Path:
    """The PROMETHEUS_MULTIPROC_DIR a ``role`` process makes for itself, started with a
    container's ``environment`` (the image's, the deployment's; no TMPDIR of ours), from
    this checkout's config/ (the directory is removed again)."""
    assert "PROMETHEUS_MULTIPROC_DIR" not in environment, "a fixed one keeps old counts"
    env = {
        name: value
        for name, value in environment.items()
        if name not in ("PATH", "PYTHONPATH") and "${" not in value
    }
    env |= {"PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin"}
    env |= {"PYTHONPATH": str(REPOSITORY)}
    script = (
        f"import os, shutil, {ROLE_MODULES[role]}\n"
        "print(os.environ['PROMETHEUS_MULTIPROC_DIR'])\n"
        "shutil.rmtree(os.environ['PROMETHEUS_MULTIPROC_DIR'])\n"
    )
    made = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    return Path(made.stdout.strip())

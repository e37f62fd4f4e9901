# syntax=docker/dockerfile:1
# The registry's image: the wheel tests/test_wheel.py builds, installed on python:3.11-slim
# with its pinned dependencies, run as a non-root user. One image, five roles
# (deploy/docker/entrypoint.sh): web (the default), worker, beat, grpc, migrate.
#   docker build -t cqar .
# README.md, "Running in production"; docker-compose.yml and deploy/k8s/ run it.

# --- builder: the project's wheel and a wheel of every dependency, at the pinned versions
FROM python:3.11-slim AS builder
WORKDIR /src
# The build context holds only what the wheel is built from (.dockerignore).
COPY . .
RUN pip wheel --no-cache-dir --wheel-dir /wheels --constraint requirements/constraints.txt .

# --- runtime: those wheels and nothing else (no compiler, no index at install time) -----
FROM python:3.11-slim AS runtime
LABEL org.opencontainers.image.title="CQAR" \
      org.opencontainers.image.description="The Crypto Quant Asset Registry" \
      org.opencontainers.image.licenses="Apache-2.0"

# A fixed numeric id: Kubernetes' runAsNonRoot can only verify a numeric USER. MEDIA_ROOT
# (the admin's uploads, waiting for the worker) is the user's: an empty named volume
# mounted there takes the directory's owner, so the read-only container can write to it.
RUN groupadd --system --gid 10001 cqar \
    && useradd --system --uid 10001 --gid cqar --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin cqar \
    && mkdir --parents /var/lib/cqar/media \
    && chown 10001:10001 /var/lib/cqar/media

ENV PATH=/opt/cqar/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    STATIC_ROOT=/opt/cqar/static \
    MEDIA_ROOT=/var/lib/cqar/media \
    GUNICORN_BIND=0.0.0.0:8000 \
    XDG_RUNTIME_DIR=/tmp

# The wheels are mounted, not copied: they stay out of the image's layers. --no-index:
# exactly the versions the builder resolved under requirements/constraints.txt.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    python -m venv --without-pip /opt/cqar \
    && pip --python /opt/cqar/bin/python install --no-cache-dir --no-index \
        --find-links /wheels /wheels/cqar-*.whl

# Static files collected now, without a database: collectstatic reads no table and opens
# no connection. These values only let the settings load; the run-time environment sets
# the real ones. tests/test_wheel.py runs this line against the built wheel.
RUN SECRET_KEY=build-only-collectstatic-key-never-used-at-run-time-5f1c9a7e3b DATABASE_URL=postgres://build@127.0.0.1:1/none cqar collectstatic --noinput --verbosity 0

COPY --chmod=0755 deploy/docker/entrypoint.sh /usr/local/bin/cqar-entrypoint

WORKDIR /opt/cqar
USER 10001:10001
EXPOSE 8000
# /livez answers on any host and over plain HTTP, touching no dependency. Slim has no
# curl, so Python asks (an answer other than 2xx raises: a non-zero exit).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/livez', timeout=4)"]
ENTRYPOINT ["cqar-entrypoint"]
CMD ["web"]

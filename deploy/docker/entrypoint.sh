#!/bin/sh
# The image's entry point: one image, five roles, chosen by the first argument.
#   web      gunicorn with config/gunicorn.py (GUNICORN_BIND, WEB_CONCURRENCY, ...); the default
#   worker   a Celery worker, consuming CELERY_QUEUE, CELERY_CONCURRENCY processes; more
#            of them scale out
#   beat     Celery beat, the periodic tasks (outbox sweep, cache replay): exactly ONE per
#            deployment, or every periodic task runs twice
#   grpc     the platform contracts' AssetRegistry gRPC service (manage.py grpcserver) on
#            GRPC_BIND, every interface's port 9090 unless set; more of them scale out
#   migrate  apply the migrations, then exit (a one-shot step before web, worker, beat
#            and grpc)
# Extra arguments go to the program (`worker --concurrency=4`); any other first argument
# runs as given, so `docker run IMAGE cqar warm_cache` runs a management command.
# `python -m` and not the scripts: the programs of the environment `python` belongs to.
set -eu

role="${1:-web}"
if [ "$#" -gt 0 ]; then
    shift
fi

case "$role" in
    web)
        exec python -m gunicorn --config python:config.gunicorn config.wsgi "$@"
        ;;
    worker)
        # CELERY_CONCURRENCY: the pool's processes (Celery's default is one per core the
        # container sees, ~110 MB each); a --concurrency given after the role wins.
        set -- ${CELERY_CONCURRENCY:+"--concurrency=$CELERY_CONCURRENCY"} "$@"
        exec python -m celery --app config worker --loglevel "${LOG_LEVEL:-INFO}" "$@"
        ;;
    beat)
        # The schedule's state in /tmp: the root file system may be read-only.
        exec python -m celery --app config beat --loglevel "${LOG_LEVEL:-INFO}" \
            --schedule /tmp/celerybeat-schedule "$@"
        ;;
    grpc)
        # A container listens on every interface (the settings' default is loopback); a
        # --bind given after the role wins.
        exec cqar grpcserver --bind "${GRPC_BIND:-0.0.0.0:9090}" "$@"
        ;;
    migrate)
        exec cqar migrate --noinput "$@"
        ;;
    *)
        exec "$role" "$@"
        ;;
esac

"""gunicorn's production configuration: ``gunicorn -c config/gunicorn.py config.wsgi``.

Sync workers, about two per core: on the 2-core reference machine they gave the same
throughput as threaded workers with a 2-4x better p99
(docs/DESIGN.md#measured-against-a-floor). Each takes a request only once it has
arrived whole, so slow clients hold no worker
(docs/RUNBOOK.md, "Slow clients and the proxy in front").
"""

import multiprocessing
import os
import shutil
import tempfile

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
# The sync worker behind a poller that buffers each request whole (GUNICORN_READ_TIMEOUT),
# answering what gunicorn refuses (the limits below, malformed HTTP) in the API's JSON
# error shape instead of gunicorn's HTML page (docs/API.md, "Request limits").
worker_class = "config.gunicorn_workers.BufferingSyncWorker"
limit_request_line = 4094  # bytes of "GET <url> HTTP/1.1": a URL of about 4 KB
limit_request_fields = 100
limit_request_field_size = 8190
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
# gunicorn trusts no peer's forwarding headers (by default it trusts loopback's): whether
# a request came over HTTPS is Django's to decide, from SECURE_PROXY_SSL_HEADER, and the
# client's address from X-Forwarded-For behind TRUSTED_PROXY_COUNT proxies. Trusted,
# X-Forwarded-Proto from any local process made links https and sent HSTS over plain
# HTTP, and a SCRIPT_NAME header moved every URL the registry writes.
forwarded_allow_ips = ""
secure_scheme_headers = {}
graceful_timeout = 10
max_requests = 0  # no recycling: nothing leaks, and recycling costs a cold start
# Both logs in the registry's format (LOG_FORMAT: JSON unless DEBUG), each access line
# with the request's X-Request-ID (config/gunicorn_logging.py). The access log is off
# unless GUNICORN_ACCESS_LOG names a file or "-" (stdout): Django's request line
# (registry/requestlog.py) already records every request.
logger_class = "config.gunicorn_logging.StructuredLogger"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# Counters of /metrics (registry/metrics.py) are kept per worker in this directory and
# added up by whichever worker answers the scrape. Set here, before the workers import
# prometheus_client; a fresh directory per server start, so no old counts carry over.
if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    _metrics_dir = tempfile.mkdtemp(prefix="cqar-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir

    def on_exit(server):
        shutil.rmtree(_metrics_dir, ignore_errors=True)


def child_exit(server, worker):
    """A worker is gone: its live gauges (the cache breaker, readiness) no longer count;
    its counters still do."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)

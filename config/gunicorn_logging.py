"""gunicorn's error and access logs in the registry's format (config/structured_logging.py).

gunicorn's master logs before any Django is loaded, so it formats its own lines; this
logger class gives them the formatter the rest of the registry uses (``LOG_FORMAT``),
and writes the access log (``GUNICORN_ACCESS_LOG``, off by default: the registry's own
request line says as much) as fields rather than Apache's combined format. An access
line carries the ``request_id`` the response returned in ``X-Request-ID``, so it joins
the request's other lines.
"""

import environ
from gunicorn.glogging import Logger

from config import structured_logging


def _chosen_format() -> str:
    env = environ.Env()
    return structured_logging.log_format(
        env.str("LOG_FORMAT", default=""), env.bool("DEBUG", default=False)
    )


class StructuredLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        formatter = structured_logging.formatter(_chosen_format())
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(formatter)

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        request_id = next(
            (value for name, value in resp.headers if name.lower() == "x-request-id"), None
        )
        try:
            self.access_log.info(
                "access",
                extra={
                    "method": environ.get("REQUEST_METHOD"),
                    "path": environ.get("PATH_INFO"),
                    "query": environ.get("QUERY_STRING") or None,
                    "protocol": environ.get("SERVER_PROTOCOL"),
                    "status": int(status),
                    "bytes": getattr(resp, "sent", None),
                    "duration_ms": round(request_time.total_seconds() * 1000, 3),
                    "remote_addr": environ.get("REMOTE_ADDR"),
                    "user_agent": environ.get("HTTP_USER_AGENT"),
                    "referer": environ.get("HTTP_REFERER"),
                    "request_id": request_id,
                },
            )
        except Exception:
            self.error_log.exception("Could not write the access log line")

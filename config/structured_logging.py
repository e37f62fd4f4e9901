"""The registry's log format: one JSON object a line, or readable lines for a person.

structlog renders every line, its own loggers' (the request line, django-structlog's
task lines) and the records of the ``logging`` module (Django, Celery, gunicorn, the
libraries, our modules), so each line has the same keys: ``timestamp``, ``level``,
``logger``, ``event`` and whatever the caller bound or passed as ``extra``; the
``request_id`` of the request (or of the request that scheduled the task) above all.
Settings, the gunicorn logger (config/gunicorn_logging.py) and the Celery worker
(config/celery.py) take their configuration from here; it needs no Django, since
gunicorn's master process formats its lines before any Django is loaded.

``LOG_FORMAT`` is ``json`` (one object a line, for a log collector) or ``console``;
``json`` by default unless ``DEBUG`` is on, so ``make run`` stays readable.
"""

import logging
import sys
import threading

import orjson
import structlog

FORMATS = ("json", "console")


def log_format(chosen: str, debug: bool) -> str:
    """LOG_FORMAT (json or console), or its default for DEBUG; a clear error otherwise."""
    chosen = chosen.strip().lower() or ("console" if debug else "json")
    if chosen not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be json or console, not {chosen!r}.")
    return chosen


def log_level(level: str) -> str:
    """LOG_LEVEL as the logging module names it (INFO by default); a clear error otherwise."""
    level = level.strip().upper() or "INFO"
    if not isinstance(logging.getLevelName(level), int):
        raise ValueError(
            f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {level!r}."
        )
    return level


def _orjson_text(value, **kwargs) -> str:
    # orjson: about five times faster than the json module, on every line of the hot path.
    return orjson.dumps(value, default=kwargs.get("default")).decode()


# Added to every line, whether structlog or the logging module wrote it.
SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def _renderers(chosen: str) -> list:
    if chosen == "json":
        return [
            structlog.processors.format_exc_info,  # a traceback is one string field
            structlog.processors.JSONRenderer(serializer=_orjson_text),
        ]
    return [structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())]


def formatter(chosen: str) -> structlog.stdlib.ProcessorFormatter:
    """The logging.Formatter that renders a record of the logging module as ``chosen``
    (json or console), with the keys structlog's own lines have."""
    return structlog.stdlib.ProcessorFormatter(
        # Records of the logging module: their `extra` fields become keys too.
        foreign_pre_chain=[*SHARED_PROCESSORS, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *_renderers(chosen),
        ],
    )


class StderrLogger:
    """Where structlog's lines go: straight to whatever ``sys.stderr`` is at the time
    (gunicorn's, a worker's, a test's capture), where the logging module's handler
    writes too. Not through the logging module: a LogRecord, a handler and a second
    rendering would triple the cost of the request line on the hot lookups
    (docs/PERFORMANCE.md, "Request logs")."""

    _lock = threading.Lock()

    def __init__(self, name: str = "") -> None:
        self.name = name  # the `logger` key (structlog.stdlib.add_logger_name)

    def msg(self, line: str) -> None:
        with self._lock:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()

    debug = info = warning = warn = error = critical = exception = fatal = log = msg


def configure_structlog(chosen: str, level: str) -> None:
    """structlog's loggers (ours, django-structlog's) render in ``chosen`` and drop what
    is below ``level`` before doing anything else. Idempotent."""
    structlog.configure(
        processors=[
            *SHARED_PROCESSORS,
            structlog.processors.StackInfoRenderer(),
            *_renderers(chosen),
        ],
        logger_factory=StderrLogger,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        cache_logger_on_first_use=True,
    )
    # Python's warnings as log records, so that stderr holds only log lines.
    logging.captureWarnings(True)


def logging_config(chosen: str, level: str) -> dict:
    """Django's LOGGING: every record to stderr in the chosen format."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": {"()": formatter, "chosen": chosen}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # runserver prints "Watching for file changes" itself; the log line repeats it.
            "django.utils.autoreload": {"level": "WARNING"},
            # The request line (registry.requestlog) has every request's status: Django's
            # "Not Found: /x" warnings and runserver's own lines would repeat it. Errors
            # still come through, with their traceback and the request id.
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "ERROR"},
            # django-axes' lines repeat, masked, what registry/logins.py logs of each
            # failed login and lockout.
            "axes": {"level": "ERROR"},
        },
    }

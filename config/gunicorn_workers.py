"""gunicorn's sync worker, answering the requests gunicorn refuses itself in the API's
error shape.

gunicorn reads the request line and the headers before Django sees anything, and
refuses one over its limits (config/gunicorn.py) with an HTML page. An API client gets
``{"error": {"code", "message", "fields"}}`` instead, as from every other refusal
(registry.api.exceptions). Other malformed HTTP is no API call and keeps gunicorn's
answer.
"""

import json
import uuid

from gunicorn import util
from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.sync import SyncWorker

# exception -> (status, reason phrase, error code, message)
SIZE_REFUSALS = {
    LimitRequestLine: (
        414,
        "URI Too Long",
        "uri_too_long",
        "The request line (method, URL and HTTP version) is longer than {line} bytes.",
    ),
    LimitRequestHeaders: (
        431,
        "Request Header Fields Too Large",
        "headers_too_large",
        "More than {fields} headers, or one longer than {field_size} bytes.",
    ),
}


class JSONErrorSyncWorker(SyncWorker):
    def handle_error(self, req, client, addr, exc):
        refusal = next(
            (answer for error, answer in SIZE_REFUSALS.items() if isinstance(exc, error)), None
        )
        if refusal is None:
            return super().handle_error(req, client, addr, exc)
        status, reason, code, message = refusal
        # Django never sees this request, so its id is made here (the headers were not read).
        request_id = str(uuid.uuid4())
        self.log.warning(
            "Invalid request from ip=%s: %s",
            (addr or ("",))[0],
            exc,
            extra={"request_id": request_id, "status": status},
        )
        message = message.format(
            line=self.cfg.limit_request_line,
            fields=self.cfg.limit_request_fields,
            field_size=self.cfg.limit_request_field_size,
        )
        body = json.dumps({"error": {"code": code, "message": message, "fields": {}}}).encode()
        head = (
            f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"X-Request-ID: {request_id}\r\n\r\n"
        )
        try:
            util.write_nonblock(client, head.encode("latin-1") + body)
        except Exception:
            self.log.debug("Failed to send error message.")

"""Middleware of the API."""

from registry.api.exceptions import (
    DATABASE_UNREACHABLE,
    database_unavailable_page,
    django_error_response,
    is_api_request,
)


class APIErrorMiddleware:
    """An exception a plain Django view under /api/ raises (the hot lookups: a body over
    the size limit, too many parameters, a bug) answers in the API's error shape, also
    with DEBUG on; DRF views answer through their own exception handler first.

    Outside /api/ (the admin, the pages), a database that cannot be reached is a plain
    503 page, not Django's 500 (or, with DEBUG on, its traceback page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_api_request(request):
            return django_error_response(request, exception)
        if isinstance(exception, DATABASE_UNREACHABLE):
            return database_unavailable_page(request, exception)
        return None

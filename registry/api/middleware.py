"""Middleware of the API."""

from registry.api.exceptions import django_error_response, is_api_request


class APIErrorMiddleware:
    """An exception a plain Django view under /api/ raises (the hot lookups: a body over
    the size limit, too many parameters, a bug) answers in the API's error shape, also
    with DEBUG on; DRF views answer through their own exception handler first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_api_request(request):
            return None
        return django_error_response(request, exception)

"""A Content-Security-Policy on every answer that does not set its own (the API docs
page does: config/urls.py). The admin's pages load scripts only from this site, so
injected markup that escaped the templates still could not run a script or send a form
elsewhere; answers that are not HTML (the API's JSON) may load nothing at all."""

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    # Asset logos are pictures on other hosts (logo_url).
    "img-src 'self' data: https:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            is_page = response.get("Content-Type", "").startswith("text/html")
            response["Content-Security-Policy"] = PAGE_POLICY if is_page else DATA_POLICY
        return response

"""The ``Authorization`` header: ``Token <token>`` or ``Bearer <token>``.

Both schemes carry the same knox token: people and curl write ``Token``, clients
generated from openapi.yaml send ``Bearer`` (the schema declares HTTP bearer
authentication). A header with any other scheme is refused with a message naming the
two, rather than read as "no credentials". The DRF API and the hot paths
(registry.api.fastauth) read the header through ``token_of``.
"""

import re

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

TOKEN_SCHEMES = ("Token", "Bearer")
SCHEME_NAME = re.compile(r"[A-Za-z][A-Za-z-]{0,19}")
SCHEMES_HINT = "send 'Authorization: Token <token>' or 'Authorization: Bearer <token>'"


class AuthorizationError(ValueError):
    """An Authorization header this API cannot read; the message says why."""


def token_of(header: str) -> str | None:
    """The token of an ``Authorization`` header value; None when there is no header.

    The scheme is matched in any letter case (RFC 9110, 11.1).
    """
    parts = header.split()
    if not parts:
        return None
    scheme = parts[0]
    if scheme.lower() not in {name.lower() for name in TOKEN_SCHEMES}:
        # Named only when it looks like a scheme (Basic, Digest): a token sent without
        # one is the first word, and must not come back in an answer or a log line.
        named = f" '{scheme}'" if SCHEME_NAME.fullmatch(scheme) else ""
        raise AuthorizationError(f"Authorization scheme{named} is not accepted; {SCHEMES_HINT}.")
    if len(parts) != 2 or "\x00" in parts[1]:
        raise AuthorizationError(f"Malformed Authorization header; {SCHEMES_HINT}.")
    return parts[1]


class RegistryTokenAuthentication(TokenAuthentication):
    """knox's token authentication under either scheme."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        try:
            token = token_of(header)
        except AuthorizationError as error:
            raise AuthenticationFailed(str(error)) from None
        if token is None:
            return None
        return self.authenticate_credentials(token.encode())


class RegistryTokenScheme(OpenApiAuthenticationExtension):
    """In openapi.yaml: HTTP bearer authentication, so generated clients send the token."""

    target_class = RegistryTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from POST /api/v1/auth/tokens/ or "
            "`manage.py create_service_account`, sent as `Authorization: Bearer <token>` "
            "or `Authorization: Token <token>`.",
        }

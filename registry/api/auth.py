"""Token endpoints: a user trades a password for a token, and revokes it.

Tokens are django-rest-knox tokens: only a hash is stored, each can be revoked on its
own, and they expire (API_TOKEN_TTL_HOURS). Service accounts get long-lived tokens
from ``manage.py create_service_account`` instead.
"""

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.api.exceptions import error_body
from registry.api.params import KnownQueryParametersMixin


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="Send as 'Authorization: Bearer <token>' (or 'Token <token>'). Shown once."
    )
    expiry = serializers.DateTimeField(allow_null=True)


class TokenCreateView(KnownQueryParametersMixin, APIView):
    """A username and password for a token that expires (API_TOKEN_TTL_HOURS)."""

    authentication_classes = []
    permission_classes = []
    throttle_scope = "login"

    @extend_schema(
        summary="Create a token from a username and password",
        request=CredentialsSerializer,
        responses={201: TokenSerializer},
        auth=[],
    )
    def post(self, request):
        credentials = CredentialsSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        # Django's request, not DRF's: django-axes marks a locked-out login on it, and its
        # middleware answers that (registry.logins).
        user = authenticate(request._request, **credentials.validated_data)
        if user is None or not user.is_active:
            return Response(
                error_body("authentication_failed", "Wrong username or password."),
                status=status.HTTP_401_UNAUTHORIZED,
                headers={"WWW-Authenticate": knox_settings.AUTH_HEADER_PREFIX},
            )
        instance, token = AuthToken.objects.create(user=user)
        # As knox's own login view and Django's login(): the user's last_login, and
        # django-axes forgets the failures before this login.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response(
            TokenSerializer({"token": token, "expiry": instance.expiry}).data,
            status=status.HTTP_201_CREATED,
        )


class TokenRevokeView(KnownQueryParametersMixin, APIView):
    """The token this request was made with stops working at once."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Revoke the token this request was made with", request=None, responses={204: None}
    )
    def delete(self, request):
        if isinstance(request.auth, AuthToken):
            request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenRevokeAllView(KnownQueryParametersMixin, APIView):
    """Every token of the calling account stops working at once."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Revoke every token of the calling account", request=None, responses={204: None}
    )
    def delete(self, request):
        request.user.auth_token_set.all().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

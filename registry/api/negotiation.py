"""Content negotiation: the API answers JSON, and ``?format=`` is a parameter like any
other — a value it cannot honour is a 400 naming it, not DRF's bare 404."""

from django.http import Http404
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.settings import api_settings


class RegistryContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except Http404:
            name = self.settings.URL_FORMAT_OVERRIDE or api_settings.URL_FORMAT_OVERRIDE
            wanted = format_suffix or request.query_params.get(name)
            formats = ", ".join(renderer.format for renderer in renderers)
            raise serializers.ValidationError(
                {name: [f"{wanted!r} is not one of: {formats}."]}
            ) from None

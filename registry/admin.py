"""The base admin every entity admin builds on."""

from django.contrib import admin
from django.db import models


class RegistryModelAdmin(admin.ModelAdmin):
    """Shows the bookkeeping fields read-only and keeps big change lists fast."""

    list_per_page = 100
    # COUNT(*) over a million assets on every page view is not worth it.
    show_full_result_count = False
    # A URL typed without a scheme is https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "created_at", "updated_at", "version")

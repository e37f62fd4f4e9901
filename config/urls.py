"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import path

from registry.health import healthz

admin.site.site_header = "CQAR: Crypto Quant Asset Registry"
admin.site.site_title = "CQAR"
admin.site.index_title = "Reference data"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]

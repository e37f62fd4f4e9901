from importlib import import_module
from importlib.util import find_spec

from django.apps import AppConfig
from django.db.models.signals import post_migrate

# The modules through which an app contributes to the core (or to an app below it), in
# the order they are read: each that exists has a ``register()`` that hands over what
# the app adds (its demo data, hot lookups, API answers and filters, event types, CSV
# entities, admin index totals, synthetic data, gRPC methods). Everything an app adds
# is found in it.
CONTRIBUTING_MODULES = (
    "demo",
    "lookups",
    "api.serializers",
    "filtersets",
    "events",
    "exchange",
    "dashboard",
    "synthetic",
    "rpcs",
)


class EntityAppConfig(AppConfig):
    """The config of an entity app (chains, assets, …): its contributions are registered
    when it is ready, each from the module it belongs to (``CONTRIBUTING_MODULES``)."""

    # Which role writes the app's models (registry.roles): "reference data" (Stewards) or
    # "flags" (Auditors raise and resolve them).
    registry_data: str = ""

    def ready(self) -> None:
        for name in CONTRIBUTING_MODULES:
            if (module := self._module(name)) is not None and hasattr(module, "register"):
                module.register()

    def _module(self, name: str):
        """The app's module ``name`` ("api.serializers"), or None if the app has none."""
        package = self.name
        for part in name.split("."):
            package = f"{package}.{part}"
            if find_spec(package) is None:
                return None
        return import_module(package)


class RegistryConfig(AppConfig):
    # The one Django picks for a plain "registry" in INSTALLED_APPS (this module holds two).
    default = True
    name = "registry"
    verbose_name = "Registry core"

    def ready(self) -> None:
        from registry.roles import sync_roles

        post_migrate.connect(sync_roles, dispatch_uid="registry.sync_roles")

        from django.db.models.signals import post_delete
        from knox.models import AuthToken

        from registry.api.fastauth import forget_token

        post_delete.connect(forget_token, sender=AuthToken, dispatch_uid="registry.forget_token")

        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_login_failed

        from registry.logins import log_locked_out, log_login_failed

        user_login_failed.connect(log_login_failed, dispatch_uid="registry.log_login_failed")
        user_locked_out.connect(log_locked_out, dispatch_uid="registry.log_locked_out")

        from django.core import checks

        from registry.checks import check_optional_services, report_optional_services_off

        checks.register(check_optional_services, "services", deploy=True)
        report_optional_services_off()

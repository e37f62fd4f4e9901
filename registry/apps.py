from importlib import import_module
from importlib.util import find_spec

from django.apps import AppConfig
from django.db.models.signals import post_migrate

# The modules through which an app contributes to the core (or to an app below it), in
# the order they are read: each that exists has a ``register()`` that hands over what
# the app adds (the fields whose sources it records, its demo data, hot lookups, API
# answers and filters, event types, CSV entities, admin index totals, synthetic data,
# gRPC methods). Everything an app adds is found in it.
CONTRIBUTING_MODULES = (
    "provenance",
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

        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
        from knox.models import AuthToken

        from registry.api.fastauth import (
            forget_accounts_of_deleted_group,
            forget_accounts_of_group,
            forget_accounts_of_membership,
            forget_accounts_of_user,
            forget_token,
        )

        post_delete.connect(forget_token, sender=AuthToken, dispatch_uid="registry.forget_token")
        # What the hot paths remember of an account goes when the account changes.
        user = get_user_model()
        post_save.connect(forget_accounts_of_user, sender=user, dispatch_uid="registry.forget_user")
        pre_delete.connect(
            forget_accounts_of_user, sender=user, dispatch_uid="registry.forget_deleted_user"
        )
        for through, uid in (
            (user.groups.through, "groups"),
            (user.user_permissions.through, "permissions"),
        ):
            m2m_changed.connect(
                forget_accounts_of_membership, sender=through, dispatch_uid=f"registry.forget_{uid}"
            )
        m2m_changed.connect(
            forget_accounts_of_group,
            sender=Group.permissions.through,
            dispatch_uid="registry.forget_group_permissions",
        )
        pre_delete.connect(
            forget_accounts_of_deleted_group, sender=Group, dispatch_uid="registry.forget_group"
        )

        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_login_failed

        from registry.logins import log_locked_out, log_login_failed

        user_login_failed.connect(log_login_failed, dispatch_uid="registry.log_login_failed")
        user_locked_out.connect(log_locked_out, dispatch_uid="registry.log_locked_out")

        from django.core import checks

        from registry.checks import check_optional_services, report_optional_services_off

        checks.register(check_optional_services, "services", deploy=True)
        report_optional_services_off()

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "Registry core"

    def ready(self) -> None:
        from registry.roles import sync_roles

        post_migrate.connect(sync_roles, dispatch_uid="registry.sync_roles")

        from django.db.models.signals import post_delete
        from knox.models import AuthToken

        from registry.api.fastauth import forget_token

        post_delete.connect(forget_token, sender=AuthToken, dispatch_uid="registry.forget_token")

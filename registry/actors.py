"""Who made a change, as the platform names it: ``user:<username>`` or ``service:<account>``."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

SERVICE_ACCOUNTS_GROUP = "Service accounts"


def is_service_account(user) -> bool:
    return user.is_authenticated and user.groups.filter(name=SERVICE_ACCOUNTS_GROUP).exists()


def actor_id(user: AbstractBaseUser | AnonymousUser | None) -> str:
    if user is None or not user.is_authenticated:
        return "system"
    kind = "service" if is_service_account(user) else "user"
    return f"{kind}:{user.get_username()}"

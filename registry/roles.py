"""The roles of the registry as Django groups, kept in step with the models.

``sync_roles`` runs after every ``migrate`` (post_migrate), so a role always holds the
permissions of every model that exists, including models added later; a one-off data
migration would miss permissions that did not exist yet when it ran.

- Viewer: reads everything, the event feed included.
- Steward: Viewer, plus creates, changes and deletes reference data (not flags).
- Auditor: Viewer, plus raises (add) and resolves (change) quality flags.
"""

from django.contrib.auth.models import Group, Permission

from registry.actors import SERVICE_ACCOUNTS_GROUP

# App labels by string: registry imports no entity app.
REFERENCE_DATA_APPS = ("chains", "assets", "venues")
FLAG_APPS = ("quality",)
ALL_APPS = REFERENCE_DATA_APPS + FLAG_APPS

VIEWER, STEWARD, AUDITOR = "Viewer", "Steward", "Auditor"
ROLE_NAMES = {"viewer": VIEWER, "steward": STEWARD, "auditor": AUDITOR}


def _permissions(apps: tuple[str, ...], actions: tuple[str, ...]):
    permissions = Permission.objects.filter(content_type__app_label__in=apps)
    return [p for p in permissions if p.codename.split("_", 1)[0] in actions]


# Reading the event feed (GET /api/v1/events/) is reading the registry.
EVENT_FEED_PERMISSION = ("registry", "view_outboxevent")


def role_permissions() -> dict[str, list[Permission]]:
    feed = Permission.objects.filter(
        content_type__app_label=EVENT_FEED_PERMISSION[0], codename=EVENT_FEED_PERMISSION[1]
    )
    view = _permissions(ALL_APPS, ("view",)) + list(feed)
    return {
        VIEWER: view,
        STEWARD: view + _permissions(REFERENCE_DATA_APPS, ("add", "change", "delete")),
        AUDITOR: view + _permissions(FLAG_APPS, ("add", "change")),
    }


def sync_roles(**kwargs) -> None:
    """Create the role groups and give each exactly its permissions (idempotent)."""
    for name, permissions in role_permissions().items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)
    Group.objects.get_or_create(name=SERVICE_ACCOUNTS_GROUP)

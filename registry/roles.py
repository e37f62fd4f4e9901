"""The roles of the registry as Django groups, kept in step with the models.

A migration (registry 0004) creates the groups, so a database that has been migrated
has its roles. ``sync_roles`` also runs after every ``migrate`` (post_migrate), so a role
keeps the permissions of every model, including models added after that migration ran
(the migration alone would miss permissions that did not exist yet).

- Viewer: reads everything, the event feed included.
- Steward: Viewer, plus creates, changes and deletes reference data (not flags).
- Auditor: Viewer, plus raises (add) and resolves (change) quality flags.

Each entity app says which of these its models are, as ``registry_data`` on its
AppConfig: ``REFERENCE_DATA`` or ``FLAGS``.
"""

from django.apps import apps as global_apps

from registry.actors import SERVICE_ACCOUNTS_GROUP

REFERENCE_DATA, FLAGS = "reference data", "flags"

VIEWER, STEWARD, AUDITOR = "Viewer", "Steward", "Auditor"
ROLE_NAMES = {"viewer": VIEWER, "steward": STEWARD, "auditor": AUDITOR}


# Reading the event feed (GET /api/v1/events/), the change history and the fields'
# sources is reading the registry.
REGISTRY_READS = ("view_outboxevent", "view_changeevent", "view_fieldsource")


def apps_holding(kind: str) -> tuple[str, ...]:
    """The labels of the apps whose AppConfig says their models are ``kind``."""
    # The live registry's configs: a migration's historical ones lack the attribute.
    configs = global_apps.get_app_configs()
    return tuple(
        config.label for config in configs if getattr(config, "registry_data", None) == kind
    )


def role_permissions(apps=global_apps) -> dict[str, list]:
    """Each role's permissions; ``apps`` is a migration's historical registry or the live one."""
    Permission = apps.get_model("auth", "Permission")
    reference_data, flags = apps_holding(REFERENCE_DATA), apps_holding(FLAGS)

    def permissions(app_labels: tuple[str, ...], actions: tuple[str, ...]) -> list:
        found = Permission.objects.filter(content_type__app_label__in=app_labels)
        return [p for p in found if p.codename.split("_", 1)[0] in actions]

    registry_reads = Permission.objects.filter(
        content_type__app_label="registry", codename__in=REGISTRY_READS
    )
    view = permissions(reference_data + flags, ("view",)) + list(registry_reads)
    return {
        VIEWER: view,
        STEWARD: view + permissions(reference_data, ("add", "change", "delete")),
        AUDITOR: view + permissions(flags, ("add", "change")),
    }


def sync_roles(apps=global_apps, **kwargs) -> None:
    """Create the role groups and give each exactly its permissions (idempotent)."""
    Group = apps.get_model("auth", "Group")
    for name, permissions in role_permissions(apps).items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)
    Group.objects.get_or_create(name=SERVICE_ACCOUNTS_GROUP)

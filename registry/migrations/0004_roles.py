"""The roles Viewer, Steward and Auditor (and the service-accounts group) as groups.

Django makes permissions after migrate; this makes the ones that exist by now first, so
the groups hold them from this migration on. post_migrate (registry.roles.sync_roles)
keeps them complete as models are added. It calls the live ``sync_roles`` rather than a
frozen copy: a role is what registry/roles.py says today, which post_migrate enforces
after every migrate anyway.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from registry.roles import ROLE_NAMES, sync_roles


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True  # create_permissions skips apps without models
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_roles(apps=apps)


def remove_roles(apps, schema_editor):
    # The service-accounts group keeps its members: it marks who is a service.
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_NAMES.values()).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_history"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("assets", "0005_history"),
        ("chains", "0002_history"),
        ("venues", "0002_history"),
        ("quality", "0002_history"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]

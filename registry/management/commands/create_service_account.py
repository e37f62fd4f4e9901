"""manage.py create_service_account: an account for a platform service, and its token."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from knox.models import AuthToken

from registry.actors import SERVICE_ACCOUNTS_GROUP
from registry.roles import ROLE_NAMES


class Command(BaseCommand):
    help = (
        "Create a service account (or give an existing one a new token) with the given "
        "roles, and print its token once. Its changes are recorded as service:<name>."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="Account name, e.g. market-data.")
        parser.add_argument(
            "--role",
            action="append",
            choices=sorted(ROLE_NAMES),
            required=True,
            help="viewer (read), steward (edit reference data), auditor (raise/resolve flags). "
            "Repeat for several.",
        )
        parser.add_argument(
            "--expires-in-days",
            type=int,
            default=None,
            help="Token lifetime; default: no expiry (revoke it in the admin).",
        )

    def handle(self, *args, name: str, role: list[str], expires_in_days: int | None, **options):
        if expires_in_days is not None and expires_in_days < 1:
            raise CommandError("--expires-in-days must be at least 1.")
        User = get_user_model()
        with transaction.atomic():
            account, created = User.objects.get_or_create(username=name)
            if created:
                account.set_unusable_password()
                account.save()
            groups = [Group.objects.get(name=SERVICE_ACCOUNTS_GROUP)]
            groups += [Group.objects.get(name=ROLE_NAMES[each]) for each in role]
            account.groups.set(groups)
            expiry = timedelta(days=expires_in_days) if expires_in_days else None
            instance, token = AuthToken.objects.create(user=account, expiry=expiry)
        verb = "Created" if created else "Updated"
        self.stderr.write(
            f"{verb} service account '{name}' with roles {', '.join(sorted(set(role)))}; "
            f"token expires {instance.expiry.isoformat() if instance.expiry else 'never'}. "
            "The token below is shown only this once:"
        )
        self.stdout.write(token)

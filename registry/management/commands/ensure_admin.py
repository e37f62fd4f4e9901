"""manage.py ensure_admin: make sure an admin account exists (for the quick start)."""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create the admin account if it does not exist. Username, password and e-mail come "
        "from CQAR_ADMIN_USERNAME (default 'admin'), CQAR_ADMIN_PASSWORD and "
        "CQAR_ADMIN_EMAIL; without a password, a random one is generated and printed once."
    )

    def handle(self, *args, **options) -> None:
        username = os.environ.get("CQAR_ADMIN_USERNAME", "admin")
        password = os.environ.get("CQAR_ADMIN_PASSWORD", "")
        email = os.environ.get("CQAR_ADMIN_EMAIL", "")
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is not None:
            if password and not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
                self.stdout.write(
                    f"Admin account '{username}': password set from CQAR_ADMIN_PASSWORD."
                )
            else:
                self.stdout.write(
                    f"Admin account '{username}' exists (reset its password with "
                    f"'manage.py changepassword {username}')."
                )
            return
        generated = not password
        password = password or secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email=email, password=password)
        if generated:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created admin account: username '{username}', password '{password}' "
                    "(shown only this once)."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Created admin account '{username}'."))

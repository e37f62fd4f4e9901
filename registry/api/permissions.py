"""Authorization: Django model permissions, so the API and the admin obey one rule.

Reading needs ``view``; creating ``add``; changing ``change``; deleting ``delete`` on
the view's model. An action that writes another model (adding a group member from
the groups endpoint) names its permissions in the view's ``action_permissions``.
"""

from rest_framework.permissions import DjangoModelPermissions


class RegistryModelPermissions(DjangoModelPermissions):
    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if getattr(view, request.method.lower(), None) is None:
            # A method the view does not have: an authenticated caller gets the 405 that
            # says so, not a 403 that reads as a missing role.
            return bool(request.user and request.user.is_authenticated)
        required = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if required is None:
            return super().has_permission(request, view)
        if not request.user or not request.user.is_authenticated:
            return False
        return request.user.has_perms(required)

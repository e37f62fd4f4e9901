"""The authorization matrix as data: what each kind of caller gets from each kind of
operation, over REST (tests/api/test_authorization_matrix.py) and gRPC
(tests/rpc/test_authorization_matrix.py), as docs/API.md and docs/GRPC.md show it.

Each test file says of every operation it serves which kind it is; ``MATRIX`` says what
each caller gets from each kind: ``ok`` (any answer but 401/403 and 5xx: 200, 201, 204,
400, 404, 409 …), ``401`` (no valid credential: UNAUTHENTICATED over gRPC) or ``403``
(a valid credential without the permission: PERMISSION_DENIED).

The callers whose credential is not valid hold every role, so a 401 there is the token
refused, not a role missing.
"""

from datetime import timedelta
from io import StringIO

from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from knox.models import AuthToken

from registry.roles import AUDITOR, STEWARD, VIEWER

OK = "ok"

# service: a service account with the Viewer role. session: a steward signed in to the
# admin, calling with the session cookie and no CSRF token, as a page of another site
# could make a browser do (REST only: gRPC has no cookies); the hot lookups take no cookie.
MATRIX_TABLE = """
                 anonymous expired revoked inactive no-role viewer steward auditor service session
public           ok        ok      ok      ok       ok      ok     ok      ok      ok      ok
account          401       401     401     401      ok      ok     ok      ok      ok      403
read             401       401     401     401      403     ok     ok      ok      ok      ok
hot-read         401       401     401     401      403     ok     ok      ok      ok      401
reference-write  401       401     401     401      403     403    ok      403     403     403
flag-write       401       401     401     401      403     403    403     ok      403     403
"""

# The kinds of operation: public needs no credential (trading a password for a token);
# account any valid token, whatever its roles (revoking one's own tokens); read the Viewer
# role; hot-read the Viewer role by token only (/resolve/); reference-write the Steward
# role; flag-write the Auditor role (raising and resolving quality flags).


def parse_matrix(table: str) -> dict[str, dict[str, str]]:
    """{kind: {caller: outcome}} of a whitespace-aligned table."""
    header, *rows = [line.split() for line in table.strip().splitlines()]
    matrix = {}
    for kind, *outcomes in rows:
        assert len(outcomes) == len(header), f"row {kind} has {len(outcomes)} cells"
        matrix[kind] = dict(zip(header, outcomes, strict=True))
    return matrix


MATRIX = parse_matrix(MATRIX_TABLE)
CALLERS = tuple(next(iter(MATRIX.values())))
TOKEN_CALLERS = tuple(caller for caller in CALLERS if caller != "session")
EVERY_ROLE = (VIEWER, STEWARD, AUDITOR)


def _user(username: str, *roles: str, active: bool = True) -> User:
    user = User.objects.create_user(username=f"matrix-{username}", is_active=active)
    user.groups.set(Group.objects.filter(name__in=roles))
    return user


def _token(user: User, expiry: timedelta | None = None) -> str:
    _, token = AuthToken.objects.create(user=user, expiry=expiry)
    return token


def caller_tokens() -> dict[str, str | None]:
    """The ``Authorization`` value of each caller of TOKEN_CALLERS (None: no header), its
    account and tokens created now."""
    revoked_user = _user("revoked", *EVERY_ROLE)
    revoked_token = _token(revoked_user)
    AuthToken.objects.filter(user=revoked_user).delete()  # as DELETE /auth/tokens/all/ does
    service_token = StringIO()
    call_command("create_service_account", "matrix-service", role=["viewer"], stdout=service_token)
    tokens = {
        "anonymous": None,
        "expired": _token(_user("expired", *EVERY_ROLE), expiry=timedelta(seconds=-1)),
        "revoked": revoked_token,
        "inactive": _token(_user("inactive", *EVERY_ROLE, active=False)),
        "no-role": _token(_user("no-role")),
        "viewer": _token(_user("viewer", VIEWER)),
        "steward": _token(_user("steward", VIEWER, STEWARD)),
        "auditor": _token(_user("auditor", VIEWER, AUDITOR)),
        "service": service_token.getvalue().strip(),
    }
    assert set(tokens) == set(TOKEN_CALLERS)
    return {caller: token and f"Token {token}" for caller, token in tokens.items()}


# --- changes of an account that the hot paths must see at once -----------------------
# Each takes the account (holding the Viewer role alone) and the permission the lookup
# needs ("app_label.codename"); with the answer its token gets right after (401, 403).


def _deactivate(user: User, permission: str) -> None:
    user.is_active = False
    user.save()


def _delete(user: User, permission: str) -> None:
    user.delete()


def _leave_the_role(user: User, permission: str) -> None:
    user.groups.remove(Group.objects.get(name=VIEWER))


def _role_drops_the_member(user: User, permission: str) -> None:
    Group.objects.get(name=VIEWER).user_set.remove(user)


def _groups_cleared(user: User, permission: str) -> None:
    user.groups.clear()


def _permission_of(permission: str) -> Permission:
    app_label, codename = permission.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _role_loses_the_permission(user: User, permission: str) -> None:
    Group.objects.get(name=VIEWER).permissions.remove(_permission_of(permission))


def _permission_leaves_the_role(user: User, permission: str) -> None:
    _permission_of(permission).group_set.remove(Group.objects.get(name=VIEWER))


def _role_permissions_cleared(user: User, permission: str) -> None:
    Group.objects.get(name=VIEWER).permissions.clear()


def _role_deleted(user: User, permission: str) -> None:
    Group.objects.get(name=VIEWER).delete()


ACCOUNT_CHANGES = {
    "deactivated": (_deactivate, 401),
    "deleted": (_delete, 401),
    "left-the-role": (_leave_the_role, 403),
    "role-dropped-the-member": (_role_drops_the_member, 403),
    "groups-cleared": (_groups_cleared, 403),
    "role-lost-the-permission": (_role_loses_the_permission, 403),
    "permission-left-the-role": (_permission_leaves_the_role, 403),
    "role-permissions-cleared": (_role_permissions_cleared, 403),
    "role-deleted": (_role_deleted, 403),
}

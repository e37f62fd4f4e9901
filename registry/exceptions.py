"""Domain errors of the registry.

Services raise these; the API maps each ``code`` to an HTTP status (403, 404, 409, 412) and
management commands print the message. Invalid field values are Django's
``ValidationError`` (a 400 with the field and the reason), not one of these.
"""


class RegistryError(Exception):
    """Base of every domain error. ``code`` is stable and machine-readable."""

    code = "registry_error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFoundError(RegistryError):
    """The object asked for does not exist (or is soft-deleted)."""

    code = "not_found"


class AssetNotFoundError(NotFoundError):
    code = "asset_not_found"


class ConflictError(RegistryError):
    """The write would duplicate a natural key or break a uniqueness rule."""

    code = "conflict"


class DeploymentExistsError(ConflictError):
    code = "deployment_exists"


class InvalidRelationshipError(ConflictError):
    """A relationship that links an asset to itself, repeats an existing one or closes a cycle."""

    code = "invalid_relationship"


class StaleVersionError(RegistryError):
    """Someone else changed the object since the caller read it (optimistic locking)."""

    code = "stale_version"


class FourEyesError(RegistryError):
    """The write needs a second person: the actor may not approve their own change.

    Not a conflict with the object's state (a 409) but a refusal of this actor: anyone
    else with the permission may make the same request (a 403).
    """

    code = "four_eyes_required"

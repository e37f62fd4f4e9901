"""OpenAPI additions every operation shares, applied as a drf-spectacular postprocessing hook.

Each operation documents the error responses it can give, all in the one error shape;
writes that honour ``If-Match`` document the header.
"""

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "Stable machine-readable code."},
                "message": {"type": "string", "description": "What went wrong, for a person."},
                "fields": {
                    "type": "object",
                    "description": "Field (or header) name -> reasons; 'non_field_errors' for the "
                    "object as a whole. Empty when the error is not about input.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
    "example": {
        "error": {
            "code": "invalid",
            "message": "address: EVM address fails its EIP-55 checksum.",
            "fields": {"address": ["EVM address fails its EIP-55 checksum."]},
        }
    },
}

ERROR_DESCRIPTIONS = {
    "400": "Invalid input; nothing was written.",
    "401": "No or invalid token.",
    "403": "The token's account lacks the permission.",
    "404": "No such object (soft-deleted assets included).",
    "409": "Conflicts with existing data: a duplicate key or an invalid relationship.",
    "412": "If-Match names a version that is no longer current.",
    "429": "Rate limit of the scope exceeded; see Retry-After.",
}

READ_ERRORS = ("400", "401", "403", "404", "429")
WRITE_ERRORS = (*READ_ERRORS, "409", "412")

IF_MATCH_PARAMETER = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": 'Write only if the object is still at this version (its ETag, e.g. "3").',
    "schema": {"type": "string"},
}


def add_shared_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error_ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            codes = READ_ERRORS if method == "get" else WRITE_ERRORS
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(
                    code,
                    {
                        "description": ERROR_DESCRIPTIONS[code],
                        "content": {"application/json": {"schema": error_ref}},
                    },
                )
            if method in ("put", "patch", "delete") and "{" in path:
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == "If-Match" for p in parameters):
                    parameters.append(IF_MATCH_PARAMETER)
    return result

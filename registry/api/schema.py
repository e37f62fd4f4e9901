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
    "503": "Neither the cache nor the database could answer; retry.",
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


def _query(name: str, description: str, required: bool = False, **schema) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": {"type": "string", **schema},
    }


_ANSWER = {
    "200": {
        "description": "The answer.",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}

# The hot lookups are plain Django views (registry/api/resolve.py); they are described
# here so that generated clients and the docs have them too.
RESOLVE_PATHS = {
    "/api/v1/resolve/venue-symbol/": (
        "Venue ticker to asset",
        [
            _query("venue", "venue_id", True, pattern=r"\S"),
            _query("symbol", "The ticker as the venue spells it.", True, pattern=r"\S"),
            _query("market_type", "Default SPOT.", enum=["SPOT", "PERPETUAL", "FUTURE", "OPTION"]),
        ],
    ),
    "/api/v1/resolve/deployment/": (
        "(chain, address) to deployment and asset",
        [
            _query("chain", "chain_id", True, pattern=r"\S"),
            _query("address", "Any letter case for EVM.", True, pattern=r"\S"),
        ],
    ),
    "/api/v1/resolve/pretrade/": (
        "Pre-trade check: may this asset be traded?",
        [
            _query(
                "asset", "asset_id; or give venue and symbol, or chain and address.", format="uuid"
            ),
            _query("venue", "venue_id, with symbol."),
            _query("symbol", "Venue ticker, with venue."),
            _query(
                "market_type",
                "With venue and symbol; default SPOT.",
                enum=["SPOT", "PERPETUAL", "FUTURE", "OPTION"],
            ),
            _query("chain", "chain_id, with address."),
            _query("address", "With chain."),
            {
                "name": "min_severity",
                "in": "query",
                "required": False,
                "description": "Block at this severity or more (default 5).",
                "schema": {"type": "integer", "minimum": 1, "maximum": 5},
            },
        ],
    ),
    "/api/v1/resolve/aggregate/": (
        "Every variant of a group or an asset",
        [
            _query("group", "Canonical symbol, e.g. ETH; or give asset."),
            _query("asset", "asset_id.", format="uuid"),
        ],
    ),
    "/api/v1/resolve/symbol/": (
        "Every live asset with a symbol",
        [
            _query("symbol", "Any letter case.", True, pattern=r"\S"),
        ],
    ),
}


def resolve_query_parameters(lookup: str) -> frozenset[str]:
    """The query parameters documented above for ``GET resolve/<lookup>/`` ("venue_symbol":
    resolve/venue-symbol/): exactly what the hot lookup accepts."""
    _, parameters = RESOLVE_PATHS[f"/api/v1/resolve/{lookup.replace('_', '-')}/"]
    return frozenset(parameter["name"] for parameter in parameters if parameter["in"] == "query")


BATCH_PATH = {
    "post": {
        "operationId": "resolve_batch",
        "summary": "Up to 1,000 mixed lookups, answered in order",
        "tags": ["resolve"],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["lookups"],
                        "properties": {
                            "lookups": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": 1000,
                                "items": {
                                    "type": "object",
                                    "required": ["type"],
                                    "properties": {
                                        "type": {
                                            "type": "string",
                                            "enum": [
                                                "venue_symbol",
                                                "deployment",
                                                "pretrade",
                                                "aggregate",
                                                "symbol",
                                                "asset",
                                            ],
                                        }
                                    },
                                    "additionalProperties": True,
                                },
                            }
                        },
                    }
                }
            },
        },
        "responses": _ANSWER,
    }
}


def add_resolve_paths(result: dict) -> None:
    for path, (summary, parameters) in RESOLVE_PATHS.items():
        name = path.rstrip("/").rsplit("/", 1)[-1].replace("-", "_")
        result["paths"][path] = {
            "get": {
                "operationId": f"resolve_{name}",
                "summary": summary,
                "tags": ["resolve"],
                "parameters": parameters,
                "responses": dict(_ANSWER),
            }
        }
    result["paths"]["/api/v1/resolve/batch/"] = {
        "post": {**BATCH_PATH["post"], "responses": dict(_ANSWER)}
    }


def add_shared_responses(result, generator, request, public):
    add_resolve_paths(result)
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error_ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            codes = READ_ERRORS if method == "get" or "/resolve/" in path else WRITE_ERRORS
            if "/resolve/" in path:
                codes = (*codes, "503")
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

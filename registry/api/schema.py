"""OpenAPI additions, applied as drf-spectacular postprocessing hooks.

- ``describe_resolve_lookups``: the hot lookups (plain Django views) with their parameters
  and typed answers, described by serializers the apps register.
- ``add_shared_responses``: each operation documents the error responses it can give, all
  in the one error shape; writes that honour ``If-Match`` document the header.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import deep_import_string
from drf_spectacular.settings import spectacular_settings

RESOLVE_PREFIX = "/api/v1/resolve/"

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
        "schema": schema or {"type": "string"},
    }


def _text(**constraints) -> dict:
    return {"type": "string", **constraints}


def _ref(component: str) -> dict:
    return {"$ref": f"#/components/schemas/{component}"}


_MARKET_TYPE = _ref("MarketTypeEnum")
_MIN_SEVERITY = _query(
    "min_severity",
    "Block at this severity or more: 1 INFO, 2 LOW, 3 MEDIUM, 4 HIGH, 5 CRITICAL (the default).",
    **_ref("SeverityEnum"),
)

# The hot lookups by their batch ``type``: summary and query parameters. They are plain
# Django views (registry/api/resolve.py), so they are described here, for generated
# clients and the docs; their answers are the serializers the apps register below.
# Lookups one POST resolve/batch/ may carry (resolve.py enforces it).
BATCH_LIMIT = 1000

RESOLVE_LOOKUPS = {
    "venue_symbol": (
        "Venue ticker to asset",
        [
            _query("venue", "venue_id", True, **_text(pattern=r"\S")),
            _query("symbol", "The ticker as the venue spells it.", True, **_text(pattern=r"\S")),
            _query("market_type", "Default SPOT.", **_MARKET_TYPE),
        ],
    ),
    "instrument": (
        "Instrument code to its terms and every current market",
        [
            _query(
                "code",
                "The instrument's canonical code, e.g. BTC-USDT-PERP (any letter case).",
                True,
                **_text(pattern=r"\S"),
            )
        ],
    ),
    "deployment": (
        "(chain, address) or a CAIP-19 id to deployment and asset",
        [
            _query(
                "chain",
                "chain_id, or the chain's CAIP-2 id (eip155:1); with address.",
                **_text(pattern=r"\S"),
            ),
            _query("address", "Any letter case for EVM; with chain.", **_text(pattern=r"\S")),
            _query(
                "caip19",
                "Instead of chain and address: the CAIP-19 asset id (eip155:1/erc20:0xa0b8…, "
                "solana:5eykt…/token:EPjF…, eip155:1/slip44:60 for a native coin).",
                **_text(pattern=r"\S"),
            ),
        ],
    ),
    "address": (
        "Address to every deployment at it, on any chain, and whether they are one asset",
        [
            _query(
                "address", "Any letter case for EVM; others exactly.", True, **_text(pattern=r"\S")
            )
        ],
    ),
    "pretrade": (
        "Pre-trade check: may this asset be traded?",
        [
            _query(
                "asset",
                "asset_id; or give venue and symbol, or chain and address.",
                **_text(format="uuid"),
            ),
            _query("venue", "venue_id, with symbol."),
            _query("symbol", "Venue ticker, with venue."),
            _query("market_type", "With venue and symbol; default SPOT.", **_MARKET_TYPE),
            _query("chain", "chain_id or CAIP-2 id (eip155:1), with address."),
            _query("address", "With chain."),
            _MIN_SEVERITY,
        ],
    ),
    "aggregate": (
        "Every variant of a group or an asset",
        [
            _query("group", "Canonical symbol, e.g. ETH; or give asset."),
            _query("asset", "asset_id.", **_text(format="uuid")),
        ],
    ),
    "symbol": (
        "Every live asset with a symbol",
        [_query("symbol", "Any letter case.", True, **_text(pattern=r"\S"))],
    ),
    # Only in a batch: the asset summary (with active flags) by asset_id.
    "asset": ("Asset by id", [_query("asset", "asset_id", True, **_text(format="uuid"))]),
}
BATCH_ONLY = {"asset"}
# Every lookup answers for a moment too (registry/timeline.py; docs/API.md, "Point in time:
# as_of and known_at").
TIME_PARAMETERS = [
    _query(
        "as_of",
        "Answer as it was true at this time: RFC 3339 with its zone (2022-05-09T14:03:00Z) or "
        "a date (its first instant, UTC). Without it, the current answer.",
    ),
    _query(
        "known_at",
        "Answer as the registry held it at this time (same form; not in the future); with "
        "as_of: what the registry said then about as_of. Alone: about that same time.",
    ),
]
for _summary, _parameters in RESOLVE_LOOKUPS.values():
    _parameters.extend(TIME_PARAMETERS)


def resolve_query_parameters(lookup: str) -> frozenset[str]:
    """The query parameters documented above for ``GET resolve/<lookup>/`` ("venue_symbol":
    resolve/venue-symbol/): exactly what the hot lookup accepts."""
    _, parameters = RESOLVE_LOOKUPS[lookup]
    return frozenset(parameter["name"] for parameter in parameters if parameter["in"] == "query")


# Serializers describing each lookup's answer, registered by the apps that build them
# (AppConfig.ready()); several when the answer depends on the parameters (aggregate).
RESOLVE_ANSWERS: dict[str, tuple] = {}


def register_resolve_answer(lookup: str, *serializers) -> None:
    RESOLVE_ANSWERS[lookup] = serializers


def _answer_schema(generator, lookup: str) -> dict:
    """The answer of ``lookup`` as a reference to its component(s), registered with
    drf-spectacular so that they share enums and parts with the REST resources."""
    auto_schema = AutoSchema()
    auto_schema.registry = generator.registry
    auto_schema.method = "GET"
    auto_schema.path = f"{RESOLVE_PREFIX}{lookup.replace('_', '-')}/"
    refs = []
    for serializer in RESOLVE_ANSWERS[lookup]:
        # Any context will do (spectacular would otherwise ask a view for one).
        component = auto_schema.resolve_serializer(serializer(context={"schema": True}), "response")
        refs.append(component.ref)
    return refs[0] if len(refs) == 1 else {"oneOf": refs}


def _lookup_component(lookup: str, parameters: list[dict]) -> dict:
    """A batch item of this type: the GET lookup's query parameters as properties."""
    properties = {"type": {"type": "string", "enum": [lookup]}}
    for parameter in parameters:
        schema = dict(parameter["schema"])
        if "$ref" in schema:
            schema = {"allOf": [schema]}
        properties[parameter["name"]] = {**schema, "description": parameter["description"]}
    required = ["type", *(p["name"] for p in parameters if p["required"])]
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _component_name(lookup: str) -> str:
    return "".join(part.capitalize() for part in lookup.split("_"))


def batch_components(generator) -> dict:
    """The batch request and answer: hand-written, added after the enum hook (which would
    rebuild them away, and make components of their one-value enums)."""
    lookups = {lookup: f"{_component_name(lookup)}Lookup" for lookup in RESOLVE_LOOKUPS}
    answers = [_answer_schema(generator, lookup) for lookup in RESOLVE_LOOKUPS]
    components = {
        name: _lookup_component(lookup, RESOLVE_LOOKUPS[lookup][1])
        for lookup, name in lookups.items()
    }
    components["BatchRequest"] = {
        "type": "object",
        "properties": {
            "lookups": {
                "type": "array",
                "minItems": 1,
                "maxItems": BATCH_LIMIT,
                "items": {
                    "oneOf": [_ref(name) for name in lookups.values()],
                    "discriminator": {
                        "propertyName": "type",
                        "mapping": {lookup: _ref(name)["$ref"] for lookup, name in lookups.items()},
                    },
                },
            }
        },
        "required": ["lookups"],
        "additionalProperties": False,
    }
    components["BatchFound"] = {
        "type": "object",
        "properties": {
            "found": {"type": "boolean", "enum": [True]},
            "result": {
                "oneOf": list({str(a): a for a in _flat(answers)}.values()),
                "description": "The answer the lookup's own endpoint gives.",
            },
        },
        "required": ["found", "result"],
    }
    components["BatchNotFound"] = {
        "type": "object",
        "properties": {
            "found": {"type": "boolean", "enum": [False]},
            "result": {"nullable": True, "enum": [None]},
            "reason": {"type": "string", "description": "Why there is no answer."},
            "retry": {
                "type": "boolean",
                "description": "true: the lookup was not made, the batch spent its time "
                "budget (RESOLVE_BATCH_SECONDS) first; ask again (what was looked up is "
                "cached by now). false: asking again gives the same answer.",
            },
        },
        "required": ["found", "result", "retry", "reason"],
    }
    components["BatchAnswer"] = {
        "type": "object",
        "properties": {
            "results": {
                "type": "array",
                "items": {"oneOf": [_ref("BatchFound"), _ref("BatchNotFound")]},
                "description": "One per lookup, in the order asked.",
            }
        },
        "required": ["results"],
    }
    return components


def _flat(schemas):
    for schema in schemas:
        yield from schema.get("oneOf", [schema])


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def describe_resolve_lookups(result, generator, request, public):
    """Add the hot lookups, with typed parameters and answers (runs before the enum hook,
    so that the answers' enums are the REST resources' components)."""
    answers = {lookup: _answer_schema(generator, lookup) for lookup in RESOLVE_LOOKUPS}
    for lookup, (summary, parameters) in RESOLVE_LOOKUPS.items():
        if lookup in BATCH_ONLY:
            continue
        result["paths"][f"{RESOLVE_PREFIX}{lookup.replace('_', '-')}/"] = {
            "get": {
                "operationId": f"resolve_{lookup}",
                "summary": summary,
                "tags": ["resolve"],
                "parameters": parameters,
                "responses": {"200": _json(answers[lookup], "The answer.")},
            }
        }
    result["paths"][f"{RESOLVE_PREFIX}batch/"] = {
        "post": {
            "operationId": "resolve_batch",
            "summary": f"Up to {BATCH_LIMIT:,} mixed lookups, answered in order",
            "tags": ["resolve"],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("BatchRequest")}},
            },
            "responses": {"200": _json(_ref("BatchAnswer"), "One result per lookup, in order.")},
        }
    }
    # The components were built before this hook: again, with the answers.
    result["components"] = generator.registry.build(spectacular_settings.APPEND_COMPONENTS)
    return result


def name_integer_enums(result) -> None:
    """Name the members of integer enums (``x-enum-varnames``), so that generated clients
    say ``SeverityEnum.CRITICAL`` rather than ``VALUE_5``."""
    schemas = result["components"]["schemas"]
    for name, choices_path in spectacular_settings.ENUM_NAME_OVERRIDES.items():
        choices = deep_import_string(choices_path)  # a nested class too (Model.Status)
        schema = schemas.get(name)
        if schema is not None and schema.get("type") == "integer":
            if schema["enum"] != list(choices.values):
                raise ValueError(f"{name} is not {choices_path}: {schema['enum']}")
            schema["x-enum-varnames"] = list(choices.names)


def add_shared_responses(result, generator, request, public):
    name_integer_enums(result)
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas.update(batch_components(generator))
    result["components"]["schemas"] = dict(sorted(schemas.items()))
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

"""The authorization matrix over gRPC: every method of the AssetRegistry service, as
proto/ declares it, x every kind of caller (tests/authorization.py, the REST matrix's).

``METHODS`` gives each method its kind; a method added to the proto without a row, or a
row naming one that is gone, fails ``test_every_method_of_the_proto_has_a_row``.

A read names real objects of the demo data (its caller gets the real answer); a write is
sent empty, so that a caller who may make it is answered INVALID_ARGUMENT or NOT_FOUND
and writes nothing the next caller would see: authorization comes first.
"""

from io import StringIO

import grpc
import pytest
from django.core.management import call_command

from assets.models import AssetDeployment, AssetGroupMember, AssetIdentifier
from markets.models import Market
from quality.models import AssetQualityFlag
from tests.authorization import MATRIX, OK, TOKEN_CALLERS, caller_tokens
from tests.rpc.conftest import error_details

READ, REFERENCE_WRITE, FLAG_WRITE = "read", "reference-write", "flag-write"

# Every method of the service and its kind (a row of tests/authorization.py's MATRIX).
METHODS = {
    "CreateAsset": REFERENCE_WRITE,
    "GetAsset": READ,
    "UpdateAsset": REFERENCE_WRITE,
    "DeleteAsset": REFERENCE_WRITE,
    "ListAssets": READ,
    "SearchAssets": READ,
    "CreateAssetDeployment": REFERENCE_WRITE,
    "GetAssetDeployment": READ,
    "ListAssetDeployments": READ,
    "CreateAssetIdentifier": REFERENCE_WRITE,
    "GetAssetIdentifier": READ,
    "ListAssetIdentifiers": READ,
    "CreateAssetRelationship": REFERENCE_WRITE,
    "ListAssetRelationships": READ,
    "CreateAssetGroup": REFERENCE_WRITE,
    "GetAssetGroup": READ,
    "AddAssetToGroup": REFERENCE_WRITE,
    "RemoveAssetFromGroup": REFERENCE_WRITE,
    "RaiseQualityFlag": FLAG_WRITE,
    "ResolveQualityFlag": FLAG_WRITE,
    "ListQualityFlags": READ,
    "CreateChain": REFERENCE_WRITE,
    "GetChain": READ,
    "ListChains": READ,
    "GetInstrument": READ,
    "GetSpotInstrument": READ,
    "GetPerpContract": READ,
    "GetFutureContract": READ,
    "GetOptionSeries": READ,
    "GetLendingDeposit": READ,
    "GetLendingBorrow": READ,
    "GetMarket": READ,
    "ResolveMarket": READ,
    "GetIdentifier": READ,
    "ListIdentifiers": READ,
    "CreateVenue": REFERENCE_WRITE,
    "GetVenue": READ,
    "ListVenues": READ,
    "CreateVenueAsset": REFERENCE_WRITE,
    "GetVenueAsset": READ,
    "ListVenueAssets": READ,
    "CreateVenueSymbol": REFERENCE_WRITE,
    "GetVenueSymbol": READ,
    "ListVenueSymbols": READ,
}

# The status each refusal of the matrix is over gRPC, and its ErrorInfo reasons.
REFUSALS = {
    "401": (grpc.StatusCode.UNAUTHENTICATED, {"not_authenticated", "authentication_failed"}),
    "403": (grpc.StatusCode.PERMISSION_DENIED, {"permission_denied"}),
}
# Answers no caller may get, whatever it may do: the server failed.
FAILURES = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.UNIMPLEMENTED}


def test_every_method_of_the_proto_has_a_row(client_modules):
    """A new method needs its row (who may call it); a row of a removed one goes."""
    service = client_modules.service.DESCRIPTOR.services_by_name["AssetRegistry"]
    declared = {method.name for method in service.methods}
    assert sorted(declared - set(METHODS)) == [], "methods without a row"
    assert sorted(set(METHODS) - declared) == [], "rows of methods that are gone"
    assert set(METHODS.values()) <= set(MATRIX)


def demo_fields() -> dict[str, str]:
    """The id fields of the read requests, each naming an object of the demo data."""
    deployment = AssetDeployment.objects.exclude(address="").first()
    member = AssetGroupMember.objects.first()
    market = Market.objects.first()
    return {
        "asset_id": str(member.asset_id),
        "chain_id": deployment.chain_id,
        "deployment_id": str(deployment.pk),
        "group_id": member.group_id,
        "instrument_id": str(market.instrument_id),
        "market_id": str(market.pk),
        "venue_id": market.venue_id,
        "venue_symbol": market.venue_symbol,
        "identifier_id": str(AssetIdentifier.objects.first().pk),
        "flag_id": str(AssetQualityFlag.objects.first().pk),
        "query": "ETH",
    }


def request_of(client_modules, name: str, fields: dict[str, str]):
    """The method's request: a read's id fields filled in from the demo, a write empty."""
    request_class = getattr(client_modules.service, f"{name}Request")
    if METHODS[name] != READ:
        return request_class()
    names = {field.name for field in request_class.DESCRIPTOR.fields}
    return request_class(**{key: value for key, value in fields.items() if key in names})


def rpc_problem(stub, request, name: str, metadata, expected: str) -> str | None:
    """What is wrong with the answer to one call for a cell whose outcome is
    ``expected``; None if nothing."""
    try:
        getattr(stub, name)(request, metadata=metadata, timeout=30)
        code = grpc.StatusCode.OK
    except grpc.RpcError as error:
        code, failure = error.code(), error
    if code in FAILURES:
        return f"{code.name}: {failure.details()}"
    if expected == OK:
        refused = {status for status, _ in REFUSALS.values()}
        return f"{code.name}, not allowed" if code in refused else None
    status, reasons = REFUSALS[expected]
    if code != status:
        return f"{code.name}, not {status.name}"
    reason = error_details(failure)["reason"]
    return None if reason in reasons else f"{code.name} with reason {reason!r}"


@pytest.mark.django_db(transaction=True)
def test_each_method_answers_each_caller_as_the_matrix_says(stub, client_modules):
    """Every method, called by every caller: allowed, UNAUTHENTICATED or
    PERMISSION_DENIED (each with its ErrorInfo reason) as its kind's row says, and never
    INTERNAL."""
    call_command("load_demo", stdout=StringIO())
    fields = demo_fields()
    tokens = caller_tokens()
    problems = {}
    for caller in TOKEN_CALLERS:
        metadata = (("authorization", tokens[caller]),) if tokens[caller] else ()
        for name, kind in METHODS.items():
            request = request_of(client_modules, name, fields)
            problem = rpc_problem(stub, request, name, metadata, MATRIX[kind][caller])
            if problem:
                problems[f"{caller} {name}"] = problem
    assert problems == {}

"""The service as a whole: every method of the contract answered, each behind the
permission its REST twin needs, and the same refusals for every method."""

import grpc
import pytest
from django.contrib.auth.models import Permission

from registry.grpc.calls import SERVICE, registered, unanswered
from tests.rpc.conftest import error_details, rpc_error

METHODS = sorted(SERVICE.methods_by_name)
# What a method's permission may be: a view_ permission for a read, add_/change_/delete_
# for a write; the name says which the method is.
READ_PREFIXES = ("Get", "List", "Search", "Resolve")


def is_read(name: str) -> bool:
    return name.startswith(READ_PREFIXES) and name != "ResolveQualityFlag"


def test_every_method_of_the_contract_and_v0_3_1_venue_symbols_is_answered():
    assert len(METHODS) == 44  # v0.4.0's 41 and v0.3.1's three venue-symbol methods
    assert unanswered() == []


@pytest.mark.django_db
def test_each_method_needs_a_real_model_permission_of_its_kind():
    for name, method in registered().items():
        app_label, codename = method.permission.split(".")
        assert Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).exists(), name
        assert codename.startswith("view_") == is_read(name), name
        # A write never runs on a replica (a hot read may answer from the cache alone).
        assert not method.reads or is_read(name), name


def call(stub, client_modules, name: str, **kwargs):
    request_class = getattr(client_modules.service, f"{name}Request")
    return getattr(stub, name)(request_class(), **kwargs)


def refusals(stub, client_modules, names, **kwargs) -> dict[str, tuple]:
    """(status code, ErrorInfo reason) of an empty request to each method."""
    found = {}
    for name in names:
        error = rpc_error(call, stub, client_modules, name, **kwargs)
        found[name] = (error.code(), error_details(error)["reason"])
    return found


def test_without_a_token_every_method_is_unauthenticated(stub, client_modules):
    expected = (grpc.StatusCode.UNAUTHENTICATED, "not_authenticated")
    assert refusals(stub, client_modules, METHODS) == dict.fromkeys(METHODS, expected)


@pytest.mark.django_db(transaction=True)
def test_a_viewer_may_call_no_write(stub, client_modules, viewer_md):
    writes = [name for name in METHODS if not is_read(name)]
    assert len(writes) == 15
    expected = (grpc.StatusCode.PERMISSION_DENIED, "permission_denied")
    found = refusals(stub, client_modules, writes, metadata=viewer_md)
    assert found == dict.fromkeys(writes, expected)


def test_a_token_under_another_scheme_is_refused_naming_the_schemes(stub, client_modules):
    error = rpc_error(
        call, stub, client_modules, "ListChains", metadata=(("authorization", "Basic abc"),)
    )
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "Bearer" in error.details()

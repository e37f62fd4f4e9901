"""The catalogue's cases that have a gRPC twin, sent to the real gRPC server: the status
the case names (INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION …; OK for a search
that must find nothing), and not one row of any table written, changed or deleted.

The server sees committed rows only, so the demo data is committed once for the module
and the tables are emptied at its end (as pytest-django's transactional tests do)."""

from io import StringIO

import grpc
import pytest
from django.core.management import call_command
from google.protobuf import json_format

from tests.conftest import token_client
from tests.hostile.catalogue import CASES, changed_tables, fill, table_fingerprints
from tests.hostile.conftest import ROLES, demo_ids
from tests.rpc.conftest import error_details, metadata_of

# Each test reads the tables in a transaction of its own (rolled back: it wrote nothing);
# the server's writes, were there any, are committed, so the reads would see them.
pytestmark = pytest.mark.django_db

TWINS = [case for case in CASES if case.grpc]


@pytest.fixture(scope="module")
def committed(django_db_setup, django_db_blocker, grpc_server):
    """The demo data, a Cosmos chain and a token per role, committed; gone at the end."""
    from tests.factories import ChainFactory

    with django_db_blocker.unblock():
        call_command("load_demo", stdout=StringIO())
        ChainFactory(chain_id="cosmoshub", name="Cosmos Hub", chain_type="COSMOS")
        metadata = {
            role: metadata_of(token_client(f"grpc-{role}", *groups, service=True))
            for role, groups in ROLES.items()
        }
        yield {"metadata": metadata, "ids": demo_ids()}
        call_command("flush", interactive=False, verbosity=0)


@pytest.mark.parametrize("case", TWINS, ids=[case.id for case in TWINS])
def test_hostile_input_to_the_twin_rpc_is_refused_and_writes_nothing(
    case, committed, stub, client_modules
):
    spec = fill(case.grpc, committed["ids"])
    request = json_format.ParseDict(
        spec["request"], getattr(client_modules.service, f"{spec['method']}Request")()
    )
    before = table_fingerprints()

    call = getattr(stub, spec["method"])
    metadata = committed["metadata"][spec.get("as", "steward")]
    expected = getattr(grpc.StatusCode, spec["code"])
    if expected == grpc.StatusCode.OK:
        answer = call(request, metadata=metadata, timeout=30)
        if "count" in spec:
            assert len(answer.assets) == spec["count"], answer
    else:
        with pytest.raises(grpc.RpcError) as raised:
            call(request, metadata=metadata, timeout=30)
        error = raised.value
        assert error.code() == expected, (error.code(), error.details())
        assert "Traceback" not in (error.details() or "")
        if "field" in spec:
            assert spec["field"] in error_details(error)["fields"], error_details(error)

    assert changed_tables(before, table_fingerprints()) == {}

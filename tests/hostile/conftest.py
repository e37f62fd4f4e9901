"""The registry the catalogue's cases are sent to: the demo data, a Cosmos chain (the demo
has none), role clients, and the ids the catalogue's ``<<name>>`` placeholders name."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase

from assets.models import Asset, AssetDeployment, AssetRelationship
from markets.models import Instrument, Market
from quality.models import AssetQualityFlag
from registry.events.outbox import sequence_pending
from registry.roles import AUDITOR, STEWARD, VIEWER
from tests.conftest import token_client
from tests.factories import ChainFactory
from tests.rpc.conftest import client_modules, grpc_server, stub  # noqa: F401  (test_grpc's)

ROLES = {
    "viewer": (VIEWER,),
    "steward": (VIEWER, STEWARD),
    "auditor": (VIEWER, AUDITOR),
}


def demo_ids() -> dict:
    """What the catalogue's placeholders name, read from the demo data."""
    live = Asset.objects.all()

    def asset(symbol: str, **filters) -> str:
        return str(live.filter(symbol=symbol, **filters).order_by("created_at").first().pk)

    usdc = asset("USDC", deployments__chain_id="ethereum")
    flag = AssetQualityFlag.objects.filter(resolved_at__isnull=True).order_by("raised_at").first()
    market = Market.objects.order_by("pk").first()
    return {
        **{
            symbol.lower(): asset(symbol)
            for symbol in ("BTC", "ETH", "SOL", "WETH", "stETH", "wstETH", "cbETH", "WBTC")
        },
        "usdc": usdc,
        "usdc_deployment": str(
            AssetDeployment.objects.filter(asset_id=usdc, chain_id="ethereum").get().pk
        ),
        "eth_steth": str(
            AssetRelationship.objects.get(
                parent_asset__symbol="ETH", child_asset__symbol="stETH"
            ).pk
        ),
        "flag": str(flag.pk),
        "market": market.pk,
        "instrument": str(Instrument.objects.order_by("pk").first().pk),
        "missing": "00000000-0000-4000-8000-000000000000",
    }


@pytest.fixture(scope="module")
def registry_once(django_db_setup, django_db_blocker):
    """The demo data, users and ids, loaded once for the module in a transaction rolled
    back at its end; each test runs in a savepoint inside it (see
    tests/registry/test_admin_access.py's ``demo_once``)."""
    with django_db_blocker.unblock(), transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            call_command("load_demo", stdout=StringIO())
            ChainFactory(chain_id="cosmoshub", name="Cosmos Hub", chain_type="COSMOS")
            clients = {role: token_client(role, *groups) for role, groups in ROLES.items()}
            clients["anonymous"] = token_client("nobody")
            clients["anonymous"].credentials()
            User.objects.create_superuser(username="admin", email="", password=None)
            sequence_pending()
        yield {"clients": clients, "ids": demo_ids()}
        transaction.set_rollback(True)

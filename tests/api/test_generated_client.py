"""A client generated from openapi.yaml by a third-party generator (openapi-python-client)
is typed for the hot lookups: each resolve call takes typed parameters and returns a
model, and real answers, fetched through the generated code, fill those models with no
field left over."""

import importlib
import subprocess
import sys
import typing
from pathlib import Path

import attrs
import httpx
import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from config.wsgi import application
from tests.api.test_schema import REPOSITORY, USDC_ETHEREUM

PACKAGE = "cqar_generated_client"
HOT_CALLS = [
    "resolve_venue_symbol",
    "resolve_deployment",
    "resolve_pretrade",
    "resolve_aggregate",
    "resolve_symbol",
    "resolve_batch",
]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The generated package, imported; the generator's warnings fail it."""
    workdir = tmp_path_factory.mktemp("client")
    config = workdir / "config.yaml"
    config.write_text("post_hooks: []\n")  # no formatter run: the code is only imported
    generator = Path(sys.executable).with_name("openapi-python-client")
    subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(REPOSITORY / "openapi.yaml"),
            "--output-path",
            str(workdir / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(config),
            "--fail-on-warning",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    sys.path.insert(0, str(workdir))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(workdir))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def module(generated, name: str):
    return importlib.import_module(f"{generated.__name__}.{name}")


@pytest.mark.parametrize("call", HOT_CALLS)
def test_each_hot_lookup_returns_models_not_dictionaries(generated, call):
    """What a call returns is its answer's model (or Error, or None for an undocumented
    status), never a dictionary nor an untyped ``…Response200``."""
    sync = module(generated, f"api.resolve.{call}").sync
    returned = typing.get_args(typing.get_type_hints(sync)["return"])
    answers = [kind for kind in returned if kind not in (type(None), generated.models.Error)]
    assert answers, call
    for model in answers:
        assert attrs.has(model), (call, model)
        assert not model.__name__.endswith("Response200"), (call, model)
        assert len(attrs.fields(model)) > 1, (call, model)  # more than additional_properties


def test_min_severity_is_an_enum_with_named_levels(generated):
    severity = module(generated, "models").SeverityEnum
    assert [(level.name, level.value) for level in severity] == [
        ("INFO", 1),
        ("LOW", 2),
        ("MEDIUM", 3),
        ("HIGH", 4),
        ("CRITICAL", 5),
    ]


@pytest.fixture
def client(generated, viewer):
    """The generated client, its HTTP going straight into the WSGI app (in the test's
    transaction, like Django's test client)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    token = viewer._credentials["HTTP_AUTHORIZATION"].removeprefix("Token ")
    client = generated.AuthenticatedClient(
        base_url="http://testserver", token=token, prefix="Token"
    )
    client.set_httpx_client(
        httpx.Client(
            base_url="http://testserver",
            transport=httpx.WSGITransport(app=application),
            headers={"Authorization": f"Token {token}"},
        )
    )
    try:
        yield client
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def assert_fully_typed(value, where: str = "answer") -> None:
    """Every field of the answer landed in a declared attribute: nothing left over."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            assert_fully_typed(item, f"{where}[{index}]")
    elif attrs.has(type(value)):
        assert value.additional_properties == {}, (where, value.additional_properties)
        for field in attrs.fields(type(value)):
            if field.name != "additional_properties":
                assert_fully_typed(getattr(value, field.name), f"{where}.{field.name}")


def test_real_answers_fill_the_generated_models(generated, client, demo):
    api = module(generated, "api.resolve")
    models = module(generated, "models")
    symbol = importlib.import_module(f"{api.__name__}.resolve_symbol").sync(
        client=client, symbol="USDC"
    )
    assert isinstance(symbol, models.SymbolAnswer)
    counterfeit = next(asset for asset in symbol.assets if asset.active_flags)
    assert counterfeit.active_flags[0].severity is models.SeverityEnum.CRITICAL

    pretrade = importlib.import_module(f"{api.__name__}.resolve_pretrade").sync(
        client=client, asset=counterfeit.asset_id, min_severity=models.SeverityEnum.HIGH
    )
    assert isinstance(pretrade, models.PretradeAnswer)
    assert (pretrade.tradeable, pretrade.min_severity) == (False, models.SeverityEnum.HIGH)

    ticker = importlib.import_module(f"{api.__name__}.resolve_venue_symbol").sync(
        client=client, venue="kraken", symbol="XXBTZUSD"
    )
    assert isinstance(ticker, models.VenueSymbolAnswer)
    assert (ticker.quote_asset.symbol, ticker.quote_currency) == ("USD", "USD")
    assert ticker.quote_asset.asset_type is models.AssetTypeEnum.FIAT
    assert ticker.market_type is models.MarketTypeEnum.SPOT
    assert ticker.instrument.code == "BTC-USD"
    assert ticker.market.status is models.MarketStatusEnum.TRADING

    deployment = importlib.import_module(f"{api.__name__}.resolve_deployment").sync(
        client=client, chain="ethereum", address=USDC_ETHEREUM
    )
    assert isinstance(deployment, models.DeploymentAnswer)
    assert deployment.deployment.decimals == 6

    group = importlib.import_module(f"{api.__name__}.resolve_aggregate").sync(
        client=client, group="ETH"
    )
    assert isinstance(group, models.GroupAnswer)
    variants = importlib.import_module(f"{api.__name__}.resolve_aggregate").sync(
        client=client, asset=group.members[0].asset_id
    )
    assert isinstance(variants, models.VariantsAnswer)

    missing = importlib.import_module(f"{api.__name__}.resolve_symbol").sync(
        client=client, symbol="NOPE"
    )
    assert isinstance(missing, models.Error)

    for answer in (symbol, pretrade, ticker, deployment, group, variants, missing):
        assert_fully_typed(answer)


def test_a_real_batch_fills_the_generated_models(generated, client, demo):
    models = module(generated, "models")
    batch = importlib.import_module(f"{generated.__name__}.api.resolve.resolve_batch")
    lookups = [
        models.VenueSymbolLookup(
            type_=models.VenueSymbolLookupType.VENUE_SYMBOL, venue="binance", symbol="ETHUSDT"
        ),
        models.PretradeLookup(
            type_=models.PretradeLookupType.PRETRADE,
            chain="ethereum",
            address=USDC_ETHEREUM,
            min_severity=models.SeverityEnum.INFO,
        ),
        models.AggregateLookup(type_=models.AggregateLookupType.AGGREGATE, group="ETH"),
        models.SymbolLookup(type_=models.SymbolLookupType.SYMBOL, symbol="NOPE"),
    ]
    answer = batch.sync(client=client, body=models.BatchRequest(lookups=lookups))
    assert isinstance(answer, models.BatchAnswer)
    assert [type(result).__name__ for result in answer.results] == [
        "BatchFound",
        "BatchFound",
        "BatchFound",
        "BatchNotFound",
    ]
    assert [type(result.result).__name__ for result in answer.results] == [
        "VenueSymbolAnswer",
        "PretradeAnswer",
        "GroupAnswer",
        "NoneType",
    ]
    assert_fully_typed(answer)

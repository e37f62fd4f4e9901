"""The rules RegistryModel.normalize applies to every field of every entity, whichever
path writes it (API, admin, importers): no invisible character in any identifier or
other one-line field, bounded free text, bounded metadata."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from hypothesis import given, settings
from hypothesis import strategies as st

from assets import services as asset_services
from chains.models import Chain
from registry.models import RegistryModel
from registry.text import FREE_TEXT_MAX_LENGTH
from registry.validators import (
    METADATA_MAX_BYTES,
    METADATA_MAX_DEPTH,
    METADATA_MAX_INTEGER,
    METADATA_MIN_INTEGER,
)
from tests.factories import AssetDeploymentFactory, ChainFactory
from tests.strategies import is_invisible, with_inner_invisible_character, with_invisible_character

# A valid value of every one-line text field that is not a choice, by "app.Model.field".
VALID_VALUES = {
    "chains.Chain.chain_id": "bitcoin",
    "chains.Chain.name": "Bitcoin",
    "chains.Chain.caip2_reference": "000000000019d6689c085ae165831e93",
    "chains.Chain.rpc_url": "https://rpc.example.org/v1",
    "chains.Chain.explorer_url": "https://mempool.space/",
    "assets.Asset.symbol": "BTC",
    "assets.Asset.name": "Bitcoin",
    "assets.Asset.category": "currency",
    "assets.Asset.logo_url": "https://example.org/btc.png",
    "assets.Asset.website_url": "https://bitcoin.org/",
    "assets.AssetIdentifier.external_id": "bitcoin",
    "assets.AssetDeployment.address": "840000:3",
    "assets.AssetDeployment.deployment_tx": "f" * 64,
    "assets.AssetDeployment.deployer_address": "840000:1",
    "assets.AssetRelationship.protocol": "lido",
    "assets.AssetGroup.group_id": "btc",
    "assets.AssetGroup.canonical_symbol": "BTC",
    "assets.AssetGroup.issuer": "Satoshi Labs",
    "venues.Venue.venue_id": "kraken",
    "venues.Venue.name": "Kraken",
    "venues.Venue.protocol_address": "0x1F98431c8aD98523631AE4a59f267346ea31F984",
    "venues.Venue.website_url": "https://www.kraken.com/",
    "venues.Venue.api_url": "https://api.kraken.com/0/public",
    "venues.VenueAsset.venue_asset_symbol": "XXBT",
    "markets.Instrument.code": "BTC-USD-PERP-INV-X100",
    "markets.Market.venue_symbol": "XXBTZUSD",
    "quality.AssetQualityFlag.source": "chain-patrol",
    "quality.AssetQualityFlag.evidence_url": "https://example.org/report",
    "quality.AssetQualityFlag.raised_by": "user:alice",
    "quality.AssetQualityFlag.resolved_by": "user:bob",
}
# Display names collapse a blank into a space: visible, so stored.
DISPLAY_NAMES = {"chains.Chain.name", "assets.Asset.name", "venues.Venue.name"}


def registry_models() -> list[type[RegistryModel]]:
    # A proxy (markets.VenueSymbol) has its concrete model's fields and rules.
    return [
        model
        for model in apps.get_models()
        if issubclass(model, RegistryModel) and not model._meta.proxy
    ]


def fields_of(*kinds) -> list[tuple[type, models.Field]]:
    return [
        (model, field)
        for model in registry_models()
        for field in model._meta.concrete_fields
        if isinstance(field, kinds)
    ]


def labels(model_fields) -> list[str]:
    return [f"{model._meta.label}.{field.name}" for model, field in model_fields]


def one_line_fields() -> list[str]:
    return sorted(
        f"{model._meta.label}.{field.name}"
        for model, field in fields_of(models.CharField)
        if not field.choices
    )


def instance_with(label: str, value: str) -> RegistryModel:
    """An unsaved instance whose field ``label`` holds ``value``."""
    app_model, name = label.rsplit(".", 1)
    model = apps.get_model(app_model)
    instance = model()
    if model._meta.label == "assets.AssetDeployment":
        instance.chain = Chain(chain_id="bitcoin", chain_type="BITCOIN")
    setattr(instance, name, value)
    return instance


def field_errors(instance: RegistryModel, name: str) -> list[str] | None:
    """The field's errors from validation, which normalizes first; None if it passes."""
    others = [f.name for f in instance._meta.fields if f.name != name]
    try:
        instance.clean_fields(exclude=others)
    except ValidationError as error:
        return error.message_dict.get(name)
    return None


def test_every_one_line_field_has_a_valid_sample_here():
    """A new identifier field must join this test, so the rule is checked on it."""
    assert one_line_fields() == sorted(VALID_VALUES)


@pytest.mark.parametrize("label", sorted(VALID_VALUES))
def test_the_valid_sample_passes(label):
    assert field_errors(instance_with(label, VALID_VALUES[label]), label.rsplit(".")[-1]) is None


@pytest.mark.parametrize("label", sorted(VALID_VALUES))
@settings(max_examples=50)
@given(data=st.data())
def test_no_field_stores_an_invisible_character(label, data):
    """Refused with the field named, or stored without any invisible character."""
    name = label.rsplit(".")[-1]
    instance = instance_with(label, data.draw(with_invisible_character(VALID_VALUES[label])))
    if field_errors(instance, name) is None:
        stored = getattr(instance, name)
        assert not any(is_invisible(char) for char in stored), repr(stored)


@pytest.mark.parametrize("label", sorted(set(VALID_VALUES) - DISPLAY_NAMES))
@settings(max_examples=50)
@given(data=st.data())
def test_an_identifier_with_an_inner_invisible_character_is_refused(label, data):
    name = label.rsplit(".")[-1]
    value = data.draw(with_inner_invisible_character(VALID_VALUES[label]))
    assert field_errors(instance_with(label, value), name), repr(value)


@pytest.mark.django_db
@pytest.mark.parametrize("hidden", ["\u200b", "\u202e", "\u00ad"])
def test_a_lookalike_of_a_stored_rune_id_is_400_naming_the_address(steward, hidden):
    """Bitcoin's '840000:3' followed by U+200B, U+202E or U+00AD was stored as a new
    deployment, a lookalike of the real one."""
    chain = ChainFactory(chain_id="bitcoin", chain_type="BITCOIN", network_id=None)
    AssetDeploymentFactory(chain=chain, address="840000:3")
    other = asset_services.asset_create(symbol="DOG", name="Dog", asset_type="ERC20")
    body = {
        "asset": str(other.asset_id),
        "chain": "bitcoin",
        "address": f"840000:3{hidden}",
        "decimals": 0,
    }
    response = steward.post("/api/v1/deployments/", body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert f"U+{ord(hidden):04X}" in error["fields"]["address"][0]
    assert chain.deployments.count() == 1


# --- free text ----------------------------------------------------------------------------


def free_text_fields() -> list[tuple[type, models.Field]]:
    return fields_of(models.TextField)


def test_every_free_text_field_declares_the_bound():
    """The bound reaches the API schema (maxLength) and the admin's textareas."""
    assert free_text_fields()
    for model, field in free_text_fields():
        assert field.max_length == FREE_TEXT_MAX_LENGTH, f"{model._meta.label}.{field.name}"


@pytest.mark.parametrize("model, field", free_text_fields(), ids=labels(free_text_fields()))
def test_free_text_is_stored_up_to_the_bound_and_refused_past_it(model, field):
    at_limit = model(**{field.name: "\U0001d54f" * FREE_TEXT_MAX_LENGTH})  # 4 bytes each
    assert field_errors(at_limit, field.name) is None
    over = model(**{field.name: "x" * (FREE_TEXT_MAX_LENGTH + 1)})
    assert "the limit is 10,000" in field_errors(over, field.name)[0]


# --- metadata -----------------------------------------------------------------------------


def nested(depth: int, leaf=1):
    """A JSON object ``depth`` containers deep, built without recursion."""
    value = leaf
    for level in range(depth - 1):
        value = {"k": value} if level % 2 else [value]
    return {"k": value}


def of_size(size: int) -> dict:
    """A JSON object exactly ``size`` bytes long as compact UTF-8 JSON."""
    frame = len(b'{"k":""}')
    return {"k": "é" * ((size - frame) // 2) + "x" * ((size - frame) % 2)}


def metadata_fields():
    return fields_of(models.JSONField)


@pytest.mark.parametrize("model, field", metadata_fields(), ids=labels(metadata_fields()))
@pytest.mark.parametrize(
    "value",
    [
        nested(METADATA_MAX_DEPTH),
        of_size(METADATA_MAX_BYTES),
        {"big": METADATA_MAX_INTEGER, "small": METADATA_MIN_INTEGER, "pi": 3.14},
        {"bidi \u202e": "emoji \U0001f469\u200d\U0001f4bb"},
    ],
    ids=["deepest", "largest", "widest-integers", "format-characters"],
)
def test_metadata_at_the_limits_is_accepted(model, field, value):
    assert field_errors(model(**{field.name: value}), field.name) is None


@pytest.mark.parametrize("model, field", metadata_fields(), ids=labels(metadata_fields()))
@pytest.mark.parametrize(
    "value, reason",
    [
        (nested(METADATA_MAX_DEPTH + 1), "Nested more than 16 levels deep"),
        (nested(100_000), "Nested more than 16 levels deep"),
        (of_size(METADATA_MAX_BYTES + 1), "the limit is 32,768 bytes"),
        ({"n": METADATA_MAX_INTEGER + 1}, "does not fit in 64 bits"),
        ({"n": [METADATA_MIN_INTEGER - 1]}, "does not fit in 64 bits"),
        ({"n": float("nan")}, "not a JSON number"),
        ({"n": float("-inf")}, "not a JSON number"),
        ({"lone \ud800": 1}, "U+D800"),
        ({"n": ["ok", "nul\x00"]}, "U+0000"),
    ],
    ids=["too-deep", "far-too-deep", "too-large", "huge", "tiny", "nan", "inf", "surrogate", "nul"],
)
def test_metadata_past_the_limits_is_refused_saying_why(model, field, value, reason):
    errors = field_errors(model(**{field.name: value}), field.name)
    assert errors and reason in errors[0], errors

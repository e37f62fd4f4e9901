"""The export and CSV import rules of the markets app's entities (registry.exchange):
venue symbols (tickers), the markets as the venue-ticker API shows them."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as SerializerValidationError

from assets.models import Asset
from markets.api.views import VenueSymbolViewSet
from markets.models import Market
from markets.services import venue_symbol_delist
from registry.exchange.entities import (
    CREATED,
    UNCHANGED,
    UPDATE,
    UPDATED,
    Entity,
    PlannedRow,
    register_entity,
)
from registry.importing import ItemRejected

# The venue-ticker names of the markets' fields (a ticker's base asset is its
# instrument's underlying).
ALIASES = {"symbol": (Market, "venue_symbol"), "asset": (Asset, "asset_id")}


class VenueSymbolEntity(Entity):
    """Venue tickers: a current mapping by (venue, market_type, symbol); a delisted one by
    its id, or by its key and delisting time where the ids differ (another registry).

    A row delisted in the file delists the current mapping it names (by id); a row
    current in the file whose mapping has been delisted since leaves it delisted (a
    delisting is history, and the ticker is mapped anew by a row without that id).
    """

    def key_value(self, name, text):
        if name not in ALIASES:
            return super().key_value(name, text)
        model, field_name = ALIASES[name]
        text = text.strip()
        if not text:
            return None
        try:
            value = model._meta.get_field(field_name).to_python(text)
            if name == "symbol":
                value = Market.normalizers["venue_symbol"](value)
        except ValidationError as error:
            raise ValidationError({name: error.messages}) from None
        return value

    def key_of_instance(self, obj):
        return (obj.venue_id, obj.market_type, obj.venue_symbol)

    def lookup_queryset(self):
        return self.model._base_manager.select_related("instrument")

    def changes(self, instance, validated, run):
        """The row's values that differ from the ticker's, by the ticker's names (its asset
        and quote are the instrument's; venue_symbol_update turns them into a market's)."""
        changes = {}
        for name, value in validated.items():
            current = getattr(instance, name)
            if name == "symbol" and isinstance(value, str):
                value = Market.normalizers["venue_symbol"](value)
            if value != current:
                changes[name] = validated[name]
        return changes

    def key_of(self, cells):
        base = super().key_of(cells)
        if base is None:
            return None
        delisted_at = self.delisted_at(cells)
        same = (
            self.key_value("id", cells.get("id", "")),
            self.key_value("asset", cells.get("asset", "")),
        )
        if delisted_at is None:
            return ("current", *base, *same)
        return ("delisted", *base, *same, delisted_at)

    @staticmethod
    def delisted_at(cells):
        text = cells.get("delisted_at", "").strip()
        if not text:
            return None
        try:
            return serializers.DateTimeField().to_internal_value(text)
        except SerializerValidationError as error:
            raise ValidationError({"delisted_at": [str(m) for m in error.detail]}) from None

    def existing(self, keys):
        wanted = set(keys)
        if not wanted:
            return {}
        ids = {key[4] for key in wanted} - {None}
        candidates = self.lookup_queryset().filter(
            Q(
                venue_id__in={key[1] for key in wanted},
                venue_symbol__in={key[3] for key in wanted},
            )
            | Q(pk__in=ids)
        )
        current, by_id, delisted = {}, {}, {}
        for obj in candidates:
            base = (obj.venue_id, obj.market_type, obj.symbol)
            by_id[obj.pk] = obj
            if obj.delisted_at is None:
                current[base] = obj
            else:
                delisted[(*base, obj.delisted_at)] = obj
        found = {}
        for key in wanted:
            kind, base, (pk, asset_id) = key[0], key[1:4], key[4:6]
            same = by_id.get(pk)
            if same is not None and (
                (same.venue_id, same.market_type, same.symbol) != base or same.asset_id != asset_id
            ):
                same = None
            if kind == "current":
                obj = current.get(base) or same
            else:
                obj = same or delisted.get((*base, key[6]))
            if obj is not None:
                found[key] = obj
        return found

    def plan_row(self, row, instance, run):
        delisted_at = self.delisted_at(row.cells)
        if instance is not None and instance.delisted_at is not None and delisted_at is None:
            run.report.warnings.append(
                f"line {row.line}: ticker mapping {instance.pk} was delisted since; it stays "
                "as it is (a new mapping of the ticker is a row without its id)."
            )
            return None
        planned = super().plan_row(row, instance, run)
        if instance is not None and instance.delisted_at is not None:
            if delisted_at != instance.delisted_at:
                raise ItemRejected(
                    f"delisted_at: the mapping was delisted at "
                    f"{instance.delisted_at.isoformat()}; a delisting is set once."
                )
            return planned
        if delisted_at is not None:
            # Delisting deactivates; the row's is_active is the state after it.
            active = run.validate(run.decode(row), instance).get("is_active", False)
            planned = planned or PlannedRow(row.line, UPDATE, instance=instance)
            planned.data.pop("is_active", None)
            planned.extra.update(delist=delisted_at, active=active)
        return planned

    def follow_up_values(self, planned):
        extra = planned.extra
        if "delist" not in extra:
            return {}
        return {"delisted_at": extra["delist"], "is_active": extra["active"]}

    def create(self, planned):
        venue_symbol = self.create_service(**planned.data)
        self._delist(venue_symbol, planned.extra)
        return CREATED

    def update(self, planned):
        changed = []
        if planned.data:
            changed = self.writes.update_of(planned.instance, changes=planned.data)
        if "delist" in planned.extra:
            self._delist(planned.instance, planned.extra)
            return UPDATED
        return UPDATED if changed else UNCHANGED

    def _delist(self, venue_symbol, extra: dict) -> None:
        if "delist" not in extra:
            return
        venue_symbol_delist(venue_symbol=venue_symbol, at=extra["delist"])
        if extra["active"]:
            self.writes.update_of(venue_symbol, changes={"is_active": True})


def register() -> None:
    register_entity(
        VenueSymbolEntity("venue-symbols", VenueSymbolViewSet, ("venue", "market_type", "symbol"))
    )

"""The export and CSV import of chains (registry.exchange): the generic rules, by chain_id.

An export carries each chain's CAIP-2 id (``caip2``) and each deployment's CAIP-19 id
(``caip19``), derived and read-only. On import a filled cell is checked, not ignored:
a row whose id is not the one its own fields make (a file edited by hand, or one whose
network id was changed but not its id) is refused, naming the column, rather than
imported as something the id does not name. An empty cell is not checked.
"""

import copy

from chains import caip
from chains.api.views import ChainViewSet
from chains.choices import CAIP2_NAMESPACES, ChainType
from chains.models import Chain
from registry.exchange.entities import Entity, register_entity
from registry.importing import ItemRejected


def candidate_of(model, planned, instance):
    """The row as it would be stored: the stored row with the row's changes, or a new
    one of the row's fields."""
    candidate = copy.copy(instance) if instance is not None else model()
    fields = {f.name for f in model._meta.concrete_fields}
    for name, value in (planned.data if planned is not None else {}).items():
        if name in fields:
            setattr(candidate, name, value)
    return candidate


def check_derived_id(row, column: str, parse, derive) -> None:
    """Refuse the row when its ``column`` cell, a CAIP id, is malformed or is not
    ``derive()`` (compared as parsed: an EVM address's letter case aside)."""
    text = row.cells.get(column, "").strip()
    if not text:
        return
    try:
        given = parse(text, column)
    except ValueError as error:
        raise ItemRejected(str(error)) from None
    derived = derive()
    evm = str(given).startswith(f"{CAIP2_NAMESPACES[ChainType.EVM]}:")
    same = derived is not None and (
        str(given) == derived or (evm and str(given).lower() == derived.lower())
    )
    if not same:
        raise ItemRejected(
            f"{column}: {text} is not the id the row's own fields make "
            f"({derived or 'none: no CAIP namespace names it'}); correct the row, or empty "
            "the cell."
        )


class ChainEntity(Entity):
    def plan_row(self, row, instance, run):
        planned = super().plan_row(row, instance, run)
        chain = candidate_of(Chain, planned, instance)
        check_derived_id(row, "caip2", caip.parse_caip2, lambda: chain.caip2)
        return planned


def register() -> None:
    register_entity(ChainEntity("chains", ChainViewSet, ("chain_id",)))

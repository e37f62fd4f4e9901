"""The export and CSV import of chains (registry.exchange): the generic rules, by chain_id."""

from chains.api.views import ChainViewSet
from registry.exchange.entities import Entity, register_entity


def register() -> None:
    register_entity(Entity("chains", ChainViewSet, ("chain_id",)))

from registry.apps import EntityAppConfig


class MarketsConfig(EntityAppConfig):
    name = "markets"
    registry_data = "reference data"

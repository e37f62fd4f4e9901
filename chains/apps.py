from registry.apps import EntityAppConfig


class ChainsConfig(EntityAppConfig):
    name = "chains"
    registry_data = "reference data"

from registry.apps import EntityAppConfig


class AssetsConfig(EntityAppConfig):
    name = "assets"
    registry_data = "reference data"

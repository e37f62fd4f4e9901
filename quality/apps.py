from registry.apps import EntityAppConfig


class QualityConfig(EntityAppConfig):
    name = "quality"
    registry_data = "flags"

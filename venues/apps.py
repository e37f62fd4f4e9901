from registry.apps import EntityAppConfig


class VenuesConfig(EntityAppConfig):
    name = "venues"
    registry_data = "reference data"

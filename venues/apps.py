from django.apps import AppConfig


class VenuesConfig(AppConfig):
    name = "venues"
    # Which role writes this app's models (registry.roles.REFERENCE_DATA): Stewards write them.
    registry_data = "reference data"

    def ready(self) -> None:
        from registry.demo import register_demo_loader
        from venues.demo import load_demo_venues

        register_demo_loader("venues", load_demo_venues)

        from venues import lookups

        lookups.register()
        # What the OpenAPI document says its hot lookups answer.
        from registry.api.schema import register_resolve_answer
        from venues.api.serializers import VenueSymbolAnswerSerializer

        register_resolve_answer("venue_symbol", VenueSymbolAnswerSerializer)
        # The asset list and search by venue.
        from assets.filtersets import register_asset_filters
        from venues.filtersets import ASSET_FILTERS

        register_asset_filters(**ASSET_FILTERS)

        from venues import events

        events.register()

        from venues import exchange

        exchange.register()

        # What the core's admin index shows of this app, and its part of a synthetic
        # registry (manage.py generate_synthetic).
        from registry.synthetic import register_synthetic_step
        from venues import dashboard
        from venues.synthetic import SyntheticTickers

        dashboard.register()
        register_synthetic_step("venues", SyntheticTickers)

from django.apps import AppConfig


class VenuesConfig(AppConfig):
    name = "venues"

    def ready(self) -> None:
        from registry.demo import register_demo_loader
        from venues.demo import load_demo_venues

        register_demo_loader("venues", load_demo_venues)

        from venues import lookups

        lookups.register()

        from venues import events

        events.register()

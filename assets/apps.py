from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "assets"

    def ready(self) -> None:
        from assets.demo import load_demo_assets
        from registry.demo import register_demo_loader

        register_demo_loader("assets", load_demo_assets)

        from assets import lookups

        lookups.register()

        from assets import events

        events.register()

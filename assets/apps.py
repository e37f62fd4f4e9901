from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "assets"
    # Which role writes this app's models (registry.roles.REFERENCE_DATA): Stewards write them.
    registry_data = "reference data"

    def ready(self) -> None:
        from assets.demo import load_demo_assets
        from registry.demo import register_demo_loader

        register_demo_loader("assets", load_demo_assets)

        from assets import lookups

        lookups.register()
        # What the OpenAPI document says its hot lookups answer.
        from assets.api import serializers as api
        from registry.api.schema import register_resolve_answer

        register_resolve_answer("deployment", api.DeploymentAnswerSerializer)
        register_resolve_answer("symbol", api.SymbolAnswerSerializer)
        register_resolve_answer("asset", api.AssetSummaryWithFlagsSerializer)
        register_resolve_answer(
            "aggregate", api.GroupAnswerSerializer, api.VariantsAnswerSerializer
        )

        from assets import events

        events.register()

        from assets import exchange

        exchange.register()

        # What the core's admin index shows of this app, and its part of a synthetic
        # registry (manage.py generate_synthetic).
        from assets import dashboard
        from assets.synthetic import SyntheticAssets
        from registry.synthetic import register_synthetic_step

        dashboard.register()
        register_synthetic_step("assets", SyntheticAssets)

        # A caller may read the hot lookups if it may read assets (registry.api.resolve).
        from registry.api.resolve import register_read_permission

        register_read_permission("assets.view_asset")

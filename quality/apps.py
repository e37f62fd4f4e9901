from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "quality"
    # Which role writes this app's models (registry.roles.FLAGS): Auditors raise and resolve them.
    registry_data = "flags"

    def ready(self) -> None:
        from quality.demo import load_demo_flags
        from registry.demo import register_demo_loader

        register_demo_loader("quality", load_demo_flags)

        from quality import lookups

        lookups.register()
        # What the OpenAPI document says its hot lookups answer, and its flag fields of
        # the asset summary in every answer.
        from assets.api.serializers import register_summary_fields
        from quality.api.serializers import SUMMARY_FLAG_FIELDS, PretradeAnswerSerializer
        from registry.api.schema import register_resolve_answer

        register_resolve_answer("pretrade", PretradeAnswerSerializer)
        register_summary_fields(**SUMMARY_FLAG_FIELDS)
        # The asset list and search by active flags.
        from assets.filtersets import register_asset_filters
        from quality.filtersets import ASSET_FILTERS

        register_asset_filters(**ASSET_FILTERS)

        from quality import events

        events.register()

        from quality import exchange

        exchange.register()

        # What the core's admin index shows of this app, and its part of a synthetic
        # registry (manage.py generate_synthetic).
        from quality import dashboard
        from quality.synthetic import SyntheticFlags
        from registry.synthetic import register_synthetic_step

        dashboard.register()
        register_synthetic_step("quality", SyntheticFlags)

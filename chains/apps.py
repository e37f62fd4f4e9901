from django.apps import AppConfig


class ChainsConfig(AppConfig):
    name = "chains"
    # Which role writes this app's models (registry.roles.REFERENCE_DATA): Stewards write them.
    registry_data = "reference data"

    def ready(self) -> None:
        from chains.demo import load_demo_chains
        from registry.demo import register_demo_loader

        register_demo_loader("chains", load_demo_chains)

        from chains import events

        events.register()

        from chains import exchange

        exchange.register()

        # What the core's admin index shows of this app, and its part of a synthetic
        # registry (manage.py generate_synthetic).
        from chains import dashboard
        from chains.synthetic import SyntheticChains
        from registry.synthetic import register_synthetic_step

        dashboard.register()
        register_synthetic_step("chains", SyntheticChains)

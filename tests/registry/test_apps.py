"""Every entity app is ready the same way: EntityAppConfig calls register() in each of
the app's contributing modules that exists and has one, in CONTRIBUTING_MODULES order."""

from django.apps import apps

from registry.apps import CONTRIBUTING_MODULES, EntityAppConfig


def test_every_entity_app_is_an_entity_app_config_with_a_role_kind():
    entity_apps = [c for c in apps.get_app_configs() if isinstance(c, EntityAppConfig)]
    assert [c.label for c in entity_apps] == ["chains", "assets", "venues", "quality", "markets"]
    assert {c.label: c.registry_data for c in entity_apps} == {
        "chains": "reference data",
        "assets": "reference data",
        "venues": "reference data",
        "quality": "flags",
        "markets": "reference data",
    }


def test_a_missing_module_or_package_is_no_contribution():
    chains = apps.get_app_config("chains")
    assert chains._module("lookups") is None  # chains has no hot lookups
    assert chains._module("no_such_package.serializers") is None
    assert chains._module("api.serializers").__name__ == "chains.api.serializers"


def test_ready_calls_register_of_each_contributing_module_in_order(monkeypatch):
    quality = apps.get_app_config("quality")
    called = []
    for name in CONTRIBUTING_MODULES:
        module = quality._module(name)
        if module is not None and hasattr(module, "register"):
            monkeypatch.setattr(module, "register", lambda name=name: called.append(name))
    quality.ready()
    assert called == [
        "provenance",
        "demo",
        "lookups",
        "api.serializers",
        "filtersets",
        "events",
        "exchange",
        "dashboard",
        "synthetic",
        "rpcs",
    ]

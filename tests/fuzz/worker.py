"""One target under atheris: ``python -m tests.fuzz.worker NAME [libFuzzer flags] CORPUS``.

Run by the runner (tests/fuzz/__main__.py), one process per target: libFuzzer ends the
process on the first crash, writing the input under -artifact_prefix."""

import contextlib
import inspect
import os
import secrets
import sys

import atheris

# The parsers and the rules they call: coverage feedback comes from these.
INSTRUMENTED = (
    "registry.importing",
    "registry.exchange.formats",
    "registry.api.pagination",
    "registry.text",
    "registry.numbers",
    "registry.schema_messages",
    "registry.validators",
    "assets.importers",
    "chains.addresses",
    "chains.caip2",
    "markets.importers",
)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()
    from tests.fuzz.targets import TARGETS

    target = TARGETS[sys.argv[1]]
    instrument_the_registry()

    def one_input(data: bytes) -> None:
        with contextlib.suppress(*target.refusals):
            target.run(data)

    atheris.Setup([sys.argv[0], *sys.argv[2:]], one_input)
    atheris.Fuzz()


def instrument_the_registry() -> None:
    """Coverage feedback from the parsers' functions (instrument_all() would take
    minutes over Django and the libraries)."""
    for module in list(sys.modules.values()):
        name = getattr(module, "__name__", "") or ""
        if not name.startswith(INSTRUMENTED):
            continue
        for value in list(vars(module).values()):
            if getattr(value, "__module__", None) != name:
                continue
            if inspect.isfunction(value):
                atheris.instrument_func(value)
            elif inspect.isclass(value):
                for member in vars(value).values():
                    if inspect.isfunction(member):
                        atheris.instrument_func(member)


if __name__ == "__main__":
    main()

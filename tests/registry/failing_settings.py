"""The registry's settings with tests.registry.failing_site as its URLs."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "tests.registry.failing_site"

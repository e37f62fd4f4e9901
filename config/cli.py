"""The registry's command line: ``manage.py`` in a checkout, ``cqar`` where it is installed.

An image or a ``pip install`` has no ``manage.py``; the ``cqar`` script (declared in
pyproject.toml) runs the same commands (``cqar migrate``, ``cqar import_tokenlist …``).
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    from registry.history import history_context

    # Changes made by any command (the shell included) are history with an actor.
    with history_context():
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

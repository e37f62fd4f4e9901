#!/usr/bin/env python
"""Django's command-line utility for CQAR (installed, the same commands are ``cqar``)."""

from config.cli import main

if __name__ == "__main__":
    main()

"""`make reliability`: the registry under faults on the real stack (docs/RELIABILITY.md).

Each scenario starts what it breaks (its own PostgreSQL cluster, Redis, NATS, RabbitMQ,
gunicorn and Celery workers as it needs), drives a steady mixed load, breaks one part,
and reports a ScenarioResult. ``python -m tests.reliability`` runs them all and prints
the table; ``--quick`` is the bounded subset test_subset.py runs inside ``make test``.
"""

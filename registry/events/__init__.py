"""Lifecycle events: recorded in an outbox with the change, published after commit.

- ``types``: the event types the apps register (``register_event_type``) and how each
  turns a model into its protobuf message.
- ``outbox``: ``record`` / ``record_many``, called by the services inside the write's
  transaction; the sequencer that puts committed rows in commit order; the publisher
  loop the Celery tasks run.
- ``jetstream``: the NATS JetStream connection, stream and message headers.
- ``pb``: modules generated from ``proto/`` (``make proto``); never edit them.

docs/EVENTS.md describes the guarantees and the wire format.
"""

"""API plumbing every app's ``api/`` package builds on: base viewset and serializer,
keyset pagination, the error shape, permissions and throttling."""

"""The hostile-input catalogue (catalogue.yaml) and the tests that send it to REST and gRPC."""

"""Independent stand-in for the CQC v0.4.0 platform contracts, used by wire-compat tests."""

"""Independent stand-in for the CQC v0.4.0 platform contracts (and the venue-symbol
methods of v0.3.1), used by wire-compatibility tests."""

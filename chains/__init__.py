"""Chains, and the address rules of each chain type."""

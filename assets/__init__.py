"""Assets and what hangs off them: identifiers, deployments, relationships, groups."""

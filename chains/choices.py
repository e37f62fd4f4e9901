from django.db import models


class ChainType(models.TextChoices):
    """How a chain spells addresses; names match the CQC contracts' chain_type strings."""

    EVM = "EVM", "EVM"
    SOLANA = "SOLANA", "Solana"
    BITCOIN = "BITCOIN", "Bitcoin"
    COSMOS = "COSMOS", "Cosmos"
    OTHER = "OTHER", "Other"


# CAIP-2 namespace of each chain type (https://chainagnostic.org/CAIPs/caip-2).
CAIP2_NAMESPACES = {
    ChainType.EVM: "eip155",
    ChainType.SOLANA: "solana",
    ChainType.BITCOIN: "bip122",
    ChainType.COSMOS: "cosmos",
}

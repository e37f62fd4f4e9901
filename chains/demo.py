"""Demo chains: real mainnets with their EIP-155 ids, CAIP-2 references and explorers."""

from chains.choices import ChainType
from chains.models import Chain
from chains.services import chain_create
from registry.demo import DemoLog, register_demo_loader

DEMO_CHAINS = [
    {
        "chain_id": "bitcoin",
        "name": "Bitcoin",
        "chain_type": ChainType.BITCOIN,
        "caip2_reference": "000000000019d6689c085ae165831e93",
        "explorer_url": "https://mempool.space",
        "metadata": {"slip44": 0},
    },
    {
        "chain_id": "ethereum",
        "name": "Ethereum",
        "chain_type": ChainType.EVM,
        "network_id": 1,
        "rpc_url": "https://cloudflare-eth.com",
        "explorer_url": "https://etherscan.io",
        "metadata": {"slip44": 60},
    },
    {
        "chain_id": "arbitrum",
        "name": "Arbitrum One",
        "chain_type": ChainType.EVM,
        "network_id": 42161,
        "rpc_url": "https://arb1.arbitrum.io/rpc",
        "explorer_url": "https://arbiscan.io",
        "metadata": {"slip44": 60, "parent": "ethereum", "layer": 2},
    },
    {
        "chain_id": "optimism",
        "name": "OP Mainnet",
        "chain_type": ChainType.EVM,
        "network_id": 10,
        "rpc_url": "https://mainnet.optimism.io",
        "explorer_url": "https://optimistic.etherscan.io",
        "metadata": {"slip44": 60, "parent": "ethereum", "layer": 2},
    },
    {
        "chain_id": "base",
        "name": "Base",
        "chain_type": ChainType.EVM,
        "network_id": 8453,
        "rpc_url": "https://mainnet.base.org",
        "explorer_url": "https://basescan.org",
        "metadata": {"slip44": 60, "parent": "ethereum", "layer": 2},
    },
    {
        "chain_id": "polygon",
        "name": "Polygon PoS",
        "chain_type": ChainType.EVM,
        "network_id": 137,
        "rpc_url": "https://polygon-rpc.com",
        "explorer_url": "https://polygonscan.com",
        "metadata": {"slip44": 966},
    },
    {
        "chain_id": "solana",
        "name": "Solana",
        "chain_type": ChainType.SOLANA,
        "caip2_reference": "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",
        "rpc_url": "https://api.mainnet-beta.solana.com",
        "explorer_url": "https://explorer.solana.com",
        "metadata": {"slip44": 501},
    },
]


def load_demo_chains(log: DemoLog) -> dict[str, int]:
    created = 0
    for spec in DEMO_CHAINS:
        if Chain.objects.filter(chain_id=spec["chain_id"]).exists():
            continue
        chain_create(**spec)
        log(f"chain {spec['chain_id']}")
        created += 1
    return {"chains": created}


def register() -> None:
    register_demo_loader("chains", load_demo_chains)

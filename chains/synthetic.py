"""The chains of a synthetic registry (registry.synthetic): EVM chains to deploy on."""

from chains.choices import ChainType
from chains.models import Chain
from chains.services import chain_create
from registry.synthetic import SyntheticStep, register_synthetic_step

SYNTHETIC_CHAIN_IDS = [f"synthetic-{index}" for index in range(8)]


class SyntheticChains(SyntheticStep):
    def prepare(self) -> None:
        """The synthetic chains, through the service, unless an earlier run made them."""
        for index, chain_id in enumerate(SYNTHETIC_CHAIN_IDS):
            if not Chain.objects.filter(pk=chain_id).exists():
                chain_create(
                    chain_id=chain_id,
                    name=f"Synthetic {index}",
                    chain_type=ChainType.EVM,
                    network_id=990_000 + index,
                )


def register() -> None:
    register_synthetic_step("chains", SyntheticChains)

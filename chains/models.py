"""Chain: a network that assets are deployed on."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from chains.addresses import normalize_address
from chains.choices import CAIP2_NAMESPACES, ChainType
from registry.history import tracked
from registry.models import RegistryModel
from registry.text import normalize_name
from registry.validators import SLUG_PATTERN, validate_registry_slug, validate_rpc_url


@tracked()
class Chain(RegistryModel):
    chain_id = models.CharField(
        primary_key=True,
        max_length=64,
        validators=[validate_registry_slug],
        help_text="Stable slug, e.g. 'ethereum', 'arbitrum', 'solana'.",
    )
    name = models.CharField(max_length=200)
    chain_type = models.CharField(max_length=16, choices=ChainType.choices)
    network_id = models.BigIntegerField(
        null=True,
        blank=True,
        unique=True,
        help_text="EIP-155 chain id of an EVM chain (1 for Ethereum).",
    )
    caip2_reference = models.CharField(
        max_length=64,
        blank=True,
        help_text="CAIP-2 reference of a non-EVM chain (Solana/Bitcoin genesis hash prefix, "
        "Cosmos chain id). EVM chains derive theirs from network_id.",
    )
    native_asset = models.ForeignKey(
        settings.CHAINS_NATIVE_ASSET_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="native_chains",
    )
    rpc_url = models.CharField(max_length=500, blank=True, validators=[validate_rpc_url])
    explorer_url = models.URLField(max_length=500, blank=True)
    is_testnet = models.BooleanField(default=False)
    metadata = models.JSONField(default=dict, blank=True)

    normalizers = {"name": normalize_name}

    class Meta:
        ordering = ["chain_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(chain_id__regex=SLUG_PATTERN),
                name="chain_id_is_slug",
                violation_error_message="chain_id must be a lower-case slug.",
            ),
            models.CheckConstraint(
                condition=~Q(chain_type=ChainType.EVM) | Q(network_id__isnull=False),
                name="chain_evm_has_network_id",
                violation_error_message="An EVM chain needs its EIP-155 network id.",
                violation_error_code="network_id",  # the field to blame
            ),
            # EIP-155 ids are positive: eip155:0 or eip155:-5 names no chain.
            models.CheckConstraint(
                condition=Q(network_id__isnull=True) | Q(network_id__gt=0),
                name="chain_network_id_positive",
                violation_error_message="A network id is a positive integer.",
            ),
        ]

    def __str__(self) -> str:
        return self.chain_id

    @property
    def caip2(self) -> str | None:
        """The chain's CAIP-2 id (``eip155:1``), or None when it has no standard namespace."""
        namespace = CAIP2_NAMESPACES.get(self.chain_type)
        if namespace is None:
            return None
        reference = self.network_id if self.chain_type == ChainType.EVM else self.caip2_reference
        return f"{namespace}:{reference}" if reference not in (None, "") else None

    def normalize_address(self, address: str) -> str:
        """Validate and normalize an address by this chain's rule (see chains.addresses)."""
        return normalize_address(self.chain_type, address)

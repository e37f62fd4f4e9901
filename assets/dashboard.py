"""What the assets app shows on the admin index (registry.dashboard)."""

from assets.models import (
    Asset,
    AssetDeployment,
    AssetGroup,
    AssetGroupMember,
    AssetIdentifier,
    AssetRelationship,
)
from registry import dashboard


def register() -> None:
    """Called from AssetsConfig.ready()."""
    # The assets head the index: they are what the registry is about.
    dashboard.register_total("Assets", Asset.objects.all(), weight=10)
    dashboard.register_total("Deployments", AssetDeployment.objects.all(), weight=20)
    dashboard.register_event_pages(
        {
            "asset_": Asset,
            "asset_deployment_": AssetDeployment,
            "asset_identifier_": AssetIdentifier,
            "asset_group_": AssetGroup,
            "relationship_": AssetRelationship,
            "group_member_": AssetGroupMember,
        }
    )

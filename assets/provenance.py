"""The facts of assets whose source is recorded (registry.provenance).

An asset's descriptive fields (everything a list or a person can set) and a
deployment's facts (decimals above all: two lists disagreeing on them is a DATA_CONFLICT
flag) and an identifier's asset (which asset an external id names).
"""

from assets.models import Asset, AssetDeployment, AssetIdentifier
from registry import provenance

# The asset fields whose source is tracked: everything a list or a person can set.
TRACKED_FIELDS = (
    "symbol",
    "name",
    "asset_type",
    "category",
    "description",
    "logo_url",
    "website_url",
    "metadata",
)
DEPLOYMENT_FIELDS = ("decimals", "address", "is_native", "is_canonical", "is_verified")
IDENTIFIER_FIELDS = ("asset", "is_primary")


def register() -> None:
    provenance.track(Asset, TRACKED_FIELDS)
    provenance.track(AssetDeployment, DEPLOYMENT_FIELDS)
    provenance.track(AssetIdentifier, IDENTIFIER_FIELDS)

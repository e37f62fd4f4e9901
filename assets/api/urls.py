from rest_framework.routers import SimpleRouter

from assets.api import views

router = SimpleRouter()
router.register("assets", views.AssetViewSet, basename="asset")
router.register("deployments", views.AssetDeploymentViewSet, basename="assetdeployment")
router.register("identifiers", views.AssetIdentifierViewSet, basename="assetidentifier")
router.register("relationships", views.AssetRelationshipViewSet, basename="assetrelationship")
router.register("groups", views.AssetGroupViewSet, basename="assetgroup")
router.register(
    r"chains/(?P<chain_id>[^/.]+)/assets", views.ChainAssetViewSet, basename="chain-asset"
)

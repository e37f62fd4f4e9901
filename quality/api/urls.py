from rest_framework.routers import SimpleRouter

from quality.api import views

router = SimpleRouter()
router.register("quality-flags", views.AssetQualityFlagViewSet, basename="assetqualityflag")

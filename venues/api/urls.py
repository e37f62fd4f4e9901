from rest_framework.routers import SimpleRouter

from venues.api import views

router = SimpleRouter()
router.register("venues", views.VenueViewSet, basename="venue")
router.register("venue-assets", views.VenueAssetViewSet, basename="venueasset")

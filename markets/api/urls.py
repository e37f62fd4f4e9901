from rest_framework.routers import SimpleRouter

from markets.api import views

router = SimpleRouter()
router.register("venue-symbols", views.VenueSymbolViewSet, basename="venuesymbol")

from rest_framework.routers import SimpleRouter

from markets.api import views

router = SimpleRouter()
router.register("venue-symbols", views.VenueSymbolViewSet, basename="venuesymbol")
router.register("instruments", views.InstrumentViewSet, basename="instrument")
router.register("markets", views.MarketViewSet, basename="market")

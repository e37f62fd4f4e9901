from rest_framework.routers import SimpleRouter

from chains.api import views

router = SimpleRouter()
router.register("chains", views.ChainViewSet, basename="chain")

from billing import api
from core.routers import SimpleRouter

router = SimpleRouter()
router.register("periods", api.PeriodViewSet, basename="billing-period")
router.register("rate-cards", api.RateCardViewSet, basename="billing-rate-card")
router.register("cost-pools", api.CostPoolViewSet, basename="billing-cost-pool")
router.register("invoices", api.InvoiceViewSet, basename="billing-invoice")
router.register("usage", api.UsageViewSet, basename="billing-usage")
urlpatterns = router.urls

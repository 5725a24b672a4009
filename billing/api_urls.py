from rest_framework.routers import SimpleRouter

from billing import api

router = SimpleRouter()
router.register("periods", api.PeriodViewSet, basename="billing-period")
router.register("rate-cards", api.RateCardViewSet, basename="billing-rate-card")
router.register("cost-pools", api.CostPoolViewSet, basename="billing-cost-pool")
router.register("invoices", api.InvoiceViewSet, basename="billing-invoice")
router.register("usage", api.UsageViewSet, basename="billing-usage")
urlpatterns = router.urls

from django.urls import path

from orders import views

app_name = "orders"
urlpatterns = [
    path("", views.OrderListView.as_view(), name="order_list"),
    path("new/<slug:slug>/", views.OrderCreateView.as_view(), name="order_create"),
    path("<int:pk>/", views.OrderDetailView.as_view(), name="order_detail"),
    path("<int:pk>/action/", views.OrderActionView.as_view(), name="order_action"),
    path("<int:pk>/configure/", views.OrderConfigureView.as_view(), name="order_configure"),
    path("<int:pk>/comment/", views.OrderCommentView.as_view(), name="order_comment"),
]

from django.urls import path

from intake import views

app_name = "intake"
urlpatterns = [
    path("", views.IdeaListView.as_view(), name="idea_list"),
    path("new/", views.IdeaCreateView.as_view(), name="idea_create"),
    path("weights/", views.WeightsView.as_view(), name="weights"),
    path("<int:pk>/", views.IdeaDetailView.as_view(), name="idea_detail"),
    path("<int:pk>/move/", views.IdeaMoveView.as_view(), name="idea_move"),
    path("<int:pk>/assess/", views.IdeaAssessView.as_view(), name="idea_assess"),
    path("<int:pk>/comment/", views.IdeaCommentView.as_view(), name="idea_comment"),
    path("<int:pk>/join/", views.IdeaJoinView.as_view(), name="idea_join"),
]

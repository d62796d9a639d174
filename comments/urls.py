from django.urls import path

from comments import views

app_name = "comments"

urlpatterns = [
    path("comments/post/<int:pk>/", views.post_comment, name="post"),
    path("comments/report/<int:pk>/", views.report_comment, name="report"),
    path("comments/<int:pk>/edit/", views.edit_comment, name="edit"),
    path("comments/<int:pk>/edit/<str:token>/", views.edit_comment, name="edit_link"),
    path("privacy/", views.PrivacyView.as_view(), name="privacy"),
]

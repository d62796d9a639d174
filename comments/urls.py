from django.urls import path

from comments import views

app_name = "comments"

urlpatterns = [
    path("comments/post/<int:pk>/", views.post_comment, name="post"),
    path("comments/report/<int:pk>/", views.report_comment, name="report"),
    path("comments/appeal/<str:token>/", views.appeal_decision, name="appeal"),
    path("privacy/", views.PrivacyView.as_view(), name="privacy"),
]

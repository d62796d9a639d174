from django.urls import path

from comments import views

app_name = "comments"

urlpatterns = [
    path("comments/post/<int:pk>/", views.post_comment, name="post"),
    path("comments/report/<int:pk>/", views.report_comment, name="report"),
    path("comments/appeal/<str:token>/", views.appeal_decision, name="appeal"),
    path("comments/confirm/again/", views.confirm_again, name="confirm_again"),
    path("comments/confirm/<str:token>/", views.confirm_address, name="confirm"),
    path("comments/mine/<str:token>/", views.own_comment, name="own"),
    path("comments/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("privacy/", views.PrivacyView.as_view(), name="privacy"),
]

from django.urls import path

from comments import feeds, views

app_name = "comments"

urlpatterns = [
    path("comments/post/<int:pk>/", views.post_comment, name="post"),
    path("comments/report/<int:pk>/", views.report_comment, name="report"),
    path("comments/appeal/<str:token>/", views.appeal_decision, name="appeal"),
    path("comments/confirm/again/", views.confirm_again, name="confirm_again"),
    path("comments/confirm/<str:token>/", views.confirm_address, name="confirm"),
    path("comments/mine/<str:token>/", views.own_comment, name="own"),
    path("comments/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("comments/<int:pk>/", views.comment_permalink, name="comment"),
    path("comments/<int:pk>/edit/", views.edit_comment, name="edit"),
    path("comments/<int:pk>/edit/<str:token>/", views.edit_comment, name="edit_link"),
    path("privacy/", views.PrivacyView.as_view(), name="privacy"),
    path("comments/feeds/rss/", feeds.LatestCommentsFeed(), name="rss"),
    path("comments/feeds/atom/", feeds.LatestCommentsAtomFeed(), name="atom"),
    path("articles/<slug:slug>/comments/rss/", feeds.ArticleCommentsFeed(), name="article-rss"),
    path(
        "articles/<slug:slug>/comments/atom/", feeds.ArticleCommentsAtomFeed(), name="article-atom"
    ),
]

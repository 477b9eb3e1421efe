"""The notices and events board (/board/…) and the campaign-mail consent pages (/subscribe/…)."""
from django.urls import path

from ..views import board as views

urlpatterns = [
    path("board/", views.board_list, name="board"),
    path("board/<int:pk>/", views.post_detail, name="post_detail"),
    path("board/<int:pk>/comments/", views.comment_post, name="comment_post"),
    path("board/comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("board/comments/<int:pk>/moderate/", views.comment_moderate, name="comment_moderate"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/<str:token>/unsubscribe/", views.unsubscribe, name="unsubscribe"),
]

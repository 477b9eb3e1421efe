"""The notices and events board (/board/…) and the campaign-mail consent pages (/subscribe/…)."""
from django.urls import path

from . import views_board

urlpatterns = [
    path("board/", views_board.board_list, name="board"),
    path("board/<int:pk>/", views_board.post_detail, name="post_detail"),
    path("board/<int:pk>/comments/", views_board.comment_post, name="comment_post"),
    path("board/comments/<int:pk>/delete/", views_board.comment_delete, name="comment_delete"),
    path("board/comments/<int:pk>/moderate/", views_board.comment_moderate, name="comment_moderate"),
    path("subscribe/", views_board.subscribe, name="subscribe"),
    path("subscribe/<str:token>/unsubscribe/", views_board.unsubscribe, name="unsubscribe"),
]

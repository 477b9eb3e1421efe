from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("writable/", views.writable, name="writable"),
    path("mine/", views.mine, name="mine"),
    path("write/<int:line_pk>/", views.review_write, name="write"),
    path("<int:pk>/edit/", views.review_edit, name="edit"),
    path("<int:pk>/delete/", views.review_remove, name="delete"),
    path("<int:pk>/report/", views.review_flag, name="report"),
    path("products/<int:product_pk>/", views.product_review_list, name="product"),
    path("products/<int:product_pk>/questions/", views.product_question_list, name="questions"),
    path("questions/<int:pk>/delete/", views.question_remove, name="question_delete"),
]

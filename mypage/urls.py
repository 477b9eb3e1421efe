from django.urls import path

from . import views

app_name = "mypage"

urlpatterns = [
    path("", views.hub, name="hub"),
    path("leave/", views.leave, name="leave"),
    path("export/", views.export, name="export"),
    path("coupons/", views.coupons, name="coupons"),
]

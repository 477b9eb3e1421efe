"""The needs board (views.needs)."""
from django.urls import path

from ..views import needs as views

urlpatterns = [
    path("needs/", views.need_list, name="need_list"),
    path("needs/new/", views.need_new, name="need_new"),
    path("needs/<int:pk>/", views.need_detail, name="need_detail"),
    path("needs/<int:pk>/propose/", views.need_propose, name="need_propose"),
    path("needs/<int:pk>/close/", views.need_close, name="need_close"),
    path("needs/proposals/<int:pk>/request/", views.proposal_to_request, name="proposal_to_request"),
    path("needs/attachments/<int:pk>/", views.need_attachment, name="need_attachment"),
]

from django.urls import path

from . import views

app_name = "vendors"

urlpatterns = [
    path("apply/", views.application_start, name="apply"),
    path("mine/", views.my_vendors, name="mine"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/documents/", views.application_documents, name="application_documents"),
    path("applications/<int:pk>/<slug:action>/", views.application_action, name="application_action"),
    path("<int:pk>/renewal/", views.renewal, name="renewal"),
    path("documents/<int:pk>/", views.document, name="document"),
]

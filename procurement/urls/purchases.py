"""Pages from an accepted quote to the purchase record (views.purchases)."""
from django.urls import path

from ..views import purchases as views

urlpatterns = [
    path("quotes/<str:number>/accept/", views.quote_accept, name="quote_accept"),
    path("po/", views.po_list, name="po_list"),
    path("po/<str:number>/", views.po_detail, name="po_detail"),
    path("po/<str:number>/action/", views.po_action, name="po_action"),
    path("po/<str:number>/payment/", views.po_payment, name="po_payment"),
    path("po/<str:number>/invoice/", views.po_invoice, name="po_invoice"),
    path("direct/", views.direct_purchase, name="direct_purchase"),
    path("records/", views.record_list, name="record_list"),
    path("records/outside/new/", views.outside_record_new, name="outside_record_new"),
    path("records/<int:pk>/evidence/", views.record_evidence, name="record_evidence"),
]

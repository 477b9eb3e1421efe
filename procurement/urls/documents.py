"""Document downloads of procurement: quote PDFs, the quote's bundle, purchase orders, delivery notes."""
from django.urls import path

from ..views import documents as views

urlpatterns = [
    path("documents/quote-version/<int:pk>/pdf/", views.quote_pdf, name="quote_pdf"),
    path("documents/quote/<str:number>/bundle/", views.bundle_request_view, name="bundle_request"),
    path("documents/quote/<str:number>/bundle/status/", views.bundle_status, name="bundle_status"),
    path("documents/quote/<str:number>/bundle/pdf/", views.bundle_pdf, name="bundle_pdf"),
    path("documents/quote/<str:number>/bundle/zip/", views.bundle_zip, name="bundle_zip"),
    path("documents/po/<str:number>/pdf/", views.po_pdf, name="po_pdf"),
    path("documents/po/<str:number>/delivery-note/", views.delivery_note_pdf, name="delivery_note_pdf"),
]

from django.urls import path

from . import views

app_name = "catalog"

# Storefront pages (the front page itself is the root URLconf's "home"). Slugs may be
# Korean, so they match as `str`.
urlpatterns = [
    path("products/", views.products, name="products"),
    path("products/<int:pk>/", views.product_detail, name="product_short"),
    path("products/<int:pk>/<str:slug>/", views.product_detail, name="product"),
    path("categories/<str:slug>/", views.category, name="category"),
    path("search/", views.search, name="search"),
    path("shops/<int:pk>/", views.vendor_page, name="vendor"),
    path("wishlist/<int:pk>/", views.wish_toggle, name="wish"),
    path("wishlist/", views.wishlist, name="wishlist"),
    path("recent/", views.recently_viewed, name="recent"),
    path("wishlist/notices/", views.wish_notices, name="wish_notices"),
    path("restock/<int:pk>/", views.restock_alert, name="restock_alert"),
]

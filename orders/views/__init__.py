"""The orders app's pages: shop (cart, checkout, order pages), payments, documents, reports."""

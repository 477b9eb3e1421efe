"""Procurement pages, one module per part (urls/ has the matching patterns)."""

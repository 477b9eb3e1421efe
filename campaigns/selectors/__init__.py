"""Reads of campaigns: pricing (the one campaign-price rule) and campaigns (the storefront's reads)."""

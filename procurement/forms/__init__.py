"""Forms of the procurement pages: quotes.py (agencies, basket, requests, answers, messages) and
purchases.py (purchase orders, direct purchase, outside records, the needs board)."""

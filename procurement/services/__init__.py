"""Every write and transition of procurement, one module per part (agencies, quotes, purchases, needs,
documents, bundle); notifications.py holds what the notice tasks of procurement.tasks send."""

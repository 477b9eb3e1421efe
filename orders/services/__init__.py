"""Every write and state change of the orders app, one module per area.

cart           the cart, its summary (prices, campaign prices, shipping, coupon) and line edits
addresses      the buyer's saved addresses
checkout       order_place: the cart becomes an order (campaign limits, coupon, stock), all or nothing
actions        every order and vendor-order transition: paid, expired, cancelled, shipped, delivered,
               confirmed, returned, refunded, and the vendor's notes
payments       payment rows, the PG client, the provider registry, refunds (pg_cancel, refund accounts)
cash_receipts  현금영수증 of cash payments through the PG's cash-receipt API
confirmations  a deposit, a card approval or a virtual-account deposit pays the order
webhooks       the PG's webhooks (deposit secret, status lookups), once and forward only
reconciliation the daily comparison with the PG's transactions (mismatches for the operator)
deposits       bank deposits matched from the bank's CSV
shipping       many vendor orders shipped from a tracking-number file
return_photos  the buyer's return photos (private files)
documents      receipts, statements and packing slips (PDF)
tax_invoices   tax-invoice requests, issuing and approvals
settlements    settlements with vendors and their statements
notifications  the mails and in-app notices the tasks send

Lower modules never import higher ones (cart, payments, return_photos ← actions ← checkout,
confirmations, shipping …); tasks (orders/tasks.py) are queued by name through ddasum.jobs.
"""

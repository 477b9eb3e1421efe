"""Every write and transition of campaigns, one module per area.

campaigns: items (apply, decide, withdraw) and visits; board: posts and comments; coupons: the
rules, the choice and redemption; limits: campaign caps and per-customer limits;
subscriptions: consent to campaign mail and the campaign mails.
"""

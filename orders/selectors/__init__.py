"""Reads of the orders app used by several pages and services.

access            who may see an order, its payment page and its documents
orders            small reads about an order (its customer key for campaign limits and coupons)
reports           the operator's sales reports (by month, vendor, category, region, type) and their CSV
campaign_reports  what a campaign sold, against the time before it
todo              what waits for the vendor (claims to decide), for the dashboard and the order list
"""

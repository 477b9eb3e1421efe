"""Reads of procurement used in more than one place: access rules, quotable products, reports."""

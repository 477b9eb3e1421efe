"""Every periodic job catches up from the database (issue 11, item 8).

A beat run that did not happen (beat down, worker killed) must be made up by the next one: each
job finds its work in the rows, never in "today is the day". Each beat entry names the test that
proves its catch-up; a new entry without one fails here.
"""
import importlib

from django.conf import settings

CATCH_UP_TESTS = {
    "vendors-certification-check": "tests.vendors.test_services:test_missed_day_is_caught_up_by_the_nearest_threshold",
    "orders-expire-unpaid":
        "tests.orders.test_payments:test_beat_task_expires_only_due_orders_returns_stock_and_is_idempotent",
    "orders-claim-refunds-sweep":
        "tests.orders.test_refunds:test_a_refund_left_pending_by_a_dead_worker_is_sent_by_the_sweeper_once",
    "orders-auto-complete": "tests.orders.test_actions:test_auto_complete_confirms_old_deliveries_once",
    "orders-monthly-settlements":
        "tests.orders.test_follow_ups:test_the_daily_run_settles_every_ended_month_with_unsettled_orders_not_only_the_last",
    "campaigns-mails": "tests.campaigns.test_subscriptions:test_published_after_its_start_still_gets_the_start_notice",
    "procurement-remind-unanswered": "tests.procurement.test_quotes:test_reminder_once_for_old_unanswered_requests",
    "procurement-needs-close-due":
        "tests.procurement.test_needs:test_close_due_closes_only_needs_past_their_deadline",
    "orders-virtual-accounts-due-remind":
        "tests.orders.test_messages:test_virtual_accounts_due_within_a_day_are_reminded_once_by_the_hourly_run",
    "notifications-deliveries-due":
        "tests.notifications.test_messages:test_the_beat_task_catches_up_what_waited_and_what_a_dead_task_left",
    "ddasum-outbox-sweep": "tests.ddasum.test_outbox:test_a_row_committed_but_never_sent_is_sent_by_the_sweeper_once",
    "orders-popularity":
        "tests.orders.test_popularity:test_refresh_counts_recent_paid_units_wishes_and_views_and_is_idempotent",
    "catalog-restock-notices": "tests.catalog.test_restock:"
                               "test_alert_for_a_guest_and_a_member_sent_once_when_stock_returns_and_a_missed_run_is_made_up",
    "campaigns-wish-notices": "tests.catalog.test_restock:test_wished_product_on_a_live_campaign_price_tells_once_per_campaign",
    "reviews-reminders":
        "tests.reviews.test_reviews:test_reminder_goes_once_a_few_days_after_delivery_and_a_missed_day_is_made_up",
    "reviews-questions-remind-vendors":
        "tests.reviews.test_questions:test_reminder_after_two_business_days_once_and_holidays_delay_it",
    "orders-payments-reconcile-daily":
        "tests.orders.test_reconciliation:test_missed_days_are_reconciled_in_order_from_the_last_one_done",
    "ddasum-documents-orphans-sweep":
        "tests.ddasum.test_documents:test_the_sweep_removes_old_files_no_row_points_to_and_nothing_else",
    "mypage-retention-purge": "tests.mypage.test_leave_export:test_retention_purge_scrubs_records_once_their_period_ends",
}


def test_every_beat_entry_has_a_test_that_it_catches_up():
    assert set(settings.CELERY_BEAT_SCHEDULE) == set(CATCH_UP_TESTS)
    for entry, path in CATCH_UP_TESTS.items():
        module, name = path.split(":")
        assert callable(getattr(importlib.import_module(module), name, None)), (entry, path)

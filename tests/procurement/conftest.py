"""Fixtures the procurement tests share: a verified agency, its buyer, a category, PDFs not made.

A test module may override one (test_api names its agency, test_direct_purchase says its kind).
The makers that are not fixtures stay in factories.py (rows with the ORM), quotes_helpers.py
(through the quote services) and docs_helpers.py (documents and bundles).
"""
from unittest import mock

import pytest

from procurement import tasks
from tests.factories import category

from .factories import AgencyFactory, AgencyMembershipFactory


@pytest.fixture
def agency(db):
    """A verified agency."""
    return AgencyFactory()


@pytest.fixture
def buyer(agency):
    """An active buyer of `agency`."""
    return AgencyMembershipFactory(agency=agency).user


@pytest.fixture
def household(db):
    return category("household")


@pytest.fixture
def no_pdf():
    """Purchase-order and delivery-note PDFs are not made; the mocks tell what was queued."""
    with mock.patch.object(tasks.po_pdf_task, "delay") as po_pdf, \
            mock.patch.object(tasks.delivery_note_pdf_task, "delay") as note_pdf:
        yield {"po": po_pdf, "note": note_pdf}

"""Fixtures shared by the catalog tests (users, vendors and owners come from tests/conftest.py)."""
import pytest


@pytest.fixture
def partner_client(client, owner):
    """The test client signed in as the owner of `vendor` (the partner admin's user)."""
    client.force_login(owner)
    return client

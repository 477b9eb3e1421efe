"""Fixtures shared by the vendors tests (users, vendors and owners come from tests/conftest.py)."""
import pytest


@pytest.fixture
def partner_client(client, owner):
    """The test client signed in as the owner of `vendor` (the partner admin's user)."""
    client.force_login(owner)
    return client


@pytest.fixture
def user_client(client, user):
    """The test client signed in as `user`, a member with no enterprise yet."""
    client.force_login(user)
    return client

"""Fixtures shared by the accounts tests (`user` comes from tests/conftest.py)."""
import pytest


@pytest.fixture
def user_client(client, user):
    """The test client signed in as `user`."""
    client.force_login(user)
    return client

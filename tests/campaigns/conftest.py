"""Fixtures shared by the campaign tests (users, vendors and owners come from tests/conftest.py;
factories from tests/campaigns/factories.py)."""
import pytest
from django.utils import timezone


@pytest.fixture
def moment():
    """Now, to the second: the moment a test's campaigns are placed around."""
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def partner_client(client, owner):
    """The test client signed in as the owner of `vendor` (the partner admin's user)."""
    client.force_login(owner)
    return client

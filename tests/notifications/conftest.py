import pytest

from notifications.backends.console import LocmemBackend

from .fake_solapi import FakeSolapi


@pytest.fixture(autouse=True)
def texts(settings):
    """SMS/알림톡 kept in memory (LocmemBackend.outbox), emptied for each test."""
    settings.MESSAGE_TEXT_BACKEND = "notifications.backends.console.LocmemBackend"
    LocmemBackend.outbox.clear()
    yield LocmemBackend.outbox
    LocmemBackend.outbox.clear()


@pytest.fixture
def solapi(settings):
    """The fake Solapi over HTTP, with the site configured to send through it."""
    fake = FakeSolapi(api_key="NCSTESTKEY", api_secret="test-secret-0123456789").start()
    settings.MESSAGE_TEXT_BACKEND = "notifications.backends.solapi.SolapiBackend"
    settings.SOLAPI_API_URL = fake.url
    settings.SOLAPI_API_KEY, settings.SOLAPI_API_SECRET = fake.api_key, fake.api_secret
    settings.SOLAPI_PF_ID = "KA01PF-TEST"
    settings.SOLAPI_SENDER = "0411234567"
    settings.SOLAPI_TEMPLATE_IDS = {"order_shipped": "KA01TP-SHIPPED"}
    settings.SOLAPI_TIMEOUT_SECONDS = 5
    yield fake
    fake.stop()

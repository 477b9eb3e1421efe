import os

import pytest
from django.core.cache import cache
from django.utils import translation

from ddasum.celery import app as celery_app

from .factories import MembershipFactory, OperatorFactory, UserFactory, VendorFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Inside the test process tasks run eagerly whatever REDIS_URL says; the real-worker test
# switches this off for itself.
celery_app.conf.task_always_eager = True
celery_app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "ddasum.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    # Each test starts in Korean: a request that switched this thread to English (the language
    # cookie) must not change the messages of services the next test calls directly.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
    cache.clear()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def operator(db):
    return OperatorFactory()


@pytest.fixture
def vendor(db):
    return VendorFactory()


@pytest.fixture
def owner(db, vendor):
    return MembershipFactory(vendor=vendor).user


@pytest.fixture
def other_vendor(db):
    return VendorFactory(name="다른협동조합")


@pytest.fixture
def other_owner(db, other_vendor):
    return MembershipFactory(vendor=other_vendor).user

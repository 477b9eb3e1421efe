"""Where files live: the public media storage ("default") and the private one ("private").

Embedded: two folders (MEDIA_ROOT served under MEDIA_URL, PRIVATE_MEDIA_ROOT with no URL).
With S3_BUCKET set (settings): an S3-compatible object store through django-storages, public
media and private files under separate buckets or prefixes. Either way every reader goes through
the storage API (`.open()`, `.save()`, `.listdir()`), never a local path, so any web or worker
node reads what another wrote.

Private files have no URL in either case: the views that check the requester stream them
(vendors.views, orders.views.documents, procurement.views.documents …). Streaming rather than
pre-signed URLs keeps one place that decides and logs every read (DocumentRead), rewrites PDFs
without active content on the way out (ddasum.pdf_clean.stored_file_open), and leaves no URL that
works for whoever it is forwarded to.
"""
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.encoding import filepath_to_uri
from django.utils.functional import LazyObject, empty
from storages.backends.s3 import S3Storage


class PrivateFileSystemStorage(FileSystemStorage):
    """A file system storage with no public URL at all."""

    def url(self, name):
        raise ValueError("private files have no URL; stream them through a view that checks the requester")


class PrivateS3Storage(S3Storage):
    """Private files in the object store: no URL, not even a pre-signed one."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        raise ValueError("private files have no URL; stream them through a view that checks the requester")


class PublicS3Storage(S3Storage):
    """Public media in the object store.

    With a public host for the media prefix (S3_MEDIA_DOMAIN: a CDN or a public-read bucket) its
    URL points there; otherwise to MEDIA_URL, which every web node streams from the store
    (ddasum.views.media), so the bucket itself stays closed.
    """

    def url(self, name, parameters=None, expire=None, http_method=None):
        if self.custom_domain:
            return super().url(name, parameters=parameters, expire=expire, http_method=http_method)
        return settings.MEDIA_URL + filepath_to_uri(name).lstrip("/")


def is_object_storage(storage) -> bool:
    """True when `storage` keeps its files in an S3-compatible store."""
    target = storage._wrapped if isinstance(storage, LazyObject) else storage
    if target is empty:
        storage._setup()
        target = storage._wrapped
    return isinstance(target, S3Storage)


class _PrivateStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages["private"]


private_storage = _PrivateStorage()


def get_private_storage():
    """Callable for FileField(storage=...), so migrations do not hard-code a path."""
    return private_storage


@receiver(setting_changed)
def _private_storage_reset(*, setting, **kwargs):
    if setting in ("STORAGES", "PRIVATE_MEDIA_ROOT"):
        private_storage._wrapped = empty

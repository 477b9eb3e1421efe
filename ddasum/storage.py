"""The private file storage: kept outside MEDIA_ROOT, with no URL; files are streamed by views."""
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty


class PrivateFileSystemStorage(FileSystemStorage):
    """A file system storage with no public URL at all."""

    def url(self, name):
        raise ValueError("private files have no URL; stream them through a view that checks the requester")


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

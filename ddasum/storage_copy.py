"""Copy every file of one storage into another, by name, skipping what is already there and equal.

Used to move an embedded shop's folders into the object store (`manage.py storage_migrate`) and by
the backup (`manage.py backup` / `restore`), in both directions: any Django storage to any other.
A copy is idempotent and resumable: a file whose size (and MD5, where both sides know it) matches
the target's is skipped, so a run stopped half-way goes on from where it was.
"""
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.core.files.storage import FileSystemStorage, Storage
from storages.backends.s3 import S3Storage

CHUNK = 1024 * 1024


@dataclass
class CopyResult:
    copied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    bytes_copied: int = 0
    manifest: dict[str, dict] = field(default_factory=dict)  # name → {"size", "md5"}


def storage_names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name under `folder`, depth first, sorted (the same order on every run)."""
    if isinstance(storage, FileSystemStorage) and not storage.exists(folder or "."):
        return
    folders, files = storage.listdir(folder)
    prefix = f"{folder.rstrip('/')}/" if folder else ""
    for name in sorted(files):
        yield prefix + name
    for sub in sorted(folders):
        yield from storage_names(storage, prefix + sub)


def _md5_read(storage: Storage, name: str) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with storage.open(name, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_fingerprint(storage: Storage, name: str) -> tuple[int, str] | None:
    """(size, MD5 hex) of a stored file, or None when it is not there. The object store's ETag is
    its MD5 for a single-part upload; otherwise (a multipart ETag) the file is read."""
    if isinstance(storage, S3Storage):
        obj = storage.bucket.Object(storage._normalize_name(name))
        try:
            obj.load()
        except storage.connection.meta.client.exceptions.ClientError:
            return None
        etag = (obj.e_tag or "").strip('"')
        if etag and "-" not in etag:
            return obj.content_length, etag
        return obj.content_length, _md5_read(storage, name)
    if not storage.exists(name):
        return None
    return storage.size(name), _md5_read(storage, name)


def storage_copy(source: Storage, target: Storage, *, dry_run: bool = False,
                 progress: Callable[[int, int, str, str], None] | None = None) -> CopyResult:
    """Copy every file of `source` missing or different in `target` under the same name.

    `progress(done, total, name, what)` is called after each file ("copy", "skip", "would copy").
    """
    result = CopyResult()
    names = list(storage_names(source))
    for done, name in enumerate(names, start=1):
        fingerprint = file_fingerprint(source, name)
        if fingerprint is None:  # removed while we walked
            continue
        size, md5 = fingerprint
        result.manifest[name] = {"size": size, "md5": md5}
        if file_fingerprint(target, name) == fingerprint:
            result.skipped.append(name)
            what = "skip"
        elif dry_run:
            result.copied.append(name)
            what = "would copy"
        else:
            if target.exists(name):
                target.delete(name)
            with source.open(name, "rb") as fh:
                saved = target.save(name, fh)
            if saved != name:
                raise RuntimeError(f"{name} was stored as {saved}")
            result.copied.append(name)
            result.bytes_copied += size
            what = "copy"
        if progress:
            progress(done, len(names), name, what)
    return result

"""Move an embedded shop's files (MEDIA_ROOT, PRIVATE_MEDIA_ROOT) into the configured object store.

Idempotent and resumable: a file already in the store with the same size and MD5 is skipped, so
running it again (or after an interruption) copies only what is missing. The local files are left
where they are; remove them once the site runs on the store.
"""
import time

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from ddasum.storage import is_object_storage
from ddasum.storage_copy import storage_copy


class Command(BaseCommand):
    help = "로컬 폴더의 파일(공개 미디어, 비공개 파일)을 객체 저장소로 옮깁니다. 다시 실행하면 남은 것만 옮깁니다."

    def add_arguments(self, parser):
        parser.add_argument("--media-root", default=None, help="local public media folder (default MEDIA_ROOT)")
        parser.add_argument("--private-root", default=None,
                            help="local private folder (default PRIVATE_MEDIA_ROOT)")
        parser.add_argument("--dry-run", action="store_true", help="only tell what would be copied")

    def handle(self, *args, media_root=None, private_root=None, dry_run=False, **options):
        targets = {"default": storages["default"], "private": storages["private"]}
        if not all(is_object_storage(storage) for storage in targets.values()):
            raise CommandError("object storage is not configured: set S3_BUCKET (and S3_ENDPOINT_URL, keys)")
        sources = {
            "default": FileSystemStorage(location=media_root or settings.MEDIA_ROOT),
            "private": FileSystemStorage(location=private_root or settings.PRIVATE_MEDIA_ROOT),
        }
        started = time.monotonic()
        total_copied = total_skipped = total_bytes = 0
        for alias, source in sources.items():
            self.stdout.write(f"{alias}: {source.location} → {self._describe(targets[alias])}")
            result = storage_copy(source, targets[alias], dry_run=dry_run, progress=self._progress)
            total_copied += len(result.copied)
            total_skipped += len(result.skipped)
            total_bytes += result.bytes_copied
        verb = "would copy" if dry_run else "copied"
        self.stdout.write(self.style.SUCCESS(
            f"{verb} {total_copied} file(s) ({filesizeformat(total_bytes)}), {total_skipped} already there, "
            f"in {time.monotonic() - started:.1f} s"
        ))

    def _describe(self, storage) -> str:
        return f"s3://{storage.bucket_name}/{storage.location}"

    def _progress(self, done: int, total: int, name: str, what: str):
        width = 30
        filled = width * done // total
        bar = "#" * filled + "." * (width - filled)
        self.stdout.write(f"[{bar}] {done}/{total} {what} {name}")

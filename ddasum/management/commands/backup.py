"""Back the shop up: a consistent database dump, every stored file and a manifest, in a dated folder."""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ddasum.management.backup import BackupError, backup_make


class Command(BaseCommand):
    help = "데이터베이스 덤프와 모든 파일, 목록(manifest)을 날짜 폴더에 백업합니다."

    def add_arguments(self, parser):
        parser.add_argument("--to", default=None,
                            help="the folder to make (default: BACKUP_DIR/<YYYYmmdd-HHMMSS>)")
        parser.add_argument("--quiet-files", action="store_true", help="no line per file")

    def handle(self, *args, to=None, quiet_files=False, **options):
        folder = Path(to) if to else Path(settings.BACKUP_DIR) / timezone.localtime().strftime("%Y%m%d-%H%M%S")
        if folder.exists():
            raise CommandError(f"{folder} exists already")
        progress = None if quiet_files else (
            lambda done, total, name, what: self.stdout.write(f"  {done}/{total} {what} {name}"))
        try:
            manifest = backup_make(folder, progress=progress)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        files = sum(len(f) for f in manifest["files"].values())
        self.stdout.write(self.style.SUCCESS(
            f"backup {folder}: {sum(manifest['counts'].values())} rows, {files} files, "
            f"in {manifest['seconds']} s"
        ))

"""Restore a backup folder into an empty database and store, then check it against its manifest."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ddasum.management.backup import BackupError, restore_run


class Command(BaseCommand):
    help = "백업 폴더를 빈 데이터베이스와 저장소에 복원하고, 목록(manifest)과 맞는지 확인합니다."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="a folder made by `manage.py backup`")
        parser.add_argument("--quiet-files", action="store_true", help="no line per file")

    def handle(self, *args, folder, quiet_files=False, **options):
        progress = None if quiet_files else (
            lambda done, total, name, what: self.stdout.write(f"  {done}/{total} {what} {name}"))
        try:
            report = restore_run(Path(folder), progress=progress)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"restored and verified: {report['rows']} rows, {report['files']} files, every total matches, "
            f"in {report['seconds']} s"
        ))

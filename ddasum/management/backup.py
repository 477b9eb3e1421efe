"""Backup and restore of a whole shop: the database and every stored file, with a manifest.

A backup folder holds `db.dump` (pg_dump, custom format; `db.sqlite3` for the embedded default),
`files/media/…` and `files/private/…` (the two storages, wherever they live), and `manifest.json`,
written last (a folder without it is not a backup): the row count of every table, the money totals
(orders, vendor orders, settlements, purchase records), each file's size and MD5, and the dump's
SHA-256.

Consistency: pg_dump reads one snapshot; the files are copied after it. Stored names are never
reused and files are removed only by the orphan sweep a day after no row points to them, so every
file a dumped row names is still there when the copy reaches it (a newer file is an extra, harmless).

Restore goes into an empty database and store: the dump is loaded, the files are copied in, and
the result is checked against the manifest (counts, totals, every file, every file a row names).
"""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

from django.apps import apps
from django.core.files.storage import FileSystemStorage, storages
from django.db import connection, models
from django.db.models import Sum
from django.utils import timezone

from ddasum.storage import private_storage
from ddasum.storage_copy import file_fingerprint, storage_copy

MANIFEST = "manifest.json"
STORAGE_FOLDERS = {"default": "media", "private": "private"}
# The sums a restore must give back exactly (model label, field).
TOTALS = (
    ("orders.Order", "total"),
    ("orders.VendorOrder", "total"),
    ("orders.Settlement", "payout"),
    ("procurement.PurchaseRecord", "total"),
)


class BackupError(Exception):
    pass


def database_facts() -> dict:
    """Row counts of every table Django manages, and the money totals."""
    counts = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.managed and not meta.proxy:
            counts[meta.label] = model._base_manager.count()
    totals = {}
    for label, field in TOTALS:
        model = apps.get_model(label)
        totals[f"{label}.{field}"] = model._base_manager.aggregate(s=Sum(field))["s"] or 0
    return {"counts": counts, "totals": totals}


def _pg_env() -> tuple[dict, list[str]]:
    db = connection.settings_dict
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    args = ["--host", db.get("HOST") or "127.0.0.1", "--port", str(db.get("PORT") or 5432),
            "--username", db.get("USER") or "postgres"]
    return env, args


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        raise BackupError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def database_dump(folder: Path) -> Path:
    if connection.vendor == "postgresql":
        env, args = _pg_env()
        target = folder / "db.dump"
        _run(["pg_dump", *args, "--format=custom", "--no-owner", "--no-privileges", f"--file={target}",
              connection.settings_dict["NAME"]], env)
        return target
    if connection.vendor == "sqlite":
        target = folder / "db.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)
        return target
    raise BackupError(f"no dump for {connection.vendor}")


def database_is_empty() -> bool:
    return not connection.introspection.table_names()


def database_load(dump: Path) -> None:
    if dump.name == "db.dump":
        if connection.vendor != "postgresql":
            raise BackupError("a PostgreSQL dump needs DATABASE_URL to a PostgreSQL database")
        env, args = _pg_env()
        connection.close()
        _run(["pg_restore", *args, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              f"--dbname={connection.settings_dict['NAME']}", str(dump)], env)
        return
    if connection.vendor != "sqlite":
        raise BackupError("a SQLite copy is restored into the embedded (SQLite) database only")
    connection.close()
    shutil.copyfile(dump, connection.settings_dict["NAME"])


def backup_make(folder: Path, *, progress=None) -> dict:
    """Dump the database and copy every file into `folder` (made here); returns the manifest."""
    started = time.monotonic()
    folder.mkdir(parents=True, exist_ok=False)
    facts = database_facts()
    dump = database_dump(folder)
    files = {}
    for alias, sub in STORAGE_FOLDERS.items():
        result = storage_copy(storages[alias], FileSystemStorage(location=str(folder / "files" / sub)),
                              progress=progress)
        files[alias] = result.manifest
    manifest = {
        "created_at": timezone.now().isoformat(),
        "database": {"vendor": connection.vendor, "file": dump.name, "sha256": _sha256(dump)},
        **facts,
        "files": files,
        "seconds": round(time.monotonic() - started, 1),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
    return manifest


def manifest_read(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} has no {MANIFEST}: not a finished backup")
    return json.loads(path.read_text())


def stored_file_names() -> list[tuple[str, str, str]]:
    """(model label, storage alias, name) of every file a row points to."""
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                alias = "private" if field.storage is private_storage else "default"
                names = model._base_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True)
                found.extend((model._meta.label, alias, name) for name in names if name)
    return found


def restore_run(folder: Path, *, progress=None) -> dict:
    """Load a backup into an empty database and store, then check it against its manifest."""
    started = time.monotonic()
    manifest = manifest_read(folder)
    dump = folder / manifest["database"]["file"]
    if _sha256(dump) != manifest["database"]["sha256"]:
        raise BackupError(f"{dump.name} does not match the manifest's checksum")
    if not database_is_empty():
        raise BackupError("the database is not empty: restore goes into a new, empty database")
    database_load(dump)
    for alias, sub in STORAGE_FOLDERS.items():
        storage_copy(FileSystemStorage(location=str(folder / "files" / sub)), storages[alias], progress=progress)
    problems = restore_check(manifest)
    if problems:
        raise BackupError("the restored shop differs from the backup:\n" + "\n".join(problems[:50]))
    return {"seconds": round(time.monotonic() - started, 1), "files": sum(len(f) for f in manifest["files"].values()),
            "rows": sum(manifest["counts"].values())}


def restore_check(manifest: dict) -> list[str]:
    """What differs between the database and store now and the manifest (empty when all is back)."""
    problems = []
    facts = database_facts()
    for label, count in manifest["counts"].items():
        if facts["counts"].get(label) != count:
            problems.append(f"{label}: {facts['counts'].get(label)} rows, the backup had {count}")
    for key, total in manifest["totals"].items():
        if facts["totals"].get(key) != total:
            problems.append(f"{key}: {facts['totals'].get(key)}, the backup had {total}")
    for alias, files in manifest["files"].items():
        storage = storages[alias]
        for name, fingerprint in files.items():
            if file_fingerprint(storage, name) != (fingerprint["size"], fingerprint["md5"]):
                problems.append(f"{alias}:{name} is missing or different")
    for label, alias, name in stored_file_names():
        if name not in manifest["files"].get(alias, {}) and not storages[alias].exists(name):
            problems.append(f"{label} points to {alias}:{name}, which is not there")
    return problems

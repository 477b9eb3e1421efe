"""`manage.py backup` and `restore`: a shop backed up, wiped, restored into a new database and store,
and found again whole (rows, totals, every file a row names)."""
import io
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from catalog.models import TaxType
from ddasum.storage import private_storage
from orders.models import Order
from procurement.services.bundle import bundle_build
from tests.factories import ProductFactory, UserFactory, place_order
from tests.procurement.docs_helpers import make_quote, vendor_documents
from tests.procurement.factories import AgencyMembershipFactory
from vendors.models import VendorDocument, VendorStatus

ROOT = Path(__file__).resolve().parents[2]


def shop(vendor):
    """A small shop: vendor documents, a quote with its PDF and bundle, two paid orders."""
    vendor.status = VendorStatus.APPROVED
    vendor.save()
    vendor_documents(vendor)
    membership = AgencyMembershipFactory(agency__name="충청남도 홍성군청")
    product = ProductFactory(vendor=vendor, name="홍성 유기농 현미", procurement_eligible=True)
    quote = make_quote(agency=membership.agency, vendor=vendor, buyer=membership.user, lines=[
        {"name": product.name, "quantity": 20, "unit_price": 55_000, "tax_type": TaxType.EXEMPT,
         "variant": product.variants.get()},
    ])
    bundle_build(quote_id=quote.pk)
    buyer = UserFactory()
    for quantity in (1, 3):
        place_order(items=[(product.variants.get(), quantity)], buyer=buyer, paid=True)
    return quote


def backup(folder: Path) -> dict:
    out = io.StringIO()
    call_command("backup", to=str(folder), stdout=out)
    assert "backup " in out.getvalue()
    return json.loads((folder / "manifest.json").read_text())


@pytest.mark.django_db(transaction=True)
def test_a_backup_holds_the_dump_every_file_and_a_manifest(vendor, tmp_path):
    shop(vendor)
    manifest = backup(tmp_path / "b1")
    assert manifest["counts"]["orders.Order"] == 2 and manifest["counts"]["vendors.VendorDocument"] >= 3
    assert manifest["totals"]["orders.Order.total"] == sum(Order.objects.values_list("total", flat=True)) > 0
    private = manifest["files"]["private"]
    for doc in VendorDocument.objects.all():
        assert doc.file.name in private
    assert (tmp_path / "b1" / manifest["database"]["file"]).stat().st_size > 0
    for name, fingerprint in private.items():
        assert (tmp_path / "b1" / "files" / "private" / name).stat().st_size == fingerprint["size"]
    with pytest.raises(CommandError, match="exists"):
        call_command("backup", to=str(tmp_path / "b1"), stdout=io.StringIO())


@pytest.mark.django_db
def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    folder = tmp_path / "b2"
    backup(folder)
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(folder), stdout=io.StringIO())


@pytest.mark.django_db
def test_restore_refuses_a_folder_without_manifest_or_with_a_changed_dump(tmp_path):
    with pytest.raises(CommandError, match="manifest"):
        call_command("restore", str(tmp_path), stdout=io.StringIO())
    folder = tmp_path / "b3"
    manifest = backup(folder)
    (folder / manifest["database"]["file"]).write_bytes(b"tampered")
    with pytest.raises(CommandError, match="checksum"):
        call_command("restore", str(folder), stdout=io.StringIO())


def _admin_connection():
    db = connection.settings_dict
    conn = psycopg2.connect(dbname="postgres", user=db["USER"] or "postgres", host=db["HOST"] or "127.0.0.1",
                            port=db["PORT"] or 5432, password=db.get("PASSWORD") or None)
    conn.autocommit = True
    return conn


@pytest.mark.postgres
@pytest.mark.object_storage
@pytest.mark.django_db(transaction=True)
def test_backup_wipe_restore_into_a_new_database_and_store(vendor, settings, object_storage, tmp_path):
    if connection.vendor != "postgresql":
        if os.environ.get("DDASUM_REQUIRE_SERVICES") == "1":
            pytest.fail("needs PostgreSQL")
        pytest.skip("needs PostgreSQL (pg_dump, pg_restore)")
    quote = shop(vendor)
    folder = tmp_path / "backup"
    manifest = backup(folder)
    bundle_name = quote.bundle.pdf.name
    assert bundle_name in manifest["files"]["private"]

    # Wipe the store's copy: the restore must bring the files from the backup alone.
    client, old_prefix = object_storage.client(), private_storage.location.rsplit("/", 1)[0]
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=object_storage.bucket, Prefix=old_prefix):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=object_storage.bucket, Key=item["Key"])
    assert not private_storage.exists(bundle_name)

    db = connection.settings_dict
    restored_db = f"{db['NAME']}_restored_{uuid.uuid4().hex[:6]}"
    new_prefix = f"test-{uuid.uuid4().hex}"
    admin = _admin_connection()
    admin.cursor().execute(f'CREATE DATABASE "{restored_db}"')
    try:
        env = {name: value for name, value in os.environ.items() if not name.startswith(("S3_", "DJANGO_ALLOW"))}
        env.update({
            "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                            f"/{restored_db}",
            "DJANGO_ENV": "local", **object_storage.env(new_prefix),
        })
        result = subprocess.run([sys.executable, "manage.py", "restore", str(folder), "--quiet-files"], cwd=ROOT,
                                env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "restored and verified" in result.stdout and "every total matches" in result.stdout

        # What the restore says, checked from outside: rows and totals in the new database ...
        check = psycopg2.connect(dbname=restored_db, user=db["USER"] or "postgres", host=db["HOST"] or "127.0.0.1",
                                 port=db["PORT"] or 5432)
        with check, check.cursor() as cursor:
            cursor.execute("SELECT count(*), sum(total) FROM orders_order")
            assert cursor.fetchone() == (2, manifest["totals"]["orders.Order.total"])
            cursor.execute("SELECT count(*) FROM vendors_vendordocument")
            assert cursor.fetchone()[0] == manifest["counts"]["vendors.VendorDocument"]
        check.close()
        # ... and the bundle's bytes in the new store, equal to the backup's copy.
        body = client.get_object(Bucket=object_storage.bucket,
                                 Key=f"{new_prefix}/private/{bundle_name}")["Body"].read()
        assert body == (folder / "files" / "private" / bundle_name).read_bytes() and body.startswith(b"%PDF")
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{restored_db}" WITH (FORCE)')
        admin.close()

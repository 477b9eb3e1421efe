from django.db import migrations

from catalog.search import GIN_INDEX_SQL


def create(apps, schema_editor):
    # PostgreSQL only: SQLite searches by substring (see catalog.search).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GIN_INDEX_SQL)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalog_product_grams_gin")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_categories")]
    operations = [migrations.RunPython(create, drop)]

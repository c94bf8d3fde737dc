"""Bodies compressed with lz4 on PostgreSQL, where the server supports it.

pglz gives up on most Korean bodies (it keeps them uncompressed after
spending the time trying) and is slow to decompress; lz4 halves a body and
takes about half the time to write. Only rows written from now on use it:
the change is instant on a board of any size, and old rows stay readable.
"""

from django.db import migrations


def use_lz4(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute(
                "ALTER TABLE articles_articlebody"
                " ALTER COLUMN html SET COMPRESSION lz4, ALTER COLUMN text SET COMPRESSION lz4"
            )


def use_default(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE articles_articlebody"
                " ALTER COLUMN html SET COMPRESSION DEFAULT, ALTER COLUMN text SET COMPRESSION DEFAULT"
            )


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_highest_number")]

    operations = [migrations.RunPython(use_lz4, use_default, elidable=False)]

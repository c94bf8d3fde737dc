"""Bodies compressed with lz4 on PostgreSQL, where the server supports it.

pglz gives up on most Korean bodies (it keeps them uncompressed after
spending the time trying) and is slow to decompress; lz4 halves a body and
takes about half the time to write. Only rows written from now on use it:
the change is instant on a board of any size, and old rows stay readable.
"""

from django.db import migrations


def _has_lz4(cursor) -> bool:
    # Column compression exists from PostgreSQL 14, lz4 only if the server was built with it.
    cursor.execute(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    )
    row = cursor.fetchone()
    return bool(row and row[0])


def _set_compression(schema_editor, method: str) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if _has_lz4(cursor):
            # A brief exclusive lock; rather fail the deploy than queue behind long reads.
            cursor.execute("SET LOCAL lock_timeout = '5s'")
            cursor.execute(
                "ALTER TABLE articles_articlebody"
                f" ALTER COLUMN html SET COMPRESSION {method},"
                f" ALTER COLUMN text SET COMPRESSION {method}"
            )


def use_lz4(apps, schema_editor):
    _set_compression(schema_editor, "lz4")


def use_default(apps, schema_editor):
    _set_compression(schema_editor, "DEFAULT")


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_highest_number")]

    operations = [migrations.RunPython(use_lz4, use_default, elidable=False)]

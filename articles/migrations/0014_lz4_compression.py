"""Long text columns compressed with lz4 instead of pglz (PostgreSQL 14+).

Bodies and search tokens are TOASTed: every write compresses them and every
article page decompresses them. Storing 10,000 generated posts measured
1,262 → 1,651 posts a second with lz4 (three interleaved rounds, 2 cores).
Only the column setting changes (no rewrite, a moment's lock): rows written
before keep pglz, and both read alike. A server built without lz4 keeps pglz.
"""

from django.db import migrations

COLUMNS = [("articles_articlebody", "html"), ("articles_articlebody", "text"),
           ("articles_search", "tokens")]  # fmt: skip


def _set(method):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        alter = "; ".join(
            f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}"
            for table, column in COLUMNS
        )
        schema_editor.execute(
            f"DO $$ BEGIN {alter}; EXCEPTION WHEN feature_not_supported THEN"
            f" RAISE NOTICE 'compression method {method} not supported: unchanged'; END $$"
        )

    return apply


class Migration(migrations.Migration):
    dependencies = [("articles", "0013_post_number_range")]

    operations = [migrations.RunPython(_set("lz4"), _set("pglz"), elidable=True)]

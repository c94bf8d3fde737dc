"""PostgreSQL's search table keeps each post's number, with an index on it.

A search with very many matches walks the board newest first; with the
number beside the tokens it starts at the newest match instead of the top
(search._PostgresIndex.newest), so a word found only in old posts no longer
reads every newer post first.

On a board that already holds posts, filling the column rewrites every row of
the table. The GIN index is dropped first and built again afterwards, which
is much faster than maintaining it row by row; searches wait for the
migration meanwhile.
SQLite's FTS5 table is left as it is: the embedded database walks without a
time limit.
"""

from django.db import migrations


def add_number(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE articles_search ADD COLUMN number integer")
        cursor.execute("DROP INDEX articles_search_tokens")
        cursor.execute(
            "UPDATE articles_search s SET number = p.number"
            " FROM articles_post p WHERE p.id = s.post_id"
        )
        cursor.execute("ALTER TABLE articles_search ALTER COLUMN number SET NOT NULL")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("CREATE INDEX articles_search_tokens ON articles_search USING gin (tokens)")
        cursor.execute("CREATE INDEX articles_search_number ON articles_search (number)")


def drop_number(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE articles_search DROP COLUMN number")


class Migration(migrations.Migration):
    dependencies = [("articles", "0011_post_unpublished_index")]

    operations = [migrations.RunPython(add_number, drop_number)]

"""The Korean search index (see articles/search.py).

PostgreSQL: articles_search(post_id, tokens tsvector) with a GIN index.
SQLite: an FTS5 table of the same name. Existing posts are indexed in batches,
so the migration also works on a board that already holds a million posts;
the GIN index is built after the rows are in, which is much faster than
maintaining it row by row.
"""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 5_000


def create(apps, schema_editor):
    from articles import search

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE TABLE articles_search ("
                " post_id bigint PRIMARY KEY REFERENCES articles_post (id)"
                "   ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,"
                " tokens tsvector NOT NULL)"
            )
        else:
            cursor.execute(
                "CREATE VIRTUAL TABLE articles_search USING fts5("
                "tokens, tokenize='ascii', detail='none', prefix='2')"
            )
    Post = apps.get_model("articles", "Post")
    last = 0
    while True:
        batch = list(
            Post.objects.using(connection.alias)
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "title", "body__text")[:BATCH]
        )
        if not batch:
            break
        rows = [(pk, search.document(title, text or "")) for pk, title, text in batch]
        with connection.cursor() as cursor:
            # The table as this migration makes it (later ones add to it),
            # so not search.index_documents(), which writes today's table.
            if connection.vendor == "postgresql":
                sql = "INSERT INTO articles_search (post_id, tokens) VALUES (%s, array_to_tsvector(%s))"
            else:
                sql = "INSERT INTO articles_search (rowid, tokens) VALUES (%s, %s)"
                rows = [(pk, " ".join(tokens)) for pk, tokens in rows]
            cursor.executemany(sql, rows)
        last = batch[-1][0]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute("CREATE INDEX articles_search_tokens ON articles_search USING gin (tokens)")


def drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP TABLE articles_search")


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SearchEntry",
                    fields=[
                        (
                            "post",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                primary_key=True,
                                related_name="+",
                                serialize=False,
                                to="articles.post",
                            ),
                        ),
                        ("tokens", models.TextField()),
                    ],
                    options={
                        "verbose_name": "검색 색인",
                        "db_table": "articles_search",
                        "default_permissions": (),
                    },
                ),
            ],
            database_operations=[migrations.RunPython(create, drop)],
        )
    ]

"""Write throughput, run by bench/run.py against a scratch database (DATABASE_URL).

Prints one JSON object: posts per second for generate_posts, for import_posts
of the same posts as JSONL, and for the baseline: storing the same posts
already prepared (no sanitising, text or tokens), the database's share alone.
Then where the time goes: preparing posts in one process, storing them
without the search index's GIN index, and building that index afterwards.
"""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsboard.settings")
COUNT = int(os.environ.get("BENCH_WRITES", "20000"))


def main():
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from articles import generator, services

    def empty():
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE articles_search, articles_articlebody, articles_post, articles_author,"
                " articles_boardrevision"
            )

    call_command("migrate", verbosity=0)
    empty()
    started = time.perf_counter()
    call_command("generate_posts", count=COUNT, seed=9, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    generate = COUNT / (time.perf_counter() - started)

    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as dump:
        path = dump.name
    call_command("export_posts", output=path, stderr=open(os.devnull, "w"))  # noqa: SIM115
    empty()
    started = time.perf_counter()
    call_command("import_posts", path, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    imported = COUNT / (time.perf_counter() - started)
    Path(path).unlink()

    # Where the time goes: preparing in one process, storing with and without
    # the GIN index, and building that index afterwards instead.
    raw = [generator.post(9, i) for i in range(COUNT)]
    started = time.perf_counter()
    prepared = [services.post_prepare(**fields) for fields in raw]
    prepare = COUNT / (time.perf_counter() - started)

    def store():
        empty()
        started = time.perf_counter()
        for start in range(0, COUNT, 1000):
            services.posts_bulk_write(prepared[start : start + 1000])
        return COUNT / (time.perf_counter() - started)

    stored = store()
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX articles_search_tokens")
    unindexed = store()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("CREATE INDEX articles_search_tokens ON articles_search USING gin (tokens)")
    index_build = COUNT / (time.perf_counter() - started)
    print(
        json.dumps(
            {
                "generate": generate,
                "import": imported,
                "store": stored,
                "prepare": prepare,
                "store_unindexed": unindexed,
                "index_build": index_build,
                "count": COUNT,
            }
        )
    )


if __name__ == "__main__":
    main()

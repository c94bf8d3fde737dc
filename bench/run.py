"""`make bench`: newsboard at scale, every figure against a baseline measured in the same run.

Builds (once, then reuses) a PostgreSQL database of BENCH_POSTS posts with
bodies (default 1,000,000) on the server named by DATABASE_URL (default the
local one), then measures and writes docs/benchmarks.md.
"""

import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
POSTS = int(os.environ.get("BENCH_POSTS", "1000000"))
SERVER = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get(
    "BENCH_DB", f"newsboard_bench_{POSTS}" if POSTS != 1_000_000 else "newsboard_bench"
)
parts = urlsplit(SERVER)
BENCH_URL = urlunsplit(parts._replace(path=f"/{DB_NAME}"))

os.environ.update(
    DATABASE_URL=BENCH_URL,
    DEBUG="0",
    SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789"),
    ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
    SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback
    SECURE_COOKIES="0",
    DJANGO_SETTINGS_MODULE="newsboard.settings",
    LOG_LEVEL="WARNING",
)
sys.path.insert(0, str(ROOT))
PY = sys.executable


def sh(*args, **kw):
    return subprocess.run(args, check=True, cwd=ROOT, **kw)


def ensure_database():
    import psycopg

    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    sh(PY, "manage.py", "migrate", "--noinput", "-v0")
    sh(PY, "manage.py", "collectstatic", "--noinput", "-v0")
    sh(PY, "manage.py", "generate_posts", "--count", str(POSTS), "--seed", "1")
    with psycopg.connect(BENCH_URL, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def timed(fn, runs, warm=True):
    if warm:
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[math.ceil(len(samples) * 0.95) - 1]  # nearest rank


def main():
    if not shutil.which("wrk"):  # checked before the hour-long run, not when it is needed
        sys.exit("make bench needs wrk for its throughput scenario: apt-get install -y wrk")
    ensure_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.paginator import Paginator
    from django.test import Client, RequestFactory
    from django.utils import timezone

    from articles import generator, views
    from articles.filters import seoul_midnight
    from articles.models import Post
    from articles.pagination import board_state, paginate

    client = Client()
    rows_qs = Post.objects.published().rows().select_related("author").order_by("-number")
    board = board_state(rows_qs)
    deep = min(50_000, max(1, board.count // settings.BOARD_PAGE_SIZE))
    results = []

    def row(name, ours, base=None, note=""):
        results.append((name, ours, base, note))
        ratio = f"{ours[0] / base[0]:.3f}" if base else ""
        print(
            f"{name:60s} p50 {ours[0]:9.2f} ms  p95 {ours[1]:9.2f} ms  {ratio} {note}", flush=True
        )

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    # --- board pages ---------------------------------------------------------
    def offset_page(n):
        def run():
            page = Paginator(rows_qs, settings.BOARD_PAGE_SIZE).page(n)
            list(page.object_list)

        return run

    def our_page(n):
        def run():
            paginate(rows_qs, raw_page=str(n), base_url="/", params={}, unfiltered=True)

        return run

    base1 = timed(offset_page(1), 30)
    basedeep = timed(offset_page(deep), 5)
    ours1 = timed(our_page(1), 200)
    oursdeep = timed(our_page(deep), 200)
    row("board page 1: rows + total (Paginator with OFFSET + COUNT)", base1)
    row("board page 1: rows + total (newsboard)", ours1, base1)
    row(f"board page {deep:,}: rows + total (Paginator with OFFSET + COUNT)", basedeep)
    row(f"board page {deep:,}: rows + total (newsboard)", oursdeep, basedeep)
    rendered = timed(lambda: (cache.clear(), get("/")), 100)
    row("GET / rendered (page cache emptied before each request)", rendered)
    req1 = timed(lambda: get("/"), 200)
    reqdeep = timed(lambda: get(f"/?page={deep}"), 200)
    row("GET / (whole request, server time, page cache)", req1, rendered)
    row(f"GET /?page={deep:,} (whole request) vs GET /", reqdeep, req1)
    from articles import pagination

    def after_write():
        cache.clear()  # rendered pages and anchors in the shared cache
        pagination._local.clear()  # and this process's copy of the anchors
        get(f"/?page={deep}")

    cold = timed(after_write, 5)
    row(f"GET /?page={deep:,} right after a write (anchors recomputed)", cold, req1)

    # --- a month long ago: the date filter starts the list at its dates --------
    first_day = timezone.localtime(rows_qs.order_by("number").first().published_at).date()
    start, end = first_day + timedelta(days=60), first_day + timedelta(days=89)
    month = (
        Post.objects.published()
        .select_related("author")
        .filter(
            published_at__gte=seoul_midnight(start),
            published_at__lt=seoul_midnight(end) + timedelta(1),
        )
    )

    def month_offset():
        page = Paginator(month.order_by("-number"), settings.BOARD_PAGE_SIZE).page(1)
        list(page.object_list)

    month_request = RequestFactory().get(
        "/", {"date_from": start.isoformat(), "date_to": end.isoformat()}
    )

    def month_ours():
        filterset = views._board(month_request)
        rows, _ = views._rows(filterset)
        views._paginate(filterset, rows, "1")

    label = f"board filtered to {start:%Y.%m.%d}–{end:%Y.%m.%d}, page 1: rows + total"
    month_base = timed(month_offset, 10)
    row(f"{label} (Paginator with OFFSET + COUNT)", month_base)
    row(f"{label} (newsboard)", timed(month_ours, 100), month_base)

    # --- search ---------------------------------------------------------------
    queries = [
        ("2-syllable", "관세"),
        ("3-syllable", "트럼프"),
        ("4-syllable", "인공지능"),
        ("rare", "쯔양"),
        ("absent", "뷁햏"),
        ("two terms", "트럼프 관세"),
        ("two common terms", "삼성전자 반도체"),
        ("word of 2020–2022 only", generator.ERA_WORD),
    ]
    public = Post.objects.published().select_related("author")

    def ilike(q, field):
        def run():
            qs = public
            for term in q.split():
                if field == "title":
                    qs = qs.filter(title__icontains=term)
                else:
                    from django.db.models import Q

                    qs = qs.filter(Q(title__icontains=term) | Q(body__text__icontains=term))
            qs = qs.order_by("-number")
            list(qs[:20])
            qs.count()

        return run

    def ours(q, field):
        # what the board view does: the FilterSet, the plan, then its page and total
        request = RequestFactory().get("/", {"q": q, "field": field})

        def run():
            filterset = views._board(request)
            with filterset.bounded():
                rows, _ = views._rows(filterset)
                return views._paginate(filterset, rows, "1")

        return run

    for field in ("title", "title_body"):
        for label, q in queries:
            # an ILIKE over a million bodies takes many seconds: fewer runs, no warm-up
            base = timed(ilike(q, field), 3 if field == "title" else 2, warm=field == "title")
            mine = timed(ours(q, field), 30)
            page = ours(q, field)()
            total = f"{page.total:,}{' 이상' if page.total_capped else ''}"
            row(f"search {label} '{q}' on {field}: ILIKE scan", base)
            row(f"search {label} '{q}' on {field}: newsboard ({total} 건)", mine, base)
            if (label, field) == ("2-syllable", "title_body"):
                whole = timed(lambda q=q: get(f"/?q={q}"), 30)
                row(f"GET /?q={q} (whole request, server time) vs ILIKE scan", whole, base)

    plans = {}
    for label, q in (
        ("common 2-syllable", "관세"),
        ("rare", "쯔양"),
        ("3-syllable", "트럼프"),
        ("two common terms", "삼성전자 반도체"),
        ("2020–2022 only", generator.ERA_WORD),
    ):
        # the board view's own queryset and plan (its page's rows)
        filterset = views._board(RequestFactory().get("/", {"q": q, "field": "title_body"}))
        with filterset.bounded():
            qs = filterset.newest_first()[:20]
            plans[f"first page of '{q}' ({label}) on title_body"] = qs.explain(analyze=True)

    # --- article pages -------------------------------------------------------
    newest = rows_qs.first()
    oldest = rows_qs.order_by("number").first()
    new_t = timed(lambda: (cache.clear(), get(newest.get_absolute_url())), 100)
    old_t = timed(lambda: (cache.clear(), get(oldest.get_absolute_url())), 100)
    row(f"article page rendered, newest post ({newest.number}), board under it", new_t)
    row(f"article page rendered, oldest post ({oldest.number}) vs newest", old_t, new_t)
    hit = timed(lambda: get(oldest.get_absolute_url()), 100)
    row("article page from the page cache vs rendered", hit, old_t)

    # --- throughput under gunicorn -------------------------------------------
    html = get("/").content
    throughput = gunicorn_throughput(len(html))
    writes = write_throughput()

    write_report(results, throughput, board.count, deep, plans, writes)


def write_throughput():
    """generate_posts and import_posts into a scratch database, against storing alone."""
    import json

    import psycopg

    name = f"{DB_NAME}_writes"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(parts._replace(path=f"/{name}"))
    out = subprocess.run(
        [PY, "bench/writes.py"], cwd=ROOT, env={**os.environ, "DATABASE_URL": url},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    return json.loads(out.strip().splitlines()[-1])


def gunicorn_throughput(size):
    static = ROOT / "staticfiles"
    (static / "bench").mkdir(exist_ok=True)
    (static / "bench" / "board-sized.html").write_bytes(b"x" * size)
    port = "8765"
    proc = subprocess.Popen(
        [PY, "-m", "gunicorn", "newsboard.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, "CONN_MAX_AGE": "600"},
    )  # fmt: skip
    try:
        for _ in range(50):
            try:
                subprocess.run(
                    ["curl", "-sf", "-o", "/dev/null", f"http://127.0.0.1:{port}/"], check=True
                )
                break
            except subprocess.CalledProcessError:
                time.sleep(0.2)

        def wrk(path):
            out = subprocess.run(
                ["wrk", "-t2", "-c16", "-d15s", "--latency", f"http://127.0.0.1:{port}{path}"],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
            errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            return rps, int(errors.group(1)) if errors else 0

        wrk("/")  # warm
        board = wrk("/")
        static_file = wrk("/static/bench/board-sized.html")
        workers = [
            int(p)
            for p in subprocess.run(
                ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True
            ).stdout.split()
        ]
        rss = [
            int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{w}/status").read_text()).group(1)) / 1024
            for w in workers
        ]
        return {"board": board, "static": static_file, "rss": rss, "size": size}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def python_loop_seconds() -> float:
    """One fixed piece of pure-Python work: machines of one kind differ several-fold."""

    def loop():
        started, total = time.perf_counter(), 0
        for i in range(10_000_000):
            total += i
        return time.perf_counter() - started

    return min(loop() for _ in range(3))


def write_report(results, throughput, count, deep, plans, writes):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/run.py). Server time is measured in-process",
        "(Django test client, no network); every ratio is against a baseline measured",
        "in the same run on the same data, because these machines are shared and noisy.",
        "",
        f"- date: {datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- machine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, PostgreSQL {pg.split()[0]}",
        f"- machine speed, to compare runs on different machines: a Python loop of 10,000,000 additions took {python_loop_seconds():.2f} s (best of 3)",
        f"- data: {POSTS:,} generated posts with bodies (500–3,000 characters), {count:,} public board rows, database {size}",
        "",
        "| scenario | p50 ms | p95 ms | ratio to baseline |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, ours, base, _note in results:
        ratio = f"{ours[0] / base[0]:.3g}" if base else "baseline"
        lines.append(f"| {name} | {ours[0]:.2f} | {ours[1]:.2f} | {ratio} |")
    (b_rps, b_err), (s_rps, s_err) = throughput["board"], throughput["static"]
    lines += [
        "",
        "## Throughput under gunicorn (2 sync workers, wrk -t2 -c16 -d15s on loopback)",
        "",
        "| target | requests/s | non-2xx | ratio |",
        "| --- | ---: | ---: | ---: |",
        f"| static file of the board page's size ({throughput['size']:,} bytes), whitenoise | {s_rps:,.0f} | {s_err} | baseline |",
        f"| board page 1 | {b_rps:,.0f} | {b_err} | {b_rps / s_rps:.3f} |",
        "",
        f"Worker RSS after the run: {', '.join(f'{r:.0f} MB' for r in throughput['rss'])}.",
    ]
    if writes:
        store = writes["store"]
        lines += [
            "",
            f"## Writing posts with bodies ({writes['count']:,} posts into an empty database)",
            "",
            "| path | posts/s | ratio |",
            "| --- | ---: | ---: |",
            f"| storing already prepared posts (COPY of posts, bodies, tokens) | {store:,.0f} | baseline |",
            f"| `generate_posts` (generate, sanitise, derive text and tokens, store) | {writes['generate']:,.0f} | {writes['generate'] / store:.3f} |",
            f"| `import_posts` of the same posts as JSONL | {writes['import']:,.0f} | {writes['import'] / store:.3f} |",
            "",
            "Where the time goes (each step alone, one process, posts/s):",
            "",
            "| step | posts/s | ratio to storing |",
            "| --- | ---: | ---: |",
            f"| preparing (sanitise, plain text, search tokens), one process | {writes['prepare']:,.0f} | {writes['prepare'] / store:.3f} |",
            f"| storing without the search tokens' GIN index | {writes['store_unindexed']:,.0f} | {writes['store_unindexed'] / store:.3f} |",
            f"| building that GIN index afterwards (CREATE INDEX) | {writes['index_build']:,.0f} | {writes['index_build'] / store:.3f} |",
        ]
    lines += ["", "## Query plans (EXPLAIN ANALYZE, this run)", ""]
    for name, plan in plans.items():
        # the probe's known matches make a very long array literal: shorten it
        plan = re.sub(
            r"ANY \('\{[0-9,]{200,}\}'::integer\[\]\)",
            lambda m: f"ANY ('{{… {m.group(0).count(',') + 1} ids …}}'::integer[])",
            plan,
        )
        lines += [f"{name}:", "", "```", plan, "```", ""]
    out = ROOT / "docs" / "benchmarks.md"
    existing = out.read_text() if out.exists() else ""
    measured, _, notes = existing.partition("<!-- notes -->")
    # keep the last load test until `make loadtest` replaces it
    load = measured.partition("\n## Load and faults")[2]
    load = "\n## Load and faults" + load.rstrip() + "\n" if load else ""
    out.write_text("\n".join(lines) + "\n" + load + "\n<!-- notes -->" + (notes or "\n"))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

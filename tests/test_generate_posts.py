import io

from django.core.management import call_command

from articles import generator
from articles.models import Post


def generate(count, seed=3):
    out = io.StringIO()
    call_command(
        "generate_posts", count=count, seed=seed, batch=7, workers=1, verbosity=0, stdout=out
    )
    return out.getvalue()


def board():
    return list(
        Post.objects.order_by("number").values_list("number", "title", "status", "is_notice")
    )


def test_the_same_seed_gives_the_same_posts():
    assert generator.post(3, 5) == generator.post(3, 5)
    assert generator.post(3, 5) != generator.post(4, 5)


def test_a_million_posts_span_six_years_in_number_order():
    dates = [generator.post(1, i)["published_at"] for i in range(0, 1_000_000, 1_000)]
    assert dates == sorted(dates)
    assert (dates[0].year, dates[-1].year) == (2019, 2025)


def test_generated_posts_look_like_korean_news(db):
    generate(40)
    posts = Post.objects.select_related("body")
    assert posts.count() == 40
    assert all(len(p.body.text) >= 500 for p in posts)
    assert Post.objects.values("author").distinct().count() > 5
    assert Post.objects.filter(is_notice=True).count() == 1  # post 1 of each seed
    titles = " ".join(p.title for p in posts)
    assert any(mark in titles for mark in ("[속보]", "[단독]", "[종합]", '"', "‘", "美", "中"))


def test_rerunning_completes_a_board_without_duplicates(db):
    generate(20)
    first = board()
    generate(20)
    assert board() == first  # nothing added
    generate(35)
    numbers = [row[0] for row in board()]
    assert numbers == list(range(1, 36))
    assert board()[:20] == first
    dates = list(Post.objects.order_by("number").values_list("published_at", flat=True))
    assert dates == sorted(dates)  # the posts added are the newest


def test_a_post_deleted_from_the_middle_stays_deleted(db):
    generate(10)
    titles = [row[1] for row in board()]
    Post.objects.get(number=4).delete()
    generate(10)
    assert [row[1] for row in board()] == titles[:3] + titles[4:]
    generate(12)  # growing the board adds posts 10 and 11 after it, in date order
    assert [row[0] for row in board()][-2:] == [11, 12]
    dates = list(Post.objects.order_by("number").values_list("published_at", flat=True))
    assert dates == sorted(dates)


def test_generation_after_existing_posts_takes_the_next_numbers(make_post):
    make_post(number=46201)
    generate(5)
    assert list(Post.objects.order_by("number").values_list("number", flat=True)) == [
        46201, 46202, 46203, 46204, 46205, 46206,
    ]  # fmt: skip


def test_an_interrupted_run_is_completed_exactly(db):
    generate(35)
    whole = [row[1:] for row in board()]
    Post.objects.filter(number__gt=14).delete()  # as if killed after two batches of 7
    generate(35)
    assert [row[1:] for row in board()] == whole  # the same posts, in the same order
    numbers = [row[0] for row in board()]
    assert numbers[:14] == list(range(1, 15)) and numbers[14] == 36  # deleted numbers stay retired


def test_generated_posts_are_searchable(db, client):
    from articles import search

    generate(10)
    post = Post.objects.published().order_by("number").first()
    word = sorted(t for t in search.tokens(post.title) if len(t) == 2)[0]
    response = client.get("/", {"q": word, "field": "title"})
    assert post.number in [row.number for row in response.context["page"].rows]


def test_a_bulk_load_leaves_the_planner_knowing_the_boards_size(db, tmp_path):
    # Until the tables are analysed, PostgreSQL plans board pages for a table
    # of one row: a sort of every post for page 1.
    import pytest
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner statistics")

    def known():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, reltuples FROM pg_class"
                " WHERE relname IN ('articles_post', 'articles_search')"
            )
            return dict(cursor.fetchall())

    generate(60)
    assert known() == {"articles_post": 60, "articles_search": 60}
    path = tmp_path / "posts.jsonl"
    call_command("export_posts", output=str(path))
    Post.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_post, articles_search")
    assert known() == {"articles_post": 0, "articles_search": 0}
    call_command("import_posts", str(path), verbosity=0, stdout=io.StringIO())
    assert known() == {"articles_post": 60, "articles_search": 60}
    generate(65)  # 5 more: under a tenth of the board, not worth a new reading
    assert known() == {"articles_post": 60, "articles_search": 60}

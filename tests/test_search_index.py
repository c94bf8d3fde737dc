"""The search index stays in step with every write, and searches go through it."""

import io

from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import search, services
from articles.models import BoardRevision, Post


def found(query, field="title_body"):
    qs = search.search_posts(Post.objects.published(), query, field).order_by("-number")
    return list(qs.values_list("number", flat=True))


def test_tokens_are_bigrams_and_last_characters_of_each_run():
    assert search.tokens("중국의 AI, 美") == {"중국", "국의", "의", "ai", "i", "美"}
    assert search.tokens("Trump’s “중국”") == {"tr", "ru", "um", "mp", "p", "s", "중국", "국"}


def test_a_search_queries_the_index(make_post):
    make_post(title="중국 경제")
    with CaptureQueriesContext(connection) as queries:
        assert found("중국") == [1]
    assert any("articles_search" in q["sql"] for q in queries)


def _sql_of(query):
    with CaptureQueriesContext(connection) as queries:
        found(query)
    return " ".join(q["sql"] for q in queries).upper()


def test_two_character_terms_need_no_text_scan(make_post):
    make_post(title="중국의 경제")
    assert "LIKE" not in _sql_of("중국")
    assert "LIKE" in _sql_of("중국의")


def test_many_matches_switch_to_checking_rows_newest_first(make_post, monkeypatch):
    for i in range(6):
        make_post(title=f"경제 소식 {i}")
    monkeypatch.setattr(search, "PROBE_LIMIT", 3)
    monkeypatch.setattr(search, "VERIFY_LIMIT", 3)
    result = search.search(Post.objects.published(), "경제", "title")
    assert result.candidates is not None and len(result.candidates) == 4
    assert list(result.queryset.order_by("-number").values_list("number", flat=True)) == [
        6,
        5,
        4,
        3,
        2,
        1,
    ]
    few = search.search(Post.objects.published(), "소식 3", "title")
    assert few.candidates is None


def test_an_edited_title_is_found_by_its_new_words_only(make_post):
    post = make_post(title="예전 제목")
    services.post_update(post=post, title="바뀐 헤드라인")
    assert found("헤드라인") == [post.number]
    assert found("예전") == []


def test_an_edited_body_is_found_by_its_new_words_only(make_post):
    post = make_post(body_html="<p>처음 본문</p>")
    services.body_save(post=post, html="<p>고친 내용</p>")
    assert found("고친", "body") == [post.number]
    assert found("처음", "body") == []


def test_a_hidden_post_is_not_found_and_comes_back_when_restored(make_post):
    post = make_post(title="숨길 기사")
    services.posts_set_status(posts=Post.objects.filter(pk=post.pk), status="hidden")
    assert found("숨길") == []
    services.posts_set_status(posts=Post.objects.filter(pk=post.pk), status="published")
    assert found("숨길") == [post.number]


def test_a_deleted_post_leaves_nothing_in_the_index(make_post):
    post = make_post(title="지울 기사")
    Post.objects.filter(pk=post.pk).delete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM articles_search")
        assert cursor.fetchone()[0] == 0
    again = make_post(title="새 기사")
    assert found("지울") == [] and found("기사") == [again.number]


def test_a_post_saved_in_a_shell_is_indexed(make_post):
    post = make_post(title="처음")
    post.title = "셸에서 고친 제목"
    post.save()
    assert found("셸에서") == [post.number]


def test_bulk_writes_store_the_same_index_as_single_saves(db):
    """The generator and imports send tokens in binary; a save sends them as text."""
    from django.utils import timezone

    fields = {
        "title": "[속보] 美·中 ‘관세’ 합의…“AI 반도체” 100% 유예",
        "author": "랭크뉴스",
        "published_at": timezone.now(),
        "body_html": "<p>중국의 AI, Trump’s 관세 </p><p>&amp; 日 정부 ㄱ 하나</p>",
    }
    (bulk,) = services.posts_bulk_write([services.post_prepare(**fields)])
    single = services.post_create(**fields)
    empty = services.post_create(**{**fields, "title": "…", "body_html": "<p>!!</p>"})

    def stored(number):
        pk = Post.objects.get(number=number).pk
        if connection.vendor == "postgresql":
            sql = f"SELECT tokens::text FROM {search.TABLE} WHERE post_id = %s"
        else:
            sql = f"SELECT tokens FROM {search.TABLE} WHERE rowid = %s"
        with connection.cursor() as cursor:
            cursor.execute(sql, [pk])
            return sorted(cursor.fetchone()[0].replace("'", "").split())

    assert stored(bulk) == stored(single.number)
    assert len(stored(bulk)) > 20 and stored(empty.number) == []
    assert found("관세") == found("반도체") == found("日") == found("美") == [single.number, bulk]


def test_an_import_and_its_rerun_with_changes_keep_the_index_in_step(db, tmp_path):
    import json

    from django.core.management import call_command

    def import_rows(*rows):
        path = tmp_path / "posts.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        call_command("import_posts", str(path), verbosity=0, stdout=io.StringIO())

    first = {
        "number": 7,
        "title": "반도체 수출",
        "author": "연합",
        "body_html": "<p>부산항 물동량</p>",
    }
    first["published_at"] = "2025-02-23T09:00:00+09:00"
    import_rows(first)
    assert found("반도체") == [7] and found("물동량", "body") == [7]
    import_rows({**first, "title": "배터리 수출", "body_html": "<p>인천항 물동량</p>"})
    assert found("반도체") == [] and found("부산항") == []
    assert found("배터리", "title") == [7] and found("인천항", "body") == [7]


def test_postgresql_keeps_each_posts_number_beside_its_tokens(db, tmp_path):
    """The number a search starts its walk from (search._PostgresIndex.newest)
    is right after every kind of write."""
    import json

    import pytest
    from django.core.management import call_command
    from django.utils import timezone

    if connection.vendor != "postgresql":
        pytest.skip("SQLite's FTS5 table holds tokens only")
    now = timezone.now()
    services.posts_bulk_write([services.post_prepare(title="일괄", author="가", published_at=now)])
    services.post_create(title="하나", author="가", number=90)
    path = tmp_path / "posts.jsonl"
    path.write_text(
        json.dumps(
            {"number": 40, "title": "가져옴", "author": "나", "published_at": now.isoformat()},
            ensure_ascii=False,
        )
        + "\n"
    )
    call_command("import_posts", str(path), verbosity=0, stdout=io.StringIO())
    moved = services.post_create(title="옮길 글", author="가")
    moved.number = 120  # a shell's save: numbers are read-only everywhere else
    moved.save()

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.number, s.number FROM articles_post p JOIN {search.TABLE} s"
            " ON s.post_id = p.id ORDER BY p.number"
        )
        rows = cursor.fetchall()
    assert rows == [(1, 1), (40, 40), (90, 90), (120, 120)]


def _reindex(*args) -> str:
    from django.core.management import call_command

    out = io.StringIO()
    call_command("reindex_search", *args, verbosity=0, stdout=out)
    return out.getvalue()


def test_a_board_restored_with_loaddata_is_searchable_after_reindex_search(
    make_post, client, tmp_path
):
    from django.core.management import call_command

    from tests.conftest import numbers

    make_post(title="복원할 첫 기사", body_html="<p>관세 협상 소식</p>")
    make_post(title="복원할 둘째 기사")
    dump = tmp_path / "board.json"
    call_command(
        "dumpdata", "articles", exclude=["articles.SearchEntry"], output=str(dump), verbosity=0
    )
    Post.objects.all().delete()
    call_command("loaddata", str(dump), verbosity=0)
    # loaddata writes rows as they are, past the signals that index them.
    assert numbers(client.get("/", {"q": "복원"})) == []

    BoardRevision.objects.update(highest_number=0)  # as a board loaded without it
    assert "2개 글을 색인했습니다" in _reindex()
    assert BoardRevision.highest() == 2  # numbers loaded are never given again
    assert numbers(client.get("/", {"q": "복원"})) == [2, 1]
    assert numbers(client.get("/", {"q": "관세", "field": "body"})) == [1]


def test_reindex_search_missing_fills_only_posts_without_an_index_row(make_post):
    indexed = make_post(title="색인된 기사")
    bare = make_post(title="색인 빠진 기사")
    search.unindex_posts([bare.pk])
    # A title changed by SQL by hand: --missing leaves a row that exists alone.
    Post.objects.filter(pk=indexed.pk).update(title="고쳐진 기사")
    assert found("빠진") == []

    output = _reindex("--missing", "--batch", "1")
    assert "1개 글을 색인했습니다 (1개는 이미 있음)" in output
    assert found("빠진") == [bare.number]
    assert found("고쳐진") == []

    _reindex()
    assert found("고쳐진") == [indexed.number]
    assert found("색인된") == []


def test_reindex_search_refuses_a_batch_below_one(db):
    import pytest
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="1 이상"):
        _reindex("--batch", "0")

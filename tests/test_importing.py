import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles import importing, services
from articles.models import Post

DATA = Path(__file__).parent / "data"


def row(**fields):
    base = {
        "title": "중국 빅테크 투자",
        "author": "랭크뉴스",
        "published_at": "2025-02-23T18:40:00+09:00",
        "body_html": "<p>본문</p>",
    }
    return {**base, **fields}


def jsonl(tmp_path, rows, name="posts.jsonl"):
    path = tmp_path / name
    path.write_bytes(
        b"".join(
            r if isinstance(r, bytes) else (json.dumps(r, ensure_ascii=False) + "\n").encode()
            for r in rows
        )
    )
    return path


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_posts", *map(str, args), stdout=out, stderr=err, verbosity=0)
    return out.getvalue(), err.getvalue()


def board():
    return list(
        Post.objects.order_by("number").values_list(
            "number", "title", "author__name", "published_at", "status", "is_notice",
            "source_name", "source_url", "body__html", "body__reporter", "body__credits",
        )
    )  # fmt: skip


def export(path=None):
    out = io.StringIO()
    if path:
        call_command("export_posts", output=str(path), stderr=io.StringIO())
        return Path(path).read_bytes()
    call_command("export_posts", stdout=out)
    return out.getvalue().encode()


def test_a_jsonl_import_creates_posts_with_next_numbers(db, tmp_path):
    path = jsonl(
        tmp_path, [row(number=46201), row(title="두 번째 글", source_url="https://a.example/2")]
    )
    out, _ = run(path)
    assert "새 글 2" in out
    assert [(n, t) for n, t, *_ in board()] == [(46201, "중국 빅테크 투자"), (46202, "두 번째 글")]


def test_importing_the_same_file_twice_changes_nothing(db, tmp_path):
    path = jsonl(
        tmp_path,
        [
            row(number=5),
            row(title="주소로 찾는 글", source_url="https://a.example/x"),
            row(title="번호도 주소도 없는 글"),
        ],
    )
    run(path)
    before = board()
    out, _ = run(path)
    assert "새 글 0 · 바뀐 글 0 · 그대로 3" in out
    assert board() == before


@pytest.mark.parametrize("unnumbered_first", [False, True])
def test_an_unnumbered_row_sharing_a_url_is_reported_and_reruns_change_nothing(
    db, tmp_path, unnumbered_first
):
    url = "https://a.example/same"
    rows = [row(number=5, title="가", source_url=url), row(title="나", source_url=url)]
    if unnumbered_first:
        rows.reverse()
    path = jsonl(tmp_path, rows)
    out, err = run(path)
    line, other = (1, 2) if unnumbered_first else (2, 1)
    assert "새 글 1" in out and f"posts.jsonl:{line}: {other}번째 줄과 원문 주소가 같습니다" in err
    before = board()
    out, _ = run(path)
    assert "바뀐 글 0 · 그대로 1 · 건너뜀 1" in out
    assert board() == before and before[0][:2] == (5, "가")


def test_a_changed_row_updates_its_post(db, tmp_path):
    run(jsonl(tmp_path, [row(number=5)]))
    out, _ = run(
        jsonl(tmp_path, [row(number=5, title="고친 제목", body_html="<p>고친 본문</p>")], "b.jsonl")
    )
    assert "바뀐 글 1" in out
    post = Post.objects.get(number=5)
    assert post.title == "고친 제목" and post.body.html == "<p>고친 본문</p>"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (row(title=""), "제목이 없습니다"),
        (row(published_at="어제"), "날짜를 읽을 수 없습니다"),
        (row(status="deleted"), "알 수 없는 상태입니다"),
        (row(title="가" * 301), "title: 300자를 넘습니다"),
        (row(number="abc"), "번호는 양의 정수여야 합니다"),
        (row(number=-3), "번호는 양의 정수여야 합니다"),
        (row(number=0), "번호는 양의 정수여야 합니다"),
        (row(number=1.5), "번호는 양의 정수여야 합니다"),
        (row(number=True), "번호는 양의 정수여야 합니다"),
        (row(number=2**31), "번호는 양의 정수여야 합니다"),
        (row(source_url="javascript:alert(1)"), "원문 주소가 http(s) 주소가 아닙니다"),
        (b'{"title": "\xff\xfe", "author": "x"}\n', "UTF-8이 아닌 바이트가 있습니다"),
        (b"{not json}\n", "JSON으로 읽을 수 없습니다 (2번째 글자)"),
        (b"[" * 100_000 + b"\n", "JSON으로 읽을 수 없습니다 (값이 너무 길거나 깊습니다)"),
        (b'{"number": ' + b"7" * 5_000 + b"}\n", "JSON으로 읽을 수 없습니다 (값이 너무 길거나"),
        (b"[1, 2]\n", "한 줄에 JSON 객체 하나여야 합니다"),
        (b'{"title": "\\ud800", "author": "x"}\n', "title: 글자로 쓸 수 없는 코드"),
        (row(body_html="가" * 100_001), "body_html: 100000자를 넘습니다"),
        # NFC makes this 120 characters long: fields are measured as stored.
        (row(source_name="\ufb2c" * 40), "source_name: 100자를 넘습니다 (120자)"),
    ],
)
def test_bad_rows_are_reported_with_their_line_and_skipped(db, tmp_path, bad, message):
    path = jsonl(tmp_path, [row(number=1), bad, row(number=3)])
    out, err = run(path)
    assert f"{path}:2: {message}" in err
    assert "새 글 2" in out and "건너뜀 1" in out
    assert [n for n, *_ in board()] == [1, 3]


def test_strict_writes_nothing_when_a_row_is_bad(db, tmp_path):
    path = jsonl(tmp_path, [row(number=1), row(title="")])
    with pytest.raises(CommandError):
        run(path, "--strict")
    assert board() == []


def test_a_dry_run_reports_without_writing(db, tmp_path, make_post):
    make_post(number=1, title="원래 제목")
    before = board()
    out, _ = run(jsonl(tmp_path, [row(number=1), row(number=2)]), "--dry-run")
    assert "저장하지 않음" in out and "새 글 1 · 바뀐 글 1" in out
    assert board() == before


def test_a_csv_import_reports_physical_lines(db, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text(
        "number,title,author,published_at,status,is_notice,body_html\n"
        '10,"쉼표, 그리고 ""따옴표""",KBS,2025-02-23T09:00:00+09:00,published,true,<p>본문</p>\n'
        "11,,KBS,2025-02-23T09:00:00+09:00,published,false,\n",
        encoding="utf-8",
    )
    _, err = run(path)
    assert f"{path}:3: 제목이 없습니다" in err
    post = Post.objects.get(number=10)
    assert post.title == '쉼표, 그리고 "따옴표"' and post.is_notice


CSV_HEAD = "number,title,author,published_at,body_html\n"


def csv_row(number, body):
    return f'{number},제목 {number},KBS,2025-02-23T09:00:00+09:00,"{body}"\n'


def test_a_csv_field_too_long_is_reported_like_any_row(db, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text(CSV_HEAD + csv_row(1, "가") + csv_row(2, "가" * 140_000) + csv_row(3, "다"))
    out, err = run(path)
    assert f"{path}:3: body_html: 100000자를 넘습니다 (140,000자)" in err
    assert "새 글 2" in out and [n for n, *_ in board()] == [1, 3]


def test_a_csv_file_unreadable_past_a_line_says_where_it_stopped(db, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text(CSV_HEAD + csv_row(1, "가") + csv_row(2, "가" * 2_000_000) + csv_row(3, "다"))
    out, err = run(path)
    assert f"{path}:3: CSV를 더 읽을 수 없어 이 줄부터 가져오지 않았습니다" in err
    assert "새 글 1" in out and [n for n, *_ in board()] == [1]


def test_a_byte_order_mark_does_not_cost_the_first_row(db, tmp_path):
    path = jsonl(tmp_path, [b"\xef\xbb\xbf" + json.dumps(row(number=1)).encode() + b"\n"])
    out, err = run(path)
    assert "새 글 1" in out and not err


def test_a_file_that_is_not_a_feed_fails_the_command_in_korean(db, tmp_path):
    # Not a bad row: a scheduled import must not record it as a success.
    path = tmp_path / "page.xml"
    path.write_text("<html><body>뉴스가 아닙니다</p></html")
    with pytest.raises(CommandError, match="피드를 읽을 수 없습니다") as error:
        run(path, "--format", "feed")
    assert error.value.returncode == 1 and board() == []


def test_a_feed_file_is_read_as_a_feed_never_as_the_name_of_another_file(db, tmp_path):
    # feedparser takes a string or bytes for a file name or a URL first: a
    # "feed" holding a server path read that file (/dev/zero: all the memory).
    path = tmp_path / "innocent.xml"
    path.write_text(str(DATA / "feed.xml"))
    with pytest.raises(CommandError, match="피드를 읽을 수 없습니다"):
        run(path, "--format", "feed")
    assert board() == []


def test_a_feed_server_that_never_answers_fails_the_import(db, monkeypatch):
    import socket
    import time

    monkeypatch.setattr(importing, "FEED_TIMEOUT", 0.5)
    with socket.socket() as server:  # accepts connections (the backlog), never answers
        server.bind(("127.0.0.1", 0))
        server.listen()
        url = f"http://127.0.0.1:{server.getsockname()[1]}/rss"
        started = time.monotonic()
        with pytest.raises(CommandError, match="피드를 가져올 수 없습니다") as error:
            run(url, "--format", "feed")
    assert time.monotonic() - started < 10 and error.value.returncode == 1


def test_a_feed_entry_with_an_impossible_date_is_reported_not_fatal(db, tmp_path):
    path = tmp_path / "feed.atom"
    entry = (
        "<entry><title>{title}</title><link href='https://news.example/{n}'/>"
        "<id>https://news.example/{n}</id><updated>{date}</updated></entry>"
    )
    path.write_text(
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        "<title>예시 뉴스</title><id>x</id><updated>2025-02-23T09:00:00Z</updated>"
        + entry.format(title="연도 0", n=1, date="0000-01-01T00:00:00Z")
        + entry.format(title="멀쩡한 글", n=2, date="2025-02-23T09:00:00Z")
        + "</feed>"
    )
    out, err = run(path)
    assert f"{path}:1: 날짜를 읽을 수 없습니다" in err
    assert "새 글 1" in out and [t for _, t, *_ in board()] == ["멀쩡한 글"]


def test_an_rss_feed_maps_entries_to_posts(db):
    out, _ = run(DATA / "feed.xml")
    assert "새 글 2" in out
    post = Post.objects.get(source_url="https://news.kbs.co.kr/news/view.do?ncd=1")
    assert post.title == "중국 빅테크, AI 투자 확대"
    assert post.source_name == "KBS 뉴스" and post.author.name == "김효신"
    assert post.body.html == "<p>알리바바가 3년간 <b>220조 원</b>을 투자한다.</p>"
    assert post.published_at.isoformat() == "2025-02-23T09:30:00+00:00"
    assert (
        Post.objects.get(source_url__endswith="ncd=2").body.text
        == "교황이 밤새 편히 쉬었다고 교황청이 밝혔다."
    )
    out, _ = run(DATA / "feed.xml")
    assert "그대로 2" in out


def test_an_atom_feed_is_read_too(db):
    run(DATA / "feed.atom", "--format", "feed")
    post = Post.objects.get()
    assert (
        post.title == '美국무, 우크라에 "분쟁 종식"'
        and post.source_url == "https://www.yna.co.kr/view/1"
    )


def test_a_missing_file_is_a_clear_error(db):
    with pytest.raises(CommandError, match="파일을 읽을 수 없습니다"):
        run("/nonexistent/posts.jsonl")


def test_export_then_import_then_export_is_byte_identical(demo_board, tmp_path, make_post):
    make_post(
        number=7,
        title="숨긴 공지",
        status="hidden",
        is_notice=True,
        source_url="https://a.example/7",
    )
    make_post(
        number=8,
        title="임시 글",
        status="draft",
        body_html='<p>링크 <a href="https://a.example/">여기</a></p>',
    )
    first = export(tmp_path / "a.jsonl")
    before = board()
    Post.objects.all().delete()
    run(tmp_path / "a.jsonl")
    assert board() == before
    assert export() == first


def test_an_import_killed_between_batches_can_be_run_again(db, tmp_path, monkeypatch):
    rows = [row(title=f"글 {i}", source_url=f"https://a.example/{i}") for i in range(25)]
    path = jsonl(tmp_path, rows)
    real_write, calls = importing._write, []

    def failing_write(batch, report, floor):
        calls.append(len(batch))
        if len(calls) == 3:
            raise RuntimeError("killed")
        real_write(batch, report, floor)

    monkeypatch.setattr(importing, "_write", failing_write)
    with pytest.raises(RuntimeError):
        run(path, "--batch", "10")
    assert Post.objects.count() == 20  # two whole batches, nothing of the third
    monkeypatch.setattr(importing, "_write", real_write)
    run(path, "--batch", "10")
    urls = list(Post.objects.values_list("source_url", flat=True))
    assert sorted(urls) == sorted(r["source_url"] for r in rows)
    assert sorted(Post.objects.values_list("number", flat=True)) == list(range(1, 26))


def test_unnumbered_rows_never_take_a_number_named_later_in_the_file(db, tmp_path):
    rows = [row(title=f"번호 없는 글 {i}", source_url=f"https://a.example/{i}") for i in range(3)]
    rows.append(row(number=2, title="번호 2번 글"))
    path = jsonl(tmp_path, rows)
    run(path, "--batch", "2")
    assert Post.objects.get(number=2).title == "번호 2번 글"
    assert sorted(Post.objects.values_list("number", flat=True)) == [2, 3, 4, 5]
    out, _ = run(path, "--batch", "2")
    assert "그대로 4" in out


def test_a_deleted_newest_post_keeps_its_number(db, make_post):
    make_post(number=10)
    Post.objects.get(number=10).delete()
    assert make_post().number == 11


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (row(number="²"), "번호는 양의 정수여야 합니다"),
        (row(published_at="0001-01-01T00:00:00+09:00"), "날짜는 1970년부터 2100년 사이여야 합니다"),
    ],
)
def test_odd_values_are_reported_not_crashed_on(db, tmp_path, bad, message):
    _, err = run(jsonl(tmp_path, [bad]))
    assert message in err


def test_a_csv_line_with_invalid_utf8_is_reported(db, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_bytes(
        "title,author,published_at\n좋은 글,KBS,2025-02-23T09:00:00+09:00\n".encode()
        + b"\xff\xfe bad,KBS,2025-02-23T09:00:00+09:00\n"
    )
    _, err = run(path)
    assert f"{path}:3: UTF-8이 아닌 바이트가 있습니다" in err
    with pytest.raises(CommandError):
        run(path, "--strict")


def test_checking_in_several_processes_gives_the_same_report_and_board(db, tmp_path):
    rows = [row(number=n, title=f"제목 {n}", body_html=f"<p>본문 {n}</p>") for n in range(1, 600)]
    rows[10] = row(title="")  # line 11
    rows[500] = row(number=7)  # line 501: line 7 again
    path = jsonl(tmp_path, rows)
    out, err = run(path, "--workers", "2")
    parallel = board()
    Post.objects.all().delete()
    out_serial, err_serial = run(path, "--workers", "1")
    assert err == err_serial
    assert f"{path}:11: 제목이 없습니다" in err and f"{path}:501: 7번째 줄과 같은 글입니다" in err
    assert (
        out.split("(")[0]
        == out_serial.split("(")[0]
        == "새 글 597 · 바뀐 글 0 · 그대로 0 · 건너뜀 2 "
    )
    assert parallel == board() and len(parallel) == 597


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_feed_at_once_write_each_post_once(monkeypatch):
    import threading

    from django.db import connection

    from articles import importing, services

    rows = [
        (i, row(title=f"동시 가져오기 {i}", source_url=f"https://news.example/{i}"))
        for i in range(1, 4)
    ]
    paused, release = threading.Event(), threading.Event()
    write = services.posts_bulk_write

    def first_waits_before_commit(posts, **kwargs):
        numbers = write(posts, **kwargs)
        if threading.current_thread().name == "first":
            paused.set()
            release.wait(10)
        return numbers

    monkeypatch.setattr(services, "posts_bulk_write", first_waits_before_commit)
    reports = {}

    def run_import():
        try:
            reports[threading.current_thread().name] = importing.import_rows(rows)
        finally:
            connection.close()

    first = threading.Thread(target=run_import, name="first")
    first.start()
    assert paused.wait(10)
    second = threading.Thread(target=run_import, name="second")
    second.start()
    second.join(0.5)  # the second import gets as far as it can while the first is open
    release.set()
    first.join()
    second.join()
    assert (reports["first"].created, reports["second"].unchanged) == (3, 3)
    assert Post.objects.count() == 3


@pytest.mark.parametrize("where", ["missing/board.jsonl", "."])
def test_an_export_that_cannot_be_written_says_so_and_leaves_nothing(db, tmp_path, where):
    services.post_create(title="내보낼 글", author="KBS")
    target = tmp_path / where
    with pytest.raises(CommandError, match="파일에 쓸 수 없습니다"):
        call_command("export_posts", output=str(target), stderr=io.StringIO())
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_reimporting_a_feed_keeps_what_editors_changed_that_feeds_do_not_carry(db):
    run(DATA / "feed.xml")
    first = Post.objects.get(source_url__endswith="ncd=1")
    second = Post.objects.get(source_url__endswith="ncd=2")
    services.posts_set_status(posts=Post.objects.filter(pk=first.pk), status="hidden")
    services.posts_set_notice(posts=Post.objects.filter(pk=second.pk), is_notice=True)
    services.body_save(post=second, reporter="김기자", credits="사진 KBS")

    out, _ = run(DATA / "feed.xml")

    assert "그대로 2" in out
    first.refresh_from_db(), second.refresh_from_db()
    assert first.status == "hidden" and second.is_notice
    assert (second.body.reporter, second.body.credits) == ("김기자", "사진 KBS")


def test_a_row_without_status_keeps_the_posts_and_one_with_it_sets_it(db, tmp_path, make_post):
    post = make_post(title="숨길 기사", number=7)
    services.posts_set_status(posts=Post.objects.filter(pk=post.pk), status="hidden")
    run(jsonl(tmp_path, [row(number=7, title="고친 기사", is_notice="")]))
    post.refresh_from_db()
    assert (post.title, post.status, post.is_notice) == ("고친 기사", "hidden", False)

    run(jsonl(tmp_path, [row(number=7, title="고친 기사", status="published")]))
    post.refresh_from_db()
    assert post.status == "published"


def test_a_new_post_from_a_row_without_status_is_published(db, tmp_path):
    run(jsonl(tmp_path, [row(number=3)]))
    assert Post.objects.get(number=3).status == "published"


def test_a_web_page_is_not_taken_for_an_empty_feed(db, tmp_path):
    path = tmp_path / "page.xml"
    path.write_text(
        "<!DOCTYPE html><html><head><title>뉴스</title></head><body><p>안내</p></body></html>"
    )
    with pytest.raises(CommandError, match="Atom 형식이 아닙니다") as error:
        run(path, "--format", "feed")
    assert error.value.returncode == 1


def test_a_feed_shows_an_authors_name_never_an_address_and_titles_without_markup(db, tmp_path):
    path = tmp_path / "feed.xml"
    item = (
        "<item><title>{t}</title><link>https://news.example/{n}</link>{a}"
        "<pubDate>Sun, 23 Feb 2025 09:30:00 +0000</pubDate></item>"
    )
    path.write_text(
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>예시 뉴스</title>"
        + item.format(t="이름 있는 기자", n=1, a="<author>reporter@news.example (김기자)</author>")
        + item.format(t="주소만", n=2, a="<author>desk@news.example</author>")
        + item.format(t="붙여 쓴 주소", n=3, a="<author>홍길동(hong@yna.co.kr)</author>")
        + item.format(
            t="두 기자", n=4, a="<author>김기자(kim@kbs.co.kr), 이기자(lee@kbs.co.kr)</author>"
        )
        + "</channel></rss>"
    )
    run(path)
    assert dict(Post.objects.values_list("title", "author__name")) == {
        "이름 있는 기자": "김기자",
        "주소만": "예시 뉴스",
        "붙여 쓴 주소": "홍길동",
        "두 기자": "김기자, 이기자",
    }
    atom = tmp_path / "feed.atom"
    atom.write_text(
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        "<title>예시</title><id>x</id><updated>2025-02-23T09:00:00Z</updated><entry>"
        "<title type='html'>&lt;b&gt;굵은&lt;/b&gt; 제목 &amp;amp; 엔티티</title>"
        "<link href='https://news.example/a'/><id>a</id><updated>2025-02-23T09:00:00Z</updated>"
        "</entry><entry><title type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>"
        "<b>굵은</b> 제목 &amp;amp; x</div></title>"
        "<link href='https://news.example/b'/><id>b</id><updated>2025-02-23T09:00:00Z</updated>"
        "</entry></feed>"
    )
    run(atom)
    assert Post.objects.get(source_url="https://news.example/a").title == "굵은 제목 & 엔티티"
    assert Post.objects.get(source_url="https://news.example/b").title == "굵은 제목 &amp; x"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("title,author,published_at,body", "알 수 없는 열: 'body'"),
        ("title,author,body_html", "없는 열: published_at"),
        ("title;author;published_at", "알 수 없는 열: 'title;author;published_at'"),
        ("title,author,published_at,title", "두 번 나온 열: title"),
    ],
)
def test_a_csv_header_naming_other_columns_fails_before_any_row(db, tmp_path, header, message):
    path = tmp_path / "posts.csv"
    path.write_text(f"{header}\n제목,랭크뉴스,2025-02-23T18:40:00+09:00,<p>본문</p>\n")
    with pytest.raises(CommandError, match="CSV 머리글을 확인해 주세요") as error:
        run(path)
    assert message in str(error.value) and error.value.returncode == 1
    assert board() == []


def test_a_jsonl_row_with_an_unknown_field_is_reported_not_imported_without_it(db, tmp_path):
    path = jsonl(tmp_path, [row(number=1), {**row(number=2), "body": "<p>어디로</p>"}])
    out, err = run(path)
    assert f"{path}:2: 알 수 없는 필드: 'body'" in err
    assert "새 글 1" in out and [n for n, *_ in board()] == [1]


def test_an_export_read_by_a_reader_that_stops_early_ends_quietly(db, make_post):
    import os

    for i in range(300):  # more than a pipe holds
        make_post(title=f"내보낼 글 {i}", body_html="<p>" + "본문 " * 200 + "</p>")
    read, write = os.pipe()
    os.close(read)  # export_posts | head: head has read what it wanted
    err = io.StringIO()
    with os.fdopen(write, "w", encoding="utf-8") as out:
        call_command("export_posts", stdout=out, stderr=err)
    assert err.getvalue() == ""


def test_a_csv_with_a_trailing_comma_in_every_line_is_read(db, tmp_path):
    # As spreadsheets write it: a nameless last column, empty.
    path = tmp_path / "posts.csv"
    path.write_text(
        "title,author,published_at,\n"
        "첫 글,랭크뉴스,2025-02-23T18:40:00+09:00,\n"
        "둘째 글,랭크뉴스,2025-02-23T18:41:00+09:00,무엇\n"
    )
    out, err = run(path)
    assert "새 글 1" in out and f"{path}:3: 이름 없는 열에 값이 있습니다" in err
    # Two nameless columns: a value in the first is not lost behind the second.
    path.write_text(
        "title,author,published_at,,\n셋째 글,랭크뉴스,2025-02-23T18:42:00+09:00,중요한 값,\n"
    )
    out, err = run(path)
    assert "새 글 0" in out and f"{path}:2: 이름 없는 열에 값이 있습니다" in err

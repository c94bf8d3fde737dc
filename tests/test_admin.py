import re
import unicodedata

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import ArticleBody, Author, Post

CHANGELIST = "/admin/articles/post/"


def test_anonymous_users_are_sent_to_the_login_page(client, make_post):
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_readers_without_staff_status_are_refused(client, django_user_model, make_post):
    client.force_login(django_user_model.objects.create_user("reader", password="x-pass-1234"))
    assert client.get(CHANGELIST).status_code == 302


def _act(client, action, posts):
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [p.pk for p in posts]}, follow=True
    )


def test_editors_hide_and_publish_posts(editor_client, make_post):
    a, b = make_post(), make_post()
    response = _act(editor_client, "hide", [a, b])
    assert "게시글 2개를 숨겼습니다." in response.content.decode()
    assert set(Post.objects.values_list("status", flat=True)) == {"hidden"}
    assert editor_client.get("/").context["page"].rows == []
    _act(editor_client, "publish", [a])
    a.refresh_from_db()
    assert a.status == "published"
    assert a.number == 1  # hiding kept the number


def test_select_all_acts_only_on_as_many_posts_as_the_list_counted(
    editor_client, make_post, monkeypatch
):
    from articles.admin import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "CAP", 3)
    posts = [make_post(title=f"트럼프 {i}") for i in range(4)]
    across = {"action": "hide", "select_across": "1", "_selected_action": [posts[0].pk]}
    response = editor_client.post(CHANGELIST, across, follow=True)
    assert "3개를 넘어 한꺼번에 바꾸지 않았습니다" in response.content.decode()
    assert set(Post.objects.values_list("status", flat=True)) == {"published"}
    # Narrowed to what the list can count, "모두 선택" works as before.
    response = editor_client.post(CHANGELIST + "?q=트럼프+1", across, follow=True)
    assert "게시글 1개를 숨겼습니다." in response.content.decode()
    assert list(Post.objects.filter(status="hidden").values_list("title", flat=True)) == [
        "트럼프 1"
    ]


def test_editors_pin_and_unpin_notices(editor_client, make_post):
    post = make_post()
    _act(editor_client, "pin_notice", [post])
    assert [n.pk for n in editor_client.get("/").context["notices"]] == [post.pk]
    _act(editor_client, "unpin_notice", [post])
    assert editor_client.get("/").context["notices"] == []


def test_editors_add_a_post_with_the_next_number_and_a_clean_body(editor_client, make_post):
    make_post(number=46201, author="랭크뉴스")
    from articles.models import Author

    author = Author.objects.get(name="랭크뉴스")
    response = editor_client.post(
        "/admin/articles/post/add/",
        {
            "title": "  관리자가 쓴 글 ",
            "author": author.pk,
            "published_at_0": "2025-02-24",
            "published_at_1": "09:00:00",
            "status": "published",
            "source_name": "KBS",
            "source_url": "https://news.kbs.co.kr/",
            "body-TOTAL_FORMS": "1",
            "body-INITIAL_FORMS": "0",
            "body-MIN_NUM_FORMS": "0",
            "body-MAX_NUM_FORMS": "1",
            "body-0-html": '<p>본문</p><img src="https://img.example/x.jpg" onerror="alert(1)"><script>bad()</script>',
            "body-0-reporter": "김효신",
            "body-0-credits": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    post = Post.objects.get(title="관리자가 쓴 글")
    assert post.number == 46202
    assert post.body.html == '<p>본문</p><img src="https://img.example/x.jpg">'
    assert post.body.text == "본문"
    assert post.body.reporter == "김효신"


def test_a_title_too_long_once_cleaned_is_a_form_error_not_a_500(editor_client, make_post):
    post = make_post(title="원래 제목")
    form = {**_change_form(post, "<p>본문</p>"), "title": "\ufb2c" * 120}  # 360 characters in NFC
    response = editor_client.post(f"/admin/articles/post/{post.pk}/change/", form)
    assert response.status_code == 200
    assert "300" in str(response.context["adminform"].form.errors["title"])
    post.refresh_from_db()
    assert post.title == "원래 제목"


def _change_form(post, body_html):
    """What the admin's change form posts for `post` titled 제목, with a new body."""
    return {
        "title": "제목",
        "author": post.author_id,
        "published_at_0": "2025-01-01",
        "published_at_1": "09:01:00",
        "status": "published",
        "source_name": "",
        "source_url": "",
        "body-TOTAL_FORMS": "1",
        "body-INITIAL_FORMS": "1",
        "body-MIN_NUM_FORMS": "0",
        "body-MAX_NUM_FORMS": "1",
        "body-0-post": post.pk,
        "body-0-html": body_html,
        "body-0-reporter": "",
        "body-0-credits": "",
    }


def test_editing_the_body_in_the_admin_is_sanitised_and_searchable(editor_client, make_post):
    post = make_post(title="제목", body_html="<p>예전 본문</p>")
    url = f"/admin/articles/post/{post.pk}/change/"
    form = editor_client.get(url).context["adminform"].form
    data = _change_form(
        post, '<p style="color:red">새 본문 <a href="https://example.com/">링크</a></p>'
    )
    assert form.instance == post
    response = editor_client.post(url, data)
    assert response.status_code == 302
    post.body.refresh_from_db()
    assert (
        post.body.html
        == '<p>새 본문 <a href="https://example.com/" rel="noopener nofollow">링크</a></p>'
    )
    assert [p.number for p in editor_client.get("/", {"q": "새 본문"}).context["page"].rows] == [
        post.number
    ]


def test_the_changelist_shows_scheduled_posts_as_reserved(editor_client, make_post):
    from django.utils import timezone

    make_post(title="예약 글", published_at=timezone.now() + timezone.timedelta(days=1))
    assert (
        '<td class="field-status_label">예약</td>' in editor_client.get(CHANGELIST).content.decode()
    )


def test_the_state_filter_tells_scheduled_posts_from_public_ones(editor_client, make_post):
    from django.utils import timezone

    make_post(title="지금 글")
    make_post(title="예약 글", published_at=timezone.now() + timezone.timedelta(days=1))
    make_post(title="숨긴 글", status="hidden")
    make_post(title="초안 글", status="draft")

    def titles(state):
        response = editor_client.get(CHANGELIST, {"state": state})
        return [post.title for post in response.context["cl"].result_list]

    assert titles("public") == ["지금 글"]
    assert titles("scheduled") == ["예약 글"]
    assert titles("hidden") == ["숨긴 글"]
    assert titles("draft") == ["초안 글"]
    assert "예약</a>" in editor_client.get(CHANGELIST).content.decode()  # offered as a filter


def test_the_changelist_never_counts_the_whole_table(editor_client, make_post):
    for _ in range(5):
        make_post()
    with CaptureQueriesContext(connection) as queries:
        response = editor_client.get(CHANGELIST)
    assert response.status_code == 200
    counts = [q["sql"] for q in queries if re.search(r"COUNT\(", q["sql"], re.I)]
    assert counts, "the paginator still counts, but within a limit"
    assert all(re.search(r"LIMIT \d+", sql) for sql in counts), counts


def test_the_changelist_query_count_does_not_grow_with_rows(editor_client, make_post):
    make_post()

    def queries():
        with CaptureQueriesContext(connection) as captured:
            editor_client.get(CHANGELIST)
        return len(captured)

    few = queries()
    for i in range(30):
        make_post(author=f"글쓴이 {i}")
    assert queries() == few


def test_admin_search_by_number_and_title(editor_client, make_post):
    make_post(number=46201, title="트럼프 소식")
    make_post(number=46202, title="다른 소식")
    by_number = editor_client.get(CHANGELIST, {"q": "46201"}).context["cl"].result_list
    assert [p.number for p in by_number] == [46201]
    by_title = editor_client.get(CHANGELIST, {"q": "트럼프"}).context["cl"].result_list
    assert [p.number for p in by_title] == [46201]


def _view_on_site(client, post):
    html = client.get(f"/admin/articles/post/{post.pk}/change/").content.decode()
    return re.search(r'href="([^"]+)" class="viewsitelink"', html).group(1)


def test_view_on_site_links_to_the_article_or_while_unseen_to_its_preview(editor_client, make_post):
    from .conftest import seoul

    post = make_post()
    assert _view_on_site(editor_client, post) == post.get_absolute_url()
    for unseen in (make_post(status="draft"), make_post(published_at=seoul(2099, 1, 1))):
        link = _view_on_site(editor_client, unseen)
        assert link == f"/admin/articles/post/{unseen.pk}/preview/"
        assert editor_client.get(link).status_code == 200


def test_the_body_is_headed_by_the_posts_number(editor_client, make_post):
    post = make_post(number=46201)
    html = editor_client.get(f"/admin/articles/post/{post.pk}/change/").content.decode()
    assert "46201번 글" in html and f"{post.pk} 본문" not in html


def test_the_import_link_is_shown_only_to_staff_who_may_import(
    editor_client, client, django_user_model, make_post
):
    from django.contrib.auth.models import Permission

    make_post()
    assert "/admin/articles/post/import/" in editor_client.get(CHANGELIST).content.decode()
    viewer = django_user_model.objects.create_user("viewer", password="pw-view-1234", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_post"))
    client.force_login(viewer)
    page = client.get(CHANGELIST)
    assert page.status_code == 200 and "/admin/articles/post/import/" not in page.content.decode()


def test_editors_restore_hidden_posts(editor_client, make_post):
    hidden = make_post(status="hidden")
    draft = make_post(status="draft")
    response = _act(editor_client, "restore", [hidden, draft])
    assert "게시글 1개를 되살렸습니다." in response.content.decode()
    hidden.refresh_from_db()
    draft.refresh_from_db()
    assert (hidden.status, draft.status) == ("published", "draft")


def test_staff_preview_drafts_and_the_preview_is_never_cached(editor_client, make_post):
    draft = make_post(title="아직 안 낸 글", status="draft", body_html="<p>초안 본문</p>")
    response = editor_client.get(f"/admin/articles/post/{draft.pk}/preview/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "아직 안 낸 글" in html and "<p>초안 본문</p>" in html and "임시저장" in html
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_readers_cannot_preview(client, make_post):
    draft = make_post(status="draft")
    response = client.get(f"/admin/articles/post/{draft.pk}/preview/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_admin_import_page_runs_the_same_import(editor_client, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = (
        '{"title": "올린 글", "author": "KBS", "published_at": "2025-02-23T09:00:00+09:00"}\n'
        '{"title": "", "author": "KBS", "published_at": "2025-02-23T09:00:00+09:00"}\n'
    ).encode()
    upload = SimpleUploadedFile("posts.jsonl", data, content_type="application/x-ndjson")
    response = editor_client.post("/admin/articles/post/import/", {"file": upload, "format": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "새 글 1 · 바뀐 글 0 · 그대로 0 · 건너뜀 1" in html
    assert "<td>2</td><td>제목이 없습니다</td>" in html
    assert Post.objects.get().title == "올린 글"


def test_the_admin_import_page_says_when_a_file_is_not_a_feed(editor_client, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("news.xml", b"/dev/zero", content_type="text/xml")
    response = editor_client.post("/admin/articles/post/import/", {"file": upload, "format": ""})
    assert response.status_code == 200
    assert "피드를 읽을 수 없습니다. RSS 2.0이나 Atom 형식이 아닙니다." in response.content.decode()
    assert not Post.objects.exists()


def test_the_import_page_needs_the_right_to_add_authors(editor_client, django_user_model):
    from django.contrib.auth.models import Permission

    editor = django_user_model.objects.get(username="editor")
    assert editor_client.get("/admin/articles/post/import/").status_code == 200
    editor.user_permissions.remove(Permission.objects.get(codename="add_author"))
    assert editor_client.get("/admin/articles/post/import/").status_code == 403


def _jsonl_upload(count: int, body: str = ""):
    from django.core.files.uploadedfile import SimpleUploadedFile

    rows = "".join(
        f'{{"title": "올린 글 {n}", "author": "KBS", "body_html": "{body}",'
        ' "published_at": "2025-02-23T09:00:00+09:00"}\n'
        for n in range(count)
    )
    return SimpleUploadedFile("posts.jsonl", rows.encode(), content_type="application/x-ndjson")


def test_the_admin_import_page_sends_large_files_to_the_command(editor_client, settings):
    """It runs inside the request: a file it could not finish in time is refused whole."""
    settings.ADMIN_IMPORT_MAX_ROWS = 2
    url = "/admin/articles/post/import/"
    response = editor_client.post(url, {"file": _jsonl_upload(3), "format": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "한 번에 2건까지 가져올 수 있습니다(이 파일: 3건)" in html
    assert "manage.py import_posts" in html
    assert not Post.objects.exists()

    settings.ADMIN_IMPORT_MAX_MB = 1
    response = editor_client.post(url, {"file": _jsonl_upload(1, "가" * 400_000), "format": ""})
    assert "1MB까지 가져올 수 있습니다(이 파일: 1.1\xa0MB)" in response.content.decode()
    assert not Post.objects.exists()

    editor_client.post(url, {"file": _jsonl_upload(2), "format": ""})
    assert Post.objects.count() == 2


def test_deleting_asks_for_confirmation_and_is_logged(client, django_user_model, make_post):
    from django.contrib.admin.models import DELETION, LogEntry

    admin_user = django_user_model.objects.create_superuser("boss", password="pw-boss-1234")
    client.force_login(admin_user)
    post = make_post(title="지울 글")
    url = f"/admin/articles/post/{post.pk}/delete/"
    confirm = client.get(url)
    assert confirm.status_code == 200 and "지울 글" in confirm.content.decode()
    assert Post.objects.filter(pk=post.pk).exists()  # asking deletes nothing
    client.post(url, {"post": "yes"})
    assert not Post.objects.filter(pk=post.pk).exists()
    assert LogEntry.objects.filter(action_flag=DELETION, object_repr__contains="지울 글").exists()


def test_the_date_hierarchy_lists_years_without_scanning_every_row(editor_client, make_post):
    from .conftest import seoul

    make_post(published_at=seoul(2023, 5, 1, 9))
    make_post(published_at=seoul(2025, 1, 1, 0, 30))  # 2024-12-31 in UTC: counted in Seoul
    with CaptureQueriesContext(connection) as queries:
        html = editor_client.get(CHANGELIST).content.decode()
    assert not any("DISTINCT" in q["sql"] and "DATE_TRUNC" in q["sql"].upper() for q in queries)
    years = re.findall(r"published_at__year=(\d{4})", html)
    assert sorted(set(years)) == ["2023", "2024", "2025"]
    by_year = (
        editor_client.get(CHANGELIST, {"published_at__year": "2025"}).context["cl"].result_list
    )
    assert len(by_year) == 1


@pytest.mark.parametrize("year", ["2147483648", "99999999999999999999", "-1", "0"])
def test_absurd_years_in_the_date_hierarchy_are_refused_not_a_500(editor_client, make_post, year):
    make_post()
    response = editor_client.get(CHANGELIST, {"published_at__year": year})
    assert response.status_code in (200, 302)


def test_a_body_over_the_limit_is_refused_with_a_message(editor_client, make_post):
    post = make_post(title="제목", body_html="<p>예전 본문</p>")
    url = f"/admin/articles/post/{post.pk}/change/"
    response = editor_client.post(url, _change_form(post, "가" * (ArticleBody.MAX_HTML_LENGTH + 1)))
    assert response.status_code == 200
    assert "100000" in response.content.decode() and "글자" in response.content.decode()
    post.body.refresh_from_db()
    assert post.body.html == "<p>예전 본문</p>"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("source_url", "ftp://files.example/a", "http 또는 https 주소여야"),
        ("published_at_0", "1969-12-31", "1970년부터 2100년 사이"),
    ],
)
def test_the_post_form_refuses_what_the_import_refuses(
    editor_client, make_post, field, value, message
):
    """Else a post saved in the admin would be lost by export → import."""
    post = make_post(title="제목", body_html="<p>본문</p>")
    url = f"/admin/articles/post/{post.pk}/change/"
    response = editor_client.post(url, {**_change_form(post, "<p>본문</p>"), field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    post.refresh_from_db()
    assert post.source_url == "" and post.published_at.year == 2025


def test_an_author_added_in_the_admin_is_stored_in_nfc(admin_client, db):
    decomposed = unicodedata.normalize("NFD", "랭크뉴스")
    response = admin_client.post("/admin/articles/author/add/", {"name": f" {decomposed}\n"})
    assert response.status_code == 302
    assert list(Author.objects.values_list("name", flat=True)) == ["랭크뉴스"]
    again = admin_client.post("/admin/articles/author/add/", {"name": decomposed})
    assert again.status_code == 200  # the same name, once normalised: refused as a duplicate
    assert Author.objects.count() == 1


@pytest.mark.parametrize(
    ("number", "message"),
    [("0", "번호는 1 이상이어야 합니다."), ("3000000000", "번호는 2,147,483,647 이하여야 합니다.")],
)
def test_a_number_outside_what_every_database_holds_is_refused_in_korean(
    editor_client, make_post, number, message
):
    author = make_post(number=5).author
    response = editor_client.post(
        "/admin/articles/post/add/",
        {
            "number": number,
            "title": "번호가 이상한 글",
            "author": author.pk,
            "published_at_0": "2025-02-24",
            "published_at_1": "09:00:00",
            "status": "published",
            "body-TOTAL_FORMS": "0",
            "body-INITIAL_FORMS": "0",
            "body-MIN_NUM_FORMS": "0",
            "body-MAX_NUM_FORMS": "1",
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert list(Post.objects.values_list("number", flat=True)) == [5]


def test_admin_search_by_number_takes_leading_zeros_and_survives_endless_digits(
    editor_client, make_post
):
    make_post(number=46201, title="트럼프 소식")
    found = editor_client.get(CHANGELIST, {"q": "0046201"}).context["cl"].result_list
    assert [p.number for p in found] == [46201]
    for term in ("3000000000", "9" * 5000):
        response = editor_client.get(CHANGELIST, {"q": term})
        assert response.status_code == 200 and list(response.context["cl"].result_list) == []


def test_a_capped_count_reads_as_at_least_never_as_exact(editor_client, make_post, monkeypatch):
    from articles.admin import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "CAP", 3)
    for i in range(3):
        make_post(title=f"트럼프 {i}")
    page = editor_client.get(CHANGELIST).content.decode()
    assert re.search(r"\b3 게시글", page) and "3+" not in page
    make_post(title="트럼프 3")
    page = editor_client.get(CHANGELIST).content.decode()
    assert "3+ 게시글" in page and not re.search(r"\b3 게시글", page)
    assert "결과 3+개" in editor_client.get(CHANGELIST, {"q": "트럼프"}).content.decode()


def test_the_changelist_never_counts_every_filter_choice(editor_client, make_post):
    make_post()
    with CaptureQueriesContext(connection) as queries:
        page = editor_client.get(CHANGELIST, {"_facets": "True"}).content.decode()
    assert "게시 (1)" not in page.replace("\n", "")
    assert not any("FILTER (WHERE" in q["sql"].upper() for q in queries)


def test_the_changelist_writes_dates_as_the_board_does(editor_client, make_post):
    from .conftest import seoul

    make_post(published_at=seoul(2025, 2, 23, 18, 40))
    html = editor_client.get(CHANGELIST).content.decode()
    assert "2025.02.23 18:40" in html and "오후" not in html


def test_the_login_lockout_section_of_the_admin_is_in_korean(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", password="pw-boss-1234"))
    index = client.get("/admin/").content.decode()
    assert "로그인 잠금" in index and "접속 시도" in index and "접속 기록" in index
    assert "Access attempts" not in index and "Axes" not in index
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        user_agent="curl", ip_address="10.0.0.1", username="x", http_accept="*/*",
        path_info="/admin/login/", get_data="", post_data="", failures_since_start=1,
    )  # fmt: skip
    attempts = client.get("/admin/axes/accessattempt/").content.decode()
    assert "IP 주소" in attempts and "IP Address" not in attempts

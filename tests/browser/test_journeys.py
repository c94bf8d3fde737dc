"""Readers' and editors' journeys, at desktop and phone sizes."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = "table.board-table tbody tr"


def titles(page):
    return page.locator(f"{ROWS} .col-title a").all_inner_texts()


def search(page, query, field_label=None):
    if field_label:
        page.get_by_label("검색 범위").select_option(label=field_label)
    page.get_by_label("검색어").fill(query)
    page.get_by_label("검색어").press("Enter")  # the on-screen keyboard's 검색 key


def test_browse_and_page(open_page, site, screenshot):
    page = open_page()
    page.goto(site + "/")
    expect(page.locator(ROWS)).to_have_count(21)  # the notice and 20 rows
    expect(page.locator(f"{ROWS}.is-notice")).to_contain_text("게시판 이용 안내")
    first_page = titles(page)[1:]
    screenshot(page, "board")
    nav = page.get_by_role("navigation", name="페이지 이동")
    expect(nav.get_by_role("link", name="1", exact=True)).to_have_attribute("aria-current", "page")
    nav.get_by_role("link", name="3", exact=True).click()
    expect(page).to_have_url(re.compile(r"\?page=3$"))
    expect(page.locator(f"{ROWS}:not(.is-notice)")).to_have_count(5)
    assert not set(titles(page)[1:]) & set(first_page)


@pytest.mark.parametrize(
    ("field", "query", "expected"),
    [
        (
            "제목+내용",
            "트럼프",
            ["트럼프에 울고웃는 '일대일로'", "트럼프 “우크라 합의 임박”", "트럼프 관세 발표"],
        ),
        ("제목", "우크라", ["트럼프 “우크라 합의 임박”"]),
        ("내용", "관세를", ["트럼프 관세 발표"]),
        ("글쓴이", "KBS", None),
    ],
)
def test_search_with_each_field(open_page, site, field, query, expected):
    page = open_page()
    page.goto(site + "/")
    search(page, query, field)
    expect(page.get_by_label("검색어")).to_have_value(query)
    if expected is None:
        expect(page.locator(f"{ROWS}:not(.is-notice)")).to_have_count(14)
        assert set(page.locator(f"{ROWS} .col-author").all_inner_texts()) == {"KBS"}
    else:
        assert titles(page) == expected
        if field != "내용":
            expect(page.locator(f"{ROWS} mark").first).to_have_text(query)


def test_date_presets_and_custom_dates(open_page, site, device):
    page = open_page()
    page.goto(site + "/")
    page.get_by_role("link", name="최근 1주").click()
    expect(page.get_by_role("link", name="최근 1주")).to_have_attribute("aria-current", "true")
    recent = titles(page)
    assert "트럼프에 울고웃는 '일대일로'" in recent and "경제 소식 0" not in recent
    page.get_by_role("link", name="오늘").click()
    # The site's posts of the last 30 hours, by age: those dated today in Seoul.
    now = timezone.now()
    ages = {"트럼프에 울고웃는 '일대일로'": 2, "트럼프 “우크라 합의 임박”": 10, "날씨 소식": 20}
    today = [t for t, hours in ages.items() if timezone.localdate(now - timedelta(hours=hours))
             == timezone.localdate(now)]  # fmt: skip
    assert titles(page) == today
    page.get_by_label("시작").fill("2000-01-01")
    page.get_by_label("끝").fill("2000-01-31")
    page.get_by_role("button", name="검색").click()
    expect(page.locator(".empty")).to_have_text("글이 없습니다.")
    expect(page).to_have_url(re.compile(r"date_from=2000-01-01&date_to=2000-01-31"))


def test_read_an_article_move_between_posts_and_return(open_page, site, screenshot):
    page = open_page()
    page.goto(site + "/")
    search(page, "트럼프")
    page.locator(f"{ROWS} .col-title a").first.click()
    expect(page.locator("h1")).to_have_text("트럼프에 울고웃는 '일대일로'")
    expect(page.locator(".article-body blockquote")).to_contain_text("변화가 필요합니다")
    expect(page.get_by_role("link", name="KBS 원문 보기")).to_have_attribute(
        "href", "https://news.kbs.co.kr/"
    )
    expect(page.locator("tr.is-current")).to_contain_text("트럼프에 울고웃는 '일대일로'")
    screenshot(page, "article")
    nav = page.get_by_role("navigation", name="글 이동")
    nav.get_by_role("link", name="트럼프 “우크라 합의 임박”").click()  # 다음글
    expect(page.locator("h1")).to_have_text("트럼프 “우크라 합의 임박”")
    nav = page.get_by_role("navigation", name="글 이동")
    expect(nav.locator(".next a")).to_have_text("트럼프 관세 발표")
    nav.locator(".prev a").click()  # 이전글
    expect(page.locator("h1")).to_have_text("트럼프에 울고웃는 '일대일로'")
    page.get_by_role("link", name="목록", exact=True).click()
    expect(page.get_by_label("검색어")).to_have_value("트럼프")
    expect(page.locator(".board-heading")).to_contain_text("‘트럼프’ 검색 결과")
    assert len(titles(page)) == 3


def test_an_editor_hides_one_post_and_pins_another(open_page, site, django_user_model):
    django_user_model.objects.create_user(
        "editor", password="pw-editor-1234", is_staff=True, is_superuser=True
    )
    page = open_page()
    page.goto(site + "/admin/")
    page.get_by_label("사용자 이름").fill("editor")
    page.get_by_label("비밀번호").fill("pw-editor-1234")
    page.get_by_role("button", name="로그인").click()
    page.goto(site + "/admin/articles/post/")

    def act(title, action):
        row = page.locator("#result_list tbody tr", has_text=title)
        row.locator("input.action-select").check()
        page.locator("select[name=action]").select_option(label=action)
        page.get_by_role("button", name="실행").click()
        expect(page.locator(".messagelist")).to_be_visible()

    act("날씨 소식", "선택한 글 숨김")
    act("경제 소식 40", "선택한 글 공지로 고정")
    page.goto(site + "/")
    assert "날씨 소식" not in titles(page)
    expect(page.locator(f"{ROWS}.is-notice")).to_have_count(2)
    expect(page.locator(f"{ROWS}.is-notice", has_text="경제 소식 40")).to_be_visible()

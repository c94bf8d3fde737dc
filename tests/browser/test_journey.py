import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def board(live_server, make_post):
    from .. import conftest

    for i in range(30):
        make_post(title=f"경제 소식 {i}", published_at=conftest.seoul(2025, 2, 1, 8, i))
    make_post(title="트럼프 관세 발표", published_at=conftest.seoul(2025, 2, 2, 9, 0))
    make_post(title="날씨 소식", published_at=conftest.seoul(2025, 2, 2, 9, 1))
    make_post(title="트럼프 “우크라 합의 임박”", published_at=conftest.seoul(2025, 2, 2, 9, 2))
    make_post(title="트럼프에 울고웃는 '일대일로'", published_at=conftest.seoul(2025, 2, 2, 9, 3))
    return live_server.url


def test_search_read_next_and_back_to_the_list(page: Page, board, screenshot_dir):
    page.goto(board + "/")
    expect(page.locator("table.board-table tbody tr")).to_have_count(20)
    expect(page).to_have_title("뉴스보드")

    page.get_by_label("검색어").fill("트럼프")
    page.get_by_role("button", name="검색").click()
    expect(page).to_have_url(re.compile(r"q=%ED%8A%B8%EB%9F%BC%ED%94%84"))
    rows = page.locator("table.board-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first.locator("mark")).to_have_text("트럼프")
    page.screenshot(path=screenshot_dir / "search-desktop.png", full_page=True)

    rows.first.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("트럼프에 울고웃는 '일대일로'")

    nav = page.get_by_role("navigation", name="글 이동")
    nav.get_by_role("link", name="트럼프 “우크라 합의 임박”").click()  # 다음글
    expect(page.locator("h1")).to_have_text("트럼프 “우크라 합의 임박”")
    expect(page.locator(".article-nav .next a")).to_have_text("트럼프 관세 발표")

    page.get_by_role("link", name="목록", exact=True).click()
    expect(page.get_by_label("검색어")).to_have_value("트럼프")
    expect(page.locator("table.board-table tbody tr")).to_have_count(3)
    expect(page.locator(".board-heading")).to_contain_text("‘트럼프’ 검색 결과")

"""What every page must be: accessible, readable on a phone, light, Korean, and JS-free."""

import gzip
import urllib.request

import pytest
from playwright.sync_api import expect

from .conftest import AXE, DEVICES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = {
    "board": "/",
    "search": "/?q=%ED%8A%B8%EB%9F%BC%ED%94%84",
    "empty": "/?q=%EC%97%86%EB%8A%94%EB%A7%90",
    "article": "/posts/45/",
    "error": "/posts/999999/",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_no_accessibility_violations(open_page, site, name):
    page = open_page(bypass_csp=True)  # axe is injected as a script
    page.goto(site + PAGES[name])
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)"""
    )
    assert violations == []


@pytest.mark.parametrize("name", list(PAGES))
def test_no_horizontal_scrolling_and_hangul_renders(open_page, site, screenshot, name):
    page = open_page()
    page.goto(site + PAGES[name])
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    # A missing Korean font draws every syllable as the same replacement box,
    # exactly as wide as a character no font has.
    widths = page.evaluate(
        """() => {
            const font = getComputedStyle(document.body).font;
            const ctx = document.createElement('canvas').getContext('2d');
            ctx.font = font;
            return [ctx.measureText('뉴스보드게시판').width,
                    ctx.measureText('\\u{10FFFD}'.repeat(7)).width,
                    ctx.measureText('가').width, ctx.measureText('힣').width];
        }"""
    )
    assert abs(widths[0] - widths[1]) > 1, f"Hangul renders as boxes: {widths}"
    screenshot(page, name)


def test_on_a_phone_the_title_comes_first_and_targets_are_large(browser, site):
    context = browser.new_context(**DEVICES["phone"], locale="ko-KR")
    page = context.new_page()
    page.goto(site + "/")
    row = page.locator("table.board-table tbody tr:not(.is-notice)").first
    title, number, date = (
        row.locator(s).bounding_box() for s in (".col-title", ".col-num", ".col-date")
    )
    assert title["y"] + title["height"] <= number["y"] + 1  # 번호 · 글쓴이 · 날짜 under the title
    assert abs(number["y"] - date["y"]) < 2  # on one line
    expect(page.locator("table.board-table thead")).to_have_count(
        1
    )  # still a table for screen readers
    small = page.evaluate(
        """() => [...document.querySelectorAll(
              'main a, main button, main input, main select')]
            .filter(e => !e.closest('.article-body') && e.offsetParent !== null)
            .map(e => [e.textContent.trim() || e.name || e.id, e.getBoundingClientRect().height])
            .filter(([, h]) => h < 44)"""
    )
    assert small == []
    context.close()


def test_on_a_phone_a_long_author_name_gives_way_to_the_date(browser, site, make_post):
    from django.utils import timezone

    make_post(  # dated 2025.02.23 rather than HH:MM: the longer date
        title="긴 이름의 글",
        author="대한민국 정책브리핑 문화체육관광부 해외문화홍보원",
        published_at=timezone.now() - timezone.timedelta(days=3, hours=1),
    )
    context = browser.new_context(**DEVICES["phone"], locale="ko-KR")
    page = context.new_page()
    page.goto(site + "/")
    row = page.locator("table.board-table tbody tr", has_text="긴 이름의 글")
    number, author, date = (
        row.locator(s).bounding_box() for s in (".col-num", ".col-author", ".col-date")
    )
    for cell in (author, date):  # one line each, on the line of 번호
        assert abs(cell["y"] - number["y"]) < 2 and cell["height"] < number["height"] * 1.5
    assert date["x"] + date["width"] <= DEVICES["phone"]["viewport"]["width"]
    # 시작 and 끝 stay beside their date boxes, however the form wraps.
    for name in ("date_from", "date_to"):
        label = page.locator(f"label[for=id_{name}]").bounding_box()
        box = page.locator(f"#id_{name}").bounding_box()
        assert box["y"] <= label["y"] + label["height"] / 2 <= box["y"] + box["height"], name
    context.close()


def test_on_a_phone_a_long_title_wraps_and_leaves_the_author_readable(browser, site, make_post):
    """A title longer than the screen used to widen the row's columns: the
    page scrolled sideways and 글쓴이 shrank to an ellipsis or nothing."""
    make_post(
        title='[단독] 美 연준 의장 "관세 충격 본격화 전 금리 동결 기조 유지"…'
        "시장은 연내 두 차례 인하 전망 여전히 우세, 국내 증시 영향은 제한적",
        author="김기자",
    )
    context = browser.new_context(**DEVICES["phone"], locale="ko-KR")
    page = context.new_page()
    page.goto(site + "/")
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    row = page.locator("table.board-table tbody tr", has_text="연내 두 차례")
    title, author = (row.locator(s).bounding_box() for s in (".col-title", ".col-author"))
    assert title["x"] + title["width"] <= width[1]
    lines = row.locator(".col-title a").evaluate(
        """e => { const s = getComputedStyle(e);
                  const text = e.clientHeight - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom);
                  return Math.round(text / parseFloat(s.lineHeight)); }"""
    )
    assert lines >= 2  # wrapped within the screen
    author_text = row.locator(".col-author")
    assert author_text.evaluate("e => e.scrollWidth <= e.clientWidth")  # 김기자 not cut
    assert author["width"] > 20
    context.close()


def test_the_skip_link_moves_focus_and_focus_is_visible(open_page, site):
    page = open_page()
    page.goto(site + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="본문 바로가기")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "content"
    page.keyboard.press("Tab")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")


def test_page_links_are_labelled_for_screen_readers(open_page, site):
    page = open_page()
    page.goto(site + "/")
    nav = page.get_by_role("navigation", name="페이지 이동")
    expect(nav.locator("[aria-current=page]")).to_have_text("1")
    new_mark = page.locator(".new").first
    expect(new_mark.locator(".visually-hidden")).to_have_text("새 글")


def test_the_board_is_light_and_loads_nothing_from_elsewhere(open_page, site):
    page = open_page()
    requests = []
    page.on("request", lambda r: requests.append((r.url, r.resource_type)))
    page.goto(site + "/")
    page.wait_for_load_state("networkidle")
    assert all(url.startswith(site) for url, _ in requests), requests
    assert not [url for url, kind in requests if kind == "font"]
    html = urllib.request.urlopen(site + "/").read()
    css_url = next(url for url, kind in requests if kind == "stylesheet")
    css = urllib.request.urlopen(css_url).read()
    assert len(gzip.compress(html)) + len(gzip.compress(css)) <= 30 * 1024


def test_everything_works_without_javascript(open_page, site):
    page = open_page(java_script_enabled=False)
    page.goto(site + "/")
    expect(page.locator("table.board-table tbody tr")).to_have_count(21)
    page.get_by_label("검색어").fill("트럼프")
    page.get_by_role("button", name="검색").click()
    expect(page.locator("table.board-table tbody tr")).to_have_count(3)
    page.locator("table.board-table .col-title a").first.click()
    expect(page.locator("h1")).to_have_text("트럼프에 울고웃는 '일대일로'")

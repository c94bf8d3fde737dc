"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Without /usr/bin/chromium (or axe-core from `npm ci`) these tests are skipped
with a message, except in CI (NEWSBOARD_REQUIRE_BROWSER=1), where a missing
browser is a failure.
"""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}

# The live server runs in a thread beside Playwright's event loop; ORM calls in
# the test body are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    missing = [f"{CHROMIUM} (apt-get install chromium)"] if not CHROMIUM.exists() else []
    if not AXE.exists():
        missing.append(f"{AXE.relative_to(ROOT)} (npm ci)")
    if not missing:
        return
    if os.environ.get("NEWSBOARD_REQUIRE_BROWSER"):
        raise pytest.UsageError("browser tests need " + " and ".join(missing))
    skip = pytest.mark.skip(reason="browser tests need " + " and ".join(missing))
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            "--lang=ko-KR",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "ko-KR", "timezone_id": "Asia/Seoul"}


@pytest.fixture(params=list(DEVICES))
def device(request):
    return request.param


@pytest.fixture
def open_page(browser, device):
    """open_page(**context_options) -> a page at the current device size."""
    contexts = []

    def make(**options):
        context = browser.new_context(
            **DEVICES[device], locale="ko-KR", timezone_id="Asia/Seoul", **options
        )
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(device):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.screenshot(path=SCREENSHOTS / f"{name}-{device}.png", full_page=True)

    return take


@pytest.fixture
def site(live_server, make_post):
    """A board of 45 posts (two pages and a bit), a notice, and an article with a body."""
    from django.utils import timezone

    now = timezone.now()
    for i in range(41):
        make_post(
            title=f"경제 소식 {i}",
            author="연합뉴스" if i % 3 else "KBS",
            published_at=now - timezone.timedelta(days=41 - i),
            body_html=f"<p>시장 동향 {i}번째 보도입니다.</p>",
        )
    make_post(title="트럼프 관세 발표", published_at=now - timezone.timedelta(hours=30),
              body_html="<p>미국 대통령이 관세를 발표했다.</p>")  # fmt: skip
    make_post(title="날씨 소식", published_at=now - timezone.timedelta(hours=20))
    make_post(title="트럼프 “우크라 합의 임박”", published_at=now - timezone.timedelta(hours=10),
              body_html="<p>푸틴과 젤렌스키는 <strong>전쟁을 끝내야</strong> 한다고 말했다.</p>")  # fmt: skip
    make_post(
        title="트럼프에 울고웃는 '일대일로'",
        published_at=now - timezone.timedelta(hours=2),
        body_html=(
            "<h3>[앵커]</h3><p>일대일로 참여국이 흔들립니다.</p>"
            "<blockquote><p>[인터뷰 : &quot;변화가 필요합니다&quot;]</p></blockquote>"
        ),
        source_name="KBS",
        source_url="https://news.kbs.co.kr/",
        reporter="김효신",
    )
    make_post(
        title="게시판 이용 안내", is_notice=True, published_at=now - timezone.timedelta(days=50)
    )
    return live_server.url

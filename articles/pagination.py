"""Board pagination: pages of 20, page links in blocks of 10.

A page number from the query string is never trusted: anything that is not a
page of this list shows the nearest real page with a message.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator

BLOCK = 10


@dataclass(frozen=True)
class PageLink:
    label: str
    url: str
    number: int
    current: bool = False
    rel: str = ""


@dataclass
class BoardPage:
    rows: list
    number: int
    num_pages: int
    total: int
    base_url: str
    params: dict = field(default_factory=dict)
    message: str = ""
    total_capped: bool = False

    def url(self, number: int) -> str:
        params = dict(self.params)
        if number > 1:
            params["page"] = number
        return f"{self.base_url}?{urlencode(params)}" if params else self.base_url

    @property
    def links(self) -> list[PageLink]:
        """The numbered links of the block of 10 that holds this page."""
        start = (self.number - 1) // BLOCK * BLOCK + 1
        end = min(start + BLOCK - 1, self.num_pages)
        return [
            PageLink(str(n), self.url(n), n, current=n == self.number)
            for n in range(start, end + 1)
        ]

    @property
    def first(self) -> PageLink | None:
        return PageLink("처음", self.url(1), 1) if self.number > BLOCK else None

    @property
    def previous_block(self) -> PageLink | None:
        start = (self.number - 1) // BLOCK * BLOCK + 1
        return PageLink("이전", self.url(start - 1), start - 1, rel="prev") if start > 1 else None

    @property
    def next_block(self) -> PageLink | None:
        end = (self.number - 1) // BLOCK * BLOCK + BLOCK
        return (
            PageLink("다음", self.url(end + 1), end + 1, rel="next")
            if end < self.num_pages
            else None
        )

    @property
    def last(self) -> PageLink | None:
        last_block_start = (self.num_pages - 1) // BLOCK * BLOCK + 1
        return (
            PageLink("맨끝", self.url(self.num_pages), self.num_pages)
            if self.number < last_block_start
            else None
        )


def parse_page(raw: str | None) -> tuple[int, str]:
    """A page number from the query string, and a message when it was unusable."""
    if raw is None or raw == "":
        return 1, ""
    try:
        number = int(raw.strip())
    except ValueError:
        return 1, "페이지 번호가 올바르지 않아 첫 페이지를 보여 드립니다."
    if number < 1:
        return 1, "페이지 번호가 올바르지 않아 첫 페이지를 보여 드립니다."
    return number, ""


def paginate(queryset, *, raw_page: str | None, base_url: str, params: dict) -> BoardPage:
    number, message = parse_page(raw_page)
    paginator = Paginator(queryset, settings.BOARD_PAGE_SIZE, allow_empty_first_page=True)
    num_pages = paginator.num_pages
    if number > num_pages:
        number, message = num_pages, f"마지막 페이지는 {num_pages:,}쪽입니다."
    return BoardPage(
        rows=list(paginator.page(number).object_list),
        number=number,
        num_pages=num_pages,
        total=paginator.count,
        base_url=base_url,
        params=params,
        message=message,
    )


def page_of(position: int) -> int:
    """The page that shows the row at 0-based `position`."""
    return position // settings.BOARD_PAGE_SIZE + 1

"""Board pagination: pages of 20, page links in blocks of 10, fast at any depth.

The unfiltered board is paged through *anchors*: the number of the first row
of every page, computed in one pass over the board's index once per board
layout (every write that can move rows bumps it, see BoardRevision) and kept
in the cache. Page 50,000 is then `number <= anchor LIMIT 20`, as cheap as
page 1, and the page holding an old article is a binary search.

Filtered and searched lists are counted only up to BOARD_COUNT_LIMIT ("1만 건
이상"); their pages use OFFSET within the matches. Past the counted limit,
the links of a page carry where that page starts (`from=<page>-<number>`), so
the pages after it are a short walk from there, not from the top: a reader
following 다음 reaches any depth at the cost of the first pages.

A page number from the query string is never trusted: anything that is not a
page of this list shows the nearest real page with a message.
"""

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import accumulate
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import router
from django.db.models import Min
from django.utils import timezone

from newsboard import routers

from .models import BoardRevision, Post

BLOCK = 10
MAX_UNCOUNTED_PAGE = 5_000  # 100,000 rows into a search result


def with_query(url: str, params: dict) -> str:
    """`url` with `params` as its query string, if there are any."""
    return f"{url}?{urlencode(params)}" if params else url


@dataclass(frozen=True)
class PageLink:
    label: str
    url: str
    number: int
    current: bool = False


@dataclass
class BoardPage:
    rows: list
    number: int
    num_pages: int
    total: int
    base_url: str
    params: dict = field(default_factory=dict)
    message: str = ""
    total_capped: bool = False  # total is a lower bound: more pages may follow
    # (page, number of its first row): where this page starts, and where the
    # page it was reached from started; links to later pages start from there.
    start: tuple[int, int] | None = None
    came_from: tuple[int, int] | None = None

    def url(self, number: int) -> str:
        return self.base_url + self.query(number)

    def query(self, number: int) -> str:
        """The query string of page `number` of this list ("" for page 1 unfiltered)."""
        params = dict(self.params)
        if number > 1:
            params["page"] = number
            for start in (self.start, self.came_from):
                if start and start[0] <= number:
                    params["from"] = f"{start[0]}-{start[1]}"
                    break
        return with_query("", params)

    @property
    def _block_start(self) -> int:
        return (self.number - 1) // BLOCK * BLOCK + 1

    @property
    def links(self) -> list[PageLink]:
        """The numbered links of the block of 10 that holds this page."""
        end = min(self._block_start + BLOCK - 1, self.num_pages)
        return [
            PageLink(str(n), self.url(n), n, current=n == self.number)
            for n in range(self._block_start, end + 1)
        ]

    @property
    def first(self) -> PageLink | None:
        return PageLink("처음", self.url(1), 1) if self.number > BLOCK else None

    @property
    def previous_block(self) -> PageLink | None:
        start = self._block_start
        return PageLink("이전", self.url(start - 1), start - 1) if start > 1 else None

    @property
    def next_block(self) -> PageLink | None:
        end = self._block_start + BLOCK - 1
        return PageLink("다음", self.url(end + 1), end + 1) if end < self.num_pages else None

    @property
    def last(self) -> PageLink | None:
        if self.total_capped or self.number >= (self.num_pages - 1) // BLOCK * BLOCK + 1:
            return None
        return PageLink("맨끝", self.url(self.num_pages), self.num_pages)


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


def parse_start(raw: str | None, page: int) -> tuple[int, int] | None:
    """A `from` parameter ("<page>-<number>") at or before `page`, else None."""
    head, dash, tail = (raw or "").partition("-")
    if not (dash and head.isascii() and head.isdigit() and tail.isascii() and tail.isdigit()):
        return None
    if len(head) > 9 or len(tail) > 18:
        return None
    start = (int(head), int(tail))
    return start if 1 <= start[0] <= page and start[1] >= 1 else None


def _pages(count: int) -> int:
    return max(1, math.ceil(count / settings.BOARD_PAGE_SIZE))


# --- the unfiltered board: anchors -------------------------------------------


@dataclass(frozen=True)
class BoardState:
    count: int
    anchors: list[int]  # anchors[k]: the number of the first row of page k+1
    valid_until: object  # the next scheduled post's time, or None
    # For date filters, in microseconds since the epoch: the oldest date on
    # pages 1..k+1 (never rising with k), and the newest on pages k+1..last
    # (never rising either).
    oldest_so_far: list[int] = field(default_factory=list)
    newest_from_here: list[int] = field(default_factory=list)

    def page_of(self, number: int) -> int:
        """The page whose rows would hold post `number`."""
        return max(1, bisect_right(self.anchors, -number, key=lambda a: -a))

    def numbers_dated(self, start=None, end=None) -> tuple[int, int]:
        """(low, high): every board row dated in [start, end) has a number in
        low..high, found without reading the rows.

        Dates mostly fall with numbers, but not always (an import of old
        articles takes new numbers), so the bounds come from each page's
        oldest and newest dates: pages before the first one holding a date
        before `end` are all later than `end`, and pages after the last one
        holding a date from `start` on are all earlier than `start`.
        """
        low, high = 0, self.anchors[0] if self.anchors else 0
        if end is not None:
            # The first page whose rows (or earlier pages' rows) reach before `end`.
            first = bisect_right(self.oldest_so_far, -_micros(end), key=lambda t: -t)
            if first == len(self.anchors):
                return 1, 0  # nothing that old
            high = self.anchors[first]
        if start is not None:
            # The last page that still holds a date from `start` on.
            last = bisect_right(self.newest_from_here, -_micros(start), key=lambda t: -t) - 1
            if last < 0:
                return 1, 0  # nothing that new
            if last + 1 < len(self.anchors):
                low = self.anchors[last + 1] + 1
        return low, high


def _micros(moment) -> int:
    """Microseconds since the epoch of a datetime, or of SQLite's text for one (UTC),
    or already a number of them."""
    if isinstance(moment, int):
        return moment
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1_000_000)


# The last state seen by this process: unpickling 50,000 anchors from the
# shared cache on every request would cost more than the page query.
_local: dict[str, BoardState] = {}


def board_state(rows) -> BoardState:
    """Count, anchors and page dates of the unfiltered board rows (in `rows`'
    database), cached per board layout."""
    layout = BoardRevision.current_layout(rows.db)
    key = f"newsboard:anchors:2:{layout}:{settings.BOARD_PAGE_SIZE}"  # 2: page dates
    now = timezone.now()

    def fresh(state):
        return state is not None and (state.valid_until is None or now < state.valid_until)

    state = _local.get(key)
    if not fresh(state):
        state = cache.get(key)
        if not fresh(state):
            state = _compute_state(rows.db, now)
            cache.set(key, state, timeout=24 * 3600)
        _local.clear()
        _local[key] = state
    return state


def _compute_state(using, now) -> BoardState:
    from django.db import connections

    # The rows public at `now`, the same moment the next scheduled post is
    # looked up from: a post due in between would be in neither, and the
    # state would be kept without it until the next layout.
    rows = Post.objects.using(using).published(now=now).rows()
    numbers = rows.order_by("-number").values("number", "published_at")
    sql, params = numbers.query.sql_with_params()
    connection = connections[using]
    oldest, newest = "min(published_at)", "max(published_at)"
    if connection.vendor == "postgresql":  # as integers: 100,000 datetimes cost 0.3 s to load
        oldest, newest = (f"(extract(epoch FROM {m}) * 1000000)::bigint" for m in (oldest, newest))
    with connection.cursor() as cursor:
        # One pass, one snapshot: anchors, page dates and count always agree.
        cursor.execute(
            f"SELECT max(number), {oldest}, {newest}, max(total) FROM ("
            " SELECT number, published_at,"
            " (row_number() OVER (ORDER BY number DESC) - 1) / %s AS page,"
            " count(*) OVER () AS total"
            f" FROM ({sql}) AS board) AS ranked"
            " GROUP BY page ORDER BY page",
            [settings.BOARD_PAGE_SIZE, *params],
        )
        found = cursor.fetchall()
    oldest = [_micros(first) for _, first, _, _ in found]
    newest = [_micros(last) for _, _, last, _ in found]
    return BoardState(
        count=found[0][3] if found else 0,
        anchors=[anchor for anchor, *_ in found],
        valid_until=next_scheduled(using, now),
        oldest_so_far=list(accumulate(oldest, min)),
        newest_from_here=list(accumulate(reversed(newest), max))[::-1],
    )


def next_scheduled(using, now):
    """When the next scheduled post goes public (None if none is waiting)."""
    return Post.objects.using(using).scheduled(now=now).aggregate(next=Min("published_at"))["next"]


_editions: dict[str, tuple[int, object]] = {}


def board_edition(using=None, *, max_age: float = 0) -> tuple[int, object]:
    """(revision, next scheduled time): what a cached board page must match.

    The revision is read from the database the page will be read from (a
    replica's revision matches a replica's rows), at most `max_age` seconds
    ago; the next scheduled time is looked up again only when the revision
    changes or that time has come. A fresh enough reading of the database the
    router would pick is used without asking the router, whose first read of a
    request checks that the replica answers: a page-cache hit then touches no
    database at all.
    """
    if using is None:
        expected = routers.expected_read_db()
        fresh = BoardRevision.is_fresh(expected, max_age)
        using = expected if fresh else router.db_for_read(BoardRevision)
    revision = BoardRevision.current(using, max_age=max_age)
    now = timezone.now()
    known = _editions.get(using)
    if known is None or known[0] != revision or (known[1] is not None and known[1] <= now):
        known = _editions[using] = (revision, next_scheduled(using, now))
    return known


# --- building a page --------------------------------------------------------


def paginate(
    rows,
    *,
    raw_page,
    base_url: str,
    params: dict,
    unfiltered: bool,
    known_matches=None,
    raw_start: str | None = None,
    state: "BoardState | None" = None,
) -> BoardPage:
    """The requested page of `rows` (ordered by number, newest first).

    The unfiltered board is paged through its anchors (`state`, looked up when
    not given); a filtered list is counted up to BOARD_COUNT_LIMIT, and past
    that its pages are OFFSETs whose total grows with what is seen.
    `known_matches`: for a search with very many matches, some of them
    (search.Search.known_matches); the total is then counted among them only
    and shown as a lower bound ("N건 이상"). `raw_start`: the `from` parameter of
    a link from an earlier page of such a list (see BoardPage.start).
    """
    number, message = parse_page(raw_page)
    links = {"base_url": base_url, "params": params}
    if unfiltered:
        return _anchored_page(rows, number, message, state or board_state(rows), **links)
    total, capped = _count_matches(rows, known_matches)
    if capped:
        return _uncounted_page(rows, number, message, total, raw_start, **links)
    number, num_pages, message = _within_count(number, message, total)
    return BoardPage(
        rows=_rows_of_page(rows, number),
        number=number,
        num_pages=num_pages,
        total=total,
        message=message,
        **links,
    )


def _within_count(number: int, message: str, total: int) -> tuple[int, int, str]:
    """(number, num_pages, message) for page `number` of `total` rows: past
    the last page, the last page with a message."""
    last = _pages(total)
    if number <= last:
        return number, last, message
    # An empty list has its own message ("…에 맞는 글이 없습니다").
    return last, last, f"마지막 페이지는 {last:,}쪽입니다." if total else message


def _anchored_page(rows, number: int, message: str, state: BoardState, **links) -> BoardPage:
    """Page `number` of the unfiltered board: the rows from its anchor down."""
    number, num_pages, message = _within_count(number, message, state.count)
    size = settings.BOARD_PAGE_SIZE
    page_rows = (
        list(rows.filter(number__lte=state.anchors[number - 1])[:size]) if state.anchors else []
    )
    return BoardPage(
        rows=page_rows,
        number=number,
        num_pages=num_pages,
        total=state.count,
        message=message,
        **links,
    )


def _count_matches(rows, known_matches) -> tuple[int, bool]:
    """(total, capped): filtered rows counted up to BOARD_COUNT_LIMIT, and
    whether the total is only a lower bound."""
    limit = settings.BOARD_COUNT_LIMIT
    if known_matches is not None:
        # Unordered: counting known matches is a lookup by id, never a walk.
        return min(known_matches.order_by()[: limit + 1].count(), limit), True
    found = rows[: limit + 1].count()
    return min(found, limit), found > limit


def _uncounted_page(
    rows, asked: int, message: str, counted: int, raw_start: str | None, **links
) -> BoardPage:
    """Page `asked` of filtered rows whose total is only known to be at least
    `counted`: an OFFSET from the top, or from where a trusted `from` says an
    earlier page starts. The rows seen correct the total and page count."""
    size = settings.BOARD_PAGE_SIZE
    came_from = _trusted_start(raw_start, asked, rows)
    number, message = _within_reach(asked, message, came_from[0] if came_from else 1)
    page_rows = _rows_of_page(rows, number, came_from)
    if not page_rows and number > 1:
        if came_from:  # the link after a full page: the matches end there
            message = f"검색 결과는 {number - 1:,}쪽에서 끝납니다."
        elif number > _pages(counted):
            # A page number typed past the end: the matches end before it.
            return _settled_page(rows, asked, number, **links)
    full = len(page_rows) == size
    # The rows shown are matches too: never claim fewer than that. (A page
    # reached through `from` has a number nobody checked: it adds only what is
    # seen.)
    seen = (0 if came_from else (number - 1) * size) + len(page_rows)
    if came_from is None and not full and (page_rows or number == 1):
        # Counted from the top, a page that is not full is the last:
        # the total is exact ("총 5건", never "5건 이상" or "0건 이상").
        return BoardPage(
            rows=page_rows, number=number, num_pages=number, total=seen, message=message, **links
        )
    return BoardPage(
        rows=page_rows,
        number=number,
        # Past the counted limit, offer one more page while this one is full.
        num_pages=max(_pages(counted), number + (1 if full else 0)),
        total=max(counted, seen),
        message=message,
        total_capped=True,
        start=(number, page_rows[0].number) if page_rows else None,
        came_from=came_from,
        **links,
    )


def _trusted_start(raw_start: str | None, page: int, rows) -> tuple[int, int] | None:
    """The `from` parameter of a link to `page`, if this board could have written it."""
    start = parse_start(raw_start, page)
    if start is None:
        return None
    first_page, first_number = start
    # Page p starts at least (p - 1) × 20 numbers below the highest ever
    # given: a `from` claiming otherwise was not written by this board.
    if first_number + (first_page - 1) * settings.BOARD_PAGE_SIZE > BoardRevision.highest(rows.db):
        return None
    return start


def _within_reach(number: int, message: str, first_page: int) -> tuple[int, str]:
    """`number`, or the farthest page an OFFSET from `first_page` may reach,
    with a message."""
    if number - first_page < MAX_UNCOUNTED_PAGE:
        return number, message
    # Pages are OFFSETs into the matches from the top or from a `from` start: bound them.
    return first_page + MAX_UNCOUNTED_PAGE - 1, (
        f"검색 결과는 한 번에 {MAX_UNCOUNTED_PAGE:,}쪽 앞까지 건너뛸 수 있습니다. "
        "다음 링크를 따라가거나 검색어나 기간을 좁혀 주세요."
    )


def _settled_page(rows, asked: int, empty: int, **links) -> BoardPage:
    """The last page of filtered rows that end before page `empty`, for a page
    number typed past the end (`asked`, before any bound)."""
    # Counting them reads no further than finding the page empty did.
    total = rows[: (empty - 1) * settings.BOARD_PAGE_SIZE].count()
    last = _pages(total)
    return BoardPage(
        rows=_rows_of_page(rows, last),
        number=last,
        num_pages=last,
        total=total,
        message=f"{asked:,}쪽에는 글이 없어 마지막 {last:,}쪽을 보여 드립니다.",
        **links,
    )


def _rows_of_page(rows, number: int, start: tuple[int, int] | None = None) -> list:
    """Page `number` of filtered rows, counted from the top or from `start`
    (an earlier page, and the number of its first row)."""
    first_page = 1
    if start is not None:
        first_page, walked = start
        rows = rows.filter(number__lte=walked)
    size = settings.BOARD_PAGE_SIZE
    skip = (number - first_page) * size
    return list(rows[skip : skip + size])


def page_of(post, rows, *, unfiltered: bool, within: int | None = None, state=None) -> int | None:
    """The page of `rows` that holds (or would hold) `post`.

    A filtered list is counted up to `within` rows newer than the post (ten
    times BOARD_COUNT_LIMIT by default); None when there are more, where
    counting on would cost more than the list under an article is worth.
    """
    if unfiltered:
        return (state or board_state(rows)).page_of(post.number)
    within = within or settings.BOARD_COUNT_LIMIT * 10
    position = rows.filter(number__gt=post.number)[: within + 1].count()
    return None if position > within else position // settings.BOARD_PAGE_SIZE + 1

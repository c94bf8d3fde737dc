"""The board's filters: search (`q`, `field`) and dates (`date_from`, `date_to`)."""

import datetime as dt
import re
import unicodedata
from contextlib import nullcontext
from functools import cached_property
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Max, Min

from . import search
from .models import EARLIEST_PUBLISHED, LATEST_PUBLISHED, Post
from .pagination import board_state

SEOUL = ZoneInfo(settings.TIME_ZONE)
EARLIEST, LATEST = EARLIEST_PUBLISHED.date(), LATEST_PUBLISHED.date()  # what posts may carry
DATE_ERRORS = {"invalid": "날짜를 2025-02-23 형식으로 입력해 주세요."}


class BoardDateField(forms.DateField):
    """What the date boxes send (2025-02-23), the board's own way of writing a
    date (2025.02.23), and other common Korean ways; 20250223 as 8 digits only
    (202511 is not a date, and 2025111 could be two)."""

    input_formats = [
        "%Y-%m-%d", "%Y.%m.%d", "%Y.%m.%d.", "%Y. %m. %d", "%Y. %m. %d.",
        "%Y/%m/%d", "%Y년 %m월 %d일", "%Y%m%d",
    ]  # fmt: skip

    def strptime(self, value, format):
        if format == "%Y%m%d" and not (len(value) == 8 and value.isdigit()):
            raise ValueError(value)
        return super().strptime(value, format)


class BoardDateFilter(django_filters.DateFilter):
    field_class = BoardDateField


# Control characters and noncharacters mean nothing in a search, and XML (the
# feed's title repeats the query) cannot carry them.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


class BoardForm(forms.Form):
    swapped_dates = False  # date_from came after date_to; clean() swapped them

    def clean_q(self):
        value = _CONTROLS.sub(" ", self.cleaned_data.get("q") or "")
        if "\ufffd" in value:  # what Django decodes bytes that are not UTF-8 to
            raise forms.ValidationError(
                "검색어에 읽을 수 없는 글자(�)가 있습니다. 주소가 UTF-8이 아닌지 확인해 주세요."
            )
        if not value.isascii():
            # Format characters (zero-width space, BOM, soft hyphen, bidi
            # overrides) are copy-paste leftovers: unseen, they made a query
            # find nothing, and an override turned the page's title around.
            value = "".join(char for char in value if unicodedata.category(char) != "Cf")
        # Measured as compared: 60 syllables typed as 180 jamo are 60 characters.
        value = unicodedata.normalize("NFC", value).strip()
        if len(value) > search.MAX_QUERY_LENGTH:
            raise forms.ValidationError(
                f"검색어는 {search.MAX_QUERY_LENGTH}자까지 입력할 수 있습니다."
            )
        return value

    def clean(self):
        data = super().clean()
        for name in ("date_from", "date_to"):
            value = data.get(name)
            if value and not EARLIEST <= value <= LATEST:
                self.add_error(name, f"날짜는 {EARLIEST}부터 {LATEST} 사이로 입력해 주세요.")
        start, end = data.get("date_from"), data.get("date_to")
        self.swapped_dates = bool(start and end and start > end)
        if self.swapped_dates:  # typed the wrong way round: the period meant is plain
            data["date_from"], data["date_to"] = end, start
        return data


def shown_query(raw: str) -> str:
    """A query that failed validation, as the search box may show it again."""
    return _CONTROLS.sub("", raw).replace("\ufffd", "")[: search.MAX_QUERY_LENGTH]


def seoul_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=SEOUL)


class PostFilter(django_filters.FilterSet):
    # Declared for their form fields; filter_queryset() applies them.
    date_from = BoardDateFilter(label="시작 날짜", error_messages=DATE_ERRORS)
    date_to = BoardDateFilter(label="끝 날짜", error_messages=DATE_ERRORS)

    q = django_filters.CharFilter(
        label="검색어",
        error_messages={
            "null_characters_not_allowed": "검색어에 쓸 수 없는 문자(NUL)가 들어 있습니다.",
        },
    )
    field = django_filters.ChoiceFilter(
        label="검색 범위",
        choices=list(search.FIELDS.items()),
        empty_label=None,
        error_messages={"invalid_choice": "알 수 없는 검색 범위여서 제목+내용에서 찾았습니다."},
    )

    class Meta:
        model = Post
        fields = []
        form = BoardForm

    known_matches = None  # see search.Search.known_matches

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.notes: list[str] = []  # what filtering found worth telling the reader

    def filter_queryset(self, queryset):
        # The dates first: the search counts the matches it knows of within them.
        data = self.form.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start or end:
            queryset = self._dated(
                queryset,
                start=start and seoul_midnight(start),
                end=end and seoul_midnight(end + dt.timedelta(days=1)),
            )
        if data.get("q"):
            queryset = self._search(queryset, data["q"], data.get("field") or search.DEFAULT_FIELD)
        return queryset

    def _search(self, queryset, value, field):
        if len(search.query_terms(value, limit=None)) > search.MAX_TERMS:
            self.notes.append(
                f"검색어는 {search.MAX_TERMS}개까지 쓸 수 있어 앞의 {search.MAX_TERMS}개로 찾았습니다."
            )
        result = search.search(queryset, value, field)
        self.known_matches = result.known_matches
        if result.unsearchable:
            self.notes.append("검색어에 글자나 숫자를 한 자 이상 넣어 주세요.")
        return result.queryset

    def _dated(self, queryset, *, start=None, end=None):
        """Posts dated in [start, end), bounded by number as well.

        The list is read newest number first: without the bounds, a range of
        old dates would be found only after every newer row (9.6 s for 2019
        on a million posts). The board's page dates give them for its rows;
        notices, not among those, widen them by one small query.
        """
        if start is not None:
            queryset = queryset.filter(published_at__gte=start)
        if end is not None:
            queryset = queryset.filter(published_at__lt=end)
        low, high = self.board.numbers_dated(start, end)
        notices = queryset.notices().aggregate(low=Min("number"), high=Max("number"))
        if notices["low"] is not None:
            low, high = min(low, notices["low"]), max(high, notices["high"])
        return queryset.filter(number__gte=low, number__lte=high)

    @cached_property
    def board(self):
        """The unfiltered board's cached state (its rows' page dates)."""
        return board_state(self.queryset.rows())

    @property
    def terms(self) -> list[str]:
        """The search terms actually applied (for highlighting)."""
        self.errors  # noqa: B018 — run validation
        return search.query_terms(self.form.cleaned_data.get("q") or "")

    @property
    def is_active(self) -> bool:
        """Whether any filter narrows the board (then notices are not pinned)."""
        self.errors  # noqa: B018 — run validation
        data = self.form.cleaned_data
        return bool(self.terms or data.get("date_from") or data.get("date_to"))

    def messages(self) -> list[str]:
        """What the reader is told about input that was ignored or changed."""
        self.qs  # noqa: B018 — filtering adds its notes
        swapped = ["시작 날짜가 끝 날짜보다 뒤여서 두 날짜를 바꿔 찾았습니다."]
        return self.input_messages() + (swapped if self.form.swapped_dates else []) + self.notes

    def input_messages(self) -> list[str]:
        """What was wrong with the input itself (no query needed)."""
        return [str(error) for errors in self.errors.values() for error in errors]

    def bounded(self):
        """search.bounded() when this filter searches: enter it before the queries."""
        return search.bounded(self.queryset.db) if self.terms else nullcontext()

    def newest_first(self):
        """The filtered rows, newest first, in the plan the search chose."""
        rows = self.qs.order_by("-number")
        if self.known_matches is not None:
            search.walk_newest_first(rows.db)
        return rows

    def params(self) -> dict[str, str]:
        """The valid, non-default filter values, for links that keep the list context."""
        self.errors  # noqa: B018
        data = self.form.cleaned_data
        params = {}
        if q := (data.get("q") or "").strip():
            params["q"] = q
            if data.get("field") and data["field"] != search.DEFAULT_FIELD:
                params["field"] = data["field"]
        for name in ("date_from", "date_to"):
            if data.get(name):
                params[name] = data[name].isoformat()
        return params

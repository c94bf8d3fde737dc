"""Bad input never gives a 500: the reader gets the board with a Korean message, or a 404."""

import pytest

from .conftest import numbers


@pytest.fixture
def board(make_post):
    return [make_post(title=f"트럼프 소식 {i}") for i in range(25)]


@pytest.mark.parametrize(
    ("page", "shown", "message"),
    [
        ("abc", 1, "페이지 번호가 올바르지 않아"),
        ("-1", 1, "페이지 번호가 올바르지 않아"),
        ("0", 1, "페이지 번호가 올바르지 않아"),
        (str(10**12), 2, "마지막 페이지는 2쪽입니다."),
        ("9" * 5000, 1, "페이지 번호가 올바르지 않아"),
        ("", 1, None),
    ],
)
def test_odd_page_numbers_show_a_real_page(client, board, page, shown, message):
    response = client.get("/", {"page": page})
    assert response.status_code == 200
    assert response.context["page"].number == shown
    if message:
        assert message in response.content.decode()


def test_an_impossible_date_is_explained(client, board):
    response = client.get("/", {"date_from": "2025-13-40"})
    assert response.status_code == 200
    assert "날짜를 2025-02-23 형식으로 입력해 주세요." in response.content.decode()
    assert len(numbers(response)) == 20  # the filter is dropped, the board still shows


def test_dates_out_of_range_are_explained(client, board):
    response = client.get("/", {"date_to": "9999-12-31"})
    assert response.status_code == 200
    assert "1970-01-01부터 2100-12-31 사이로" in response.content.decode()


def test_dates_the_wrong_way_round_are_swapped_and_said_so(client, make_post):
    from .conftest import seoul

    for day in (1, 5, 10, 20):
        make_post(title=f"2월 {day}일 소식", published_at=seoul(2025, 2, day, 12, 0))
    response = client.get("/", {"date_from": "2025-02-10", "date_to": "2025-02-01"})
    assert response.status_code == 200
    assert numbers(response) == [3, 2, 1]  # 2월 10, 5, 1일: not everything from the 10th on
    assert "두 날짜를 바꿔 찾았습니다." in response.content.decode()
    # The boxes and the links hold the period as searched.
    assert response.context["current_date_from"] == "2025-02-01"
    assert response.context["current_date_to"] == "2025-02-10"


@pytest.mark.parametrize(
    "typed", ["2025.02.05", "2025. 2. 5.", "2025/02/05", "20250205", "2025년 2월 5일"]
)
def test_dates_as_the_board_writes_them_are_understood(client, make_post, typed):
    from .conftest import seoul

    for day in (4, 5, 6):
        make_post(title=f"2월 {day}일 소식", published_at=seoul(2025, 2, day, 12, 0))
    response = client.get("/", {"date_from": typed, "date_to": typed})
    assert "형식으로 입력해 주세요" not in response.content.decode()
    assert numbers(response) == [2]
    assert response.context["current_date_from"] == "2025-02-05"  # what the date box reads


@pytest.mark.parametrize("typed", ["202525", "2025025", "02/05/2025"])
def test_dates_that_could_be_misread_are_refused(client, board, typed):
    response = client.get("/", {"date_from": typed})
    assert "날짜를 2025-02-23 형식으로 입력해 주세요." in response.content.decode()
    assert len(numbers(response)) == 20  # the filter is dropped


def test_a_very_long_query_is_refused_politely(client, board):
    response = client.get("/", {"q": "트" * 10_000})
    assert response.status_code == 200
    assert "검색어는 100자까지 입력할 수 있습니다." in response.content.decode()


@pytest.mark.parametrize("invisible", ["\u200b", "\ufeff", "\u200d", "\u00ad", "\u202e"])
def test_invisible_characters_pasted_with_a_query_are_ignored(client, board, invisible):
    expected = numbers(client.get("/", {"q": "트럼프"}))
    assert expected
    response = client.get("/", {"q": f"{invisible}트럼{invisible}프{invisible}"})
    assert numbers(response) == expected
    html = response.content.decode()
    assert invisible not in html and "‘트럼프’ 검색 결과" in html


def test_the_query_length_is_counted_in_composed_syllables(client, board):
    import unicodedata

    typed = unicodedata.normalize("NFD", "트럼프" * 20)  # 60 syllables, 180 code points
    response = client.get("/", {"q": typed})
    assert "100자까지" not in response.content.decode()
    assert response.context["current_q"] == "트럼프" * 20


def test_a_nul_byte_in_the_query_is_refused_politely(client, board):
    response = client.get("/?q=%ED%8A%B8%00%EB%9F%BC")
    assert response.status_code == 200
    assert "검색어에 쓸 수 없는 문자(NUL)가 들어 있습니다." in response.content.decode()


def test_an_unknown_field_falls_back_to_title_and_body(client, board):
    response = client.get("/", {"q": "트럼프", "field": "password"})
    assert response.status_code == 200
    assert "알 수 없는 검색 범위여서 제목+내용에서 찾았습니다." in response.content.decode()
    assert len(numbers(response)) == 20


def test_repeated_parameters_use_the_last_value(client, board):
    response = client.get("/?q=없는말&q=트럼프&page=x&page=2")
    assert response.status_code == 200
    assert response.context["page"].number == 2
    assert len(numbers(response)) == 5


def test_invalid_utf8_in_the_query_does_not_break_the_board(client, board):
    response = client.get("/?q=%FF%FE&field=%C0")
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/posts/abc/", "/posts/-1/", "/posts/0/", f"/posts/{10**30}/"])
def test_odd_article_addresses_are_404(client, board, url):
    response = client.get(url)
    assert response.status_code == 404


def test_bad_input_on_the_article_page_keeps_it_readable(client, board):
    post = board[3]
    response = client.get(
        post.get_absolute_url(), {"q": "트" * 500, "date_from": "x", "page": "-5"}
    )
    assert response.status_code == 200
    assert "검색어는 100자까지" in response.content.decode()


def test_a_query_with_a_nul_byte_is_shown_again_without_it(client, board):
    response = client.get("/?q=%ED%8A%B8%00%EB%9F%BC")
    assert response.context["current_q"] == "트럼"
    assert "\x00" not in response.content.decode()


def test_a_query_that_is_not_utf8_is_named_as_such(client, board):
    response = client.get("/?q=%C0%AF")
    assert response.status_code == 200
    page = response.content.decode()
    assert "검색어에 읽을 수 없는 글자(�)가 있습니다. 주소가 UTF-8이 아닌지 확인해 주세요." in page
    assert "\ufffd" not in response.context["current_q"]

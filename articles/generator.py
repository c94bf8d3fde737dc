"""Synthetic Korean news posts for benchmarks and load tests.

Post i of seed S is always the same post: its text comes from Random(f"{S}:{i}"),
and its date from i alone (one post every STEP, from START), so a board grown
or completed by running the command again stays in date order.
"""

import random
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")
START = datetime(2019, 1, 1, 6, 0, tzinfo=SEOUL)
END = datetime(2025, 2, 23, 16, 0, tzinfo=SEOUL)
# A busy aggregator's pace: 1,000,000 posts fill START..END (≈ 445 posts a day).
# Past about 1,290,000 posts the dates reach 2026-11, and later posts are
# scheduled ones (kept off the board until their time).
STEP = (END - START) / 1_000_000
NOTICE_EVERY = 250_000  # posts 1, 250,001, 500,001, … are notices

SUBJECTS = [
    "트럼프", "시진핑", "푸틴", "젤렌스키", "이재명", "한동훈", "정부", "국회", "대통령실", "검찰",
    "법원", "헌법재판소", "삼성전자", "SK하이닉스", "현대차", "LG에너지솔루션", "네이버", "카카오",
    "한국은행", "금융위원회", "국토교통부", "교육부", "보건복지부", "질병관리청", "기상청", "서울시",
    "경기도", "부산시", "美 국무부", "中 외교부", "日 정부", "北 김정은", "우크라이나", "러시아",
    "이스라엘", "하마스", "유럽연합", "나토", "연준", "테슬라", "엔비디아", "애플", "구글", "오픈AI",
    "알리바바", "바이트댄스", "틱톡", "쿠팡", "배달의민족", "코스피", "코스닥", "비트코인", "원·달러 환율",
    "국제유가", "금값", "전공의", "의대 교수", "소방당국", "경찰", "해양경찰", "산림청", "교황",
]  # fmt: skip
OBJECTS = [
    "관세", "반도체", "인공지능", "AI", "부동산", "전세사기", "물가", "금리", "수출", "무역전쟁",
    "기술전쟁", "공급망", "배터리", "전기차", "원전", "탄소중립", "저출생", "고령화", "연금개혁",
    "의대 증원", "개헌", "탄핵", "총선", "대선", "예산안", "추경", "세제 개편", "최저임금", "노동개혁",
    "청년 취업", "자영업", "가계부채", "스테이블코인", "플랫폼법", "개인정보", "사이버 공격", "폭염",
    "한파", "산불", "지진", "태풍", "미세먼지", "코로나19", "독감", "휴전", "정상회담", "특사 회동",
    "광물 합의", "방위비", "주한미군", "일대일로", "희토류", "양자 통신", "클라우드", "로봇", "우주항공",
]  # fmt: skip
VERBS = [
    "발표", "논란", "급등", "급락", "합의", "경고", "추진", "검토", "확대", "중단", "재개", "비판",
    "반발", "촉구", "연기", "철회", "강행", "타결", "결렬", "임박", "돌파", "우려", "기대", "전망",
]  # fmt: skip
PARTICLES = ["은", "는", "이", "가", "을", "를", "의", "에", "에서", "와", "과", "도", "로", "까지"]
BRACKETS = ["[속보]", "[단독]", "[종합]", "[포토]", "[르포]", "[인터뷰]", "[사설]", "[팩트체크]"]
TAILS = ["…", "…왜?", "…파장", " 논란", " 초읽기", "?", "", "", "", ""]
QUOTES = [
    "지금은 때가 아니다", "끝까지 책임지겠다", "투자를 멈출 수 없다", "대화의 문은 열려 있다",
    "국민께 송구하다", "사실과 다르다", "시장 안정이 최우선", "협상은 계속된다", "전쟁을 끝내야 한다",
]  # fmt: skip
RARE = ["쯔양", "윤동주", "마윈", "볼보", "버크셔", "로또", "옴니휴먼", "첸리앙"]
FILLER = [
    "관계자는 이날 기자들과 만나 이같이 말했다.",
    "업계에서는 파장이 적지 않을 것이라는 관측이 나온다.",
    "전문가들은 당분간 불확실성이 이어질 것으로 내다봤다.",
    "이에 대해 야당은 즉각 반발하며 철회를 요구했다.",
    "정부는 다음 달 초 구체적인 방안을 내놓을 계획이다.",
    "시장에서는 투자 심리가 빠르게 위축되고 있다는 평가가 나왔다.",
    "현장에는 이른 아침부터 시민들의 발길이 이어졌다.",
    "구체적인 일정은 아직 정해지지 않은 것으로 알려졌다.",
]
AUTHORS = ["랭크뉴스"] * 6 + [f"{name}뉴스" for name in "가나다라마바사아자차카타파하"] + [
    "연합뉴스", "KBS", "MBC", "SBS", "YTN", "JTBC", "한겨레", "경향신문", "조선일보", "중앙일보",
    "동아일보", "매일경제", "한국경제", "머니투데이", "뉴시스", "뉴스1", "노컷뉴스", "오마이뉴스",
]  # fmt: skip
# A topic of its time: in posts dated within its era (and only there) a few
# headlines and bodies name it, as 사회적 거리두기 filled the news of 2020–2022
# and then left it. A search for it finds only old posts.
ERA_WORD = "거리두기"
ERA = (datetime(2020, 3, 22, tzinfo=SEOUL), datetime(2022, 4, 18, tzinfo=SEOUL))
ERA_TITLES = 0.03  # share of the era's headlines that name it
ERA_BODIES = 0.07  # share of the era's bodies that mention it
SENTENCES = 20_000  # distinct body sentences a seed draws from
SOURCES = ["KBS", "MBC", "SBS", "YTN", "연합뉴스", "JTBC", "한겨레", "뉴시스", "뉴스1", ""]


def _headline(rng: random.Random, era: bool = False) -> str:
    subject, obj, verb = rng.choice(SUBJECTS), rng.choice(OBJECTS), rng.choice(VERBS)
    if era and rng.random() < ERA_TITLES:
        obj = ERA_WORD
    shape = rng.random()
    if shape < 0.25:
        text = f'{subject} "{rng.choice(QUOTES)}"…{obj} {verb}'
    elif shape < 0.4:
        text = f"{subject}, {obj}{rng.choice(PARTICLES)} ‘{verb}’{rng.choice(TAILS)}"
    elif shape < 0.55:
        n = rng.choice([3, 5, 10, 25, 71, 103, 220])
        text = f"{subject}{rng.choice(PARTICLES)} {obj} {n}{rng.choice(['%', '억', '조 원', '년 만에', '명'])} {verb}"
    else:
        text = f"{subject}{rng.choice(PARTICLES)} {obj}{rng.choice(PARTICLES)} {verb}{rng.choice(TAILS)}"
    if rng.random() < 0.15:
        text = f"{rng.choice(BRACKETS)} {text}"
    if rng.random() < 0.002:
        text += f" {rng.choice(RARE)}"
    return text


def _sentence(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return rng.choice(FILLER)
    subject, obj = rng.choice(SUBJECTS), rng.choice(OBJECTS)
    verb = rng.choice(VERBS)
    if rng.random() < 0.15:
        return f'{subject} 측은 "{rng.choice(QUOTES)}"고 밝혔다.'
    return (
        f"{subject}{rng.choice(PARTICLES)} {obj}{rng.choice(PARTICLES)} 두고 "
        f"{rng.choice(OBJECTS)} {verb}{rng.choice(['에 나섰다', '을 공식화했다', '를 시사했다', '했다'])}."
    )


@lru_cache(maxsize=4)
def _sentences(seed: int) -> tuple[str, ...]:
    """The sentences the bodies of `seed` are made of, drawn once a process:
    drawing every sentence of every body took most of generate_posts' time."""
    rng = random.Random(f"{seed}:sentences")
    return tuple(_sentence(rng) for _ in range(SENTENCES))


def _body(rng: random.Random, seed: int, era: bool = False) -> str:
    sentences = _sentences(seed)
    target = rng.randint(500, 3000)
    paragraphs, length = [], 0
    while length < target:
        paragraph = " ".join(rng.choices(sentences, k=rng.randint(2, 4)))
        paragraphs.append(paragraph)
        length += len(paragraph)
    if rng.random() < 0.001:
        paragraphs.insert(1, f"{rng.choice(RARE)} 관련 내용도 함께 전해졌다.")
    if era and rng.random() < ERA_BODIES:
        paragraphs.insert(0, f"사회적 {ERA_WORD} 조치가 이어지는 가운데 {paragraphs.pop(0)}")
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def post(seed: int, i: int) -> dict:
    """Fields of generated post i of `seed` (keyword arguments of post_prepare)."""
    rng = random.Random(f"{seed}:{i}")
    published_at = START + STEP * (i + rng.random() * 0.9)
    era = ERA[0] <= published_at < ERA[1]
    roll = rng.random()
    status = "hidden" if roll < 0.01 else "draft" if roll < 0.012 else "published"
    source = rng.choice(SOURCES)
    return {
        "title": _headline(rng, era),
        "author": rng.choice(AUTHORS),
        "published_at": published_at.replace(microsecond=0),
        "body_html": _body(rng, seed, era),
        "status": status,
        "is_notice": i % NOTICE_EVERY == 1 and status == "published",
        "source_name": source,
        "source_url": source_url(seed, i),
        "reporter": rng.choice(["김효신", "이서연", "박민준", "최지우", "정하은", ""]),
    }


def source_url(seed: int, i: int) -> str:
    """What tells generated post i of `seed` apart (generate_posts resumes by it)."""
    return f"https://generated.invalid/{seed}/{i}"

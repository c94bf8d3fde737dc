import json
from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from articles import services
from articles.models import Post

DEMO_FILE = Path(__file__).resolve().parents[2] / "data" / "demo_board.json"


class Command(BaseCommand):
    help = "데모 게시판(실제 뉴스 게시판 20행과 KBS 기사 하나)을 불러옵니다. 다시 실행해도 그대로입니다."

    def handle(self, *args, **options):
        data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
        article = data["article"]
        entries = [
            {"number": row["number"], "title": row["title"], "published_at": row["published_at"]}
            for row in data["rows"]
        ]
        entries.append(
            {
                "number": article["number"],
                "title": article["title"],
                "published_at": article["published_at"],
                "body_html": article["body_html"],
                "source_name": article["source_name"],
                "source_url": article["source_url"],
                "reporter": article["reporter"],
                "credits": article["credits"],
            }
        )
        existing = set(
            Post.objects.filter(number__in=[e["number"] for e in entries]).values_list(
                "number", flat=True
            )
        )
        created = 0
        with transaction.atomic():
            author = services.author_get_or_create(name=data["author"])
            for entry in entries:
                if entry["number"] in existing:
                    continue
                services.post_create(
                    **{**entry, "published_at": datetime.fromisoformat(entry["published_at"])},
                    author=author,
                )
                created += 1
        self.stdout.write(
            f"데모 게시판: 새 글 {created}개, 이미 있던 글 {len(entries) - created}개."
        )

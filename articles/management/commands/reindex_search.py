import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Max
from tqdm import tqdm

from articles import parallel, search, services
from articles.models import BoardRevision, Post


def _document(row):
    pk, title, text = row
    return pk, search.document(title, text or "")


class Command(BaseCommand):
    help = (
        "글의 제목과 본문으로 검색 색인을 다시 만듭니다 (글 id 순, 묶음마다 트랜잭션 하나). "
        "앱을 거치지 않고 쓴 글(loaddata, 직접 쓴 SQL)에만 필요합니다."
    )

    def add_arguments(self, parser):
        parser.add_argument("--missing", action="store_true", help="색인 행이 없는 글만")
        parser.add_argument(
            "--batch", type=int, default=2_000, help="트랜잭션 하나에 색인하는 글 수"
        )
        parser.add_argument("--workers", type=int, default=2, help="토큰을 만드는 프로세스 수")

    def handle(self, *args, missing, batch, workers, **options):
        if batch < 1 or workers < 1:
            raise CommandError("--batch와 --workers는 1 이상이어야 합니다.")
        posts = Post.objects.order_by("pk")
        started = time.perf_counter()
        written = seen = 0
        last = 0
        with (
            parallel.mapper(workers, chunksize=100) as map_,
            tqdm(total=posts.count(), unit="posts", disable=options["verbosity"] < 1) as bar,
        ):
            while True:
                # By id, one batch per transaction: a run stopped halfway has
                # lost nothing, and a rerun with --missing finishes it.
                rows = list(
                    posts.filter(pk__gt=last).values_list("pk", "title", "body__text")[:batch]
                )
                if not rows:
                    break
                last = rows[-1][0]
                seen += len(rows)
                if missing:
                    have = search.indexed_posts([row[0] for row in rows])
                    rows = [row for row in rows if row[0] not in have]
                with transaction.atomic():
                    search.index_documents(list(map_(_document, rows)))
                    if rows:
                        BoardRevision.bump(layout=False)  # cached search pages change
                written += len(rows)
                bar.update(seen - bar.n)
        if written:
            # Rows loaddata or SQL wrote past the app may move board pages
            # (one new layout, not one a batch: each costs the next deep page
            # a recount), and may hold numbers above the highest ever given.
            top = Post.objects.aggregate(top=Max("number"))["top"] or 0
            BoardRevision.bump(number=top)
            services.refresh_statistics(written)  # the search plans by them
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"검색 색인: {written:,}개 글을 색인했습니다"
            f" ({seen - written:,}개는 이미 있음), {elapsed:.1f}초."
        )

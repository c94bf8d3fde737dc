import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from articles import parallel, search
from articles.models import BoardRevision, Post


def _document(row):
    pk, title, text = row
    return pk, search.document(title, text or "")


class Command(BaseCommand):
    help = (
        "Rebuild the search index from posts' titles and bodies, in batches by post id. "
        "Needed only when posts were written around the app: loaddata, or SQL by hand."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--missing", action="store_true", help="only posts that have no index row"
        )
        parser.add_argument("--batch", type=int, default=2_000, help="posts per transaction")
        parser.add_argument("--workers", type=int, default=2, help="processes tokenising")

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
                        # Cached pages change, and the rows loaddata or SQL wrote
                        # past the app may move board pages: a new layout too.
                        BoardRevision.bump()
                written += len(rows)
                bar.update(seen - bar.n)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"검색 색인: {written:,}개 글을 색인했습니다"
            f" ({seen - written:,}개는 이미 있음), {elapsed:.1f}초."
        )

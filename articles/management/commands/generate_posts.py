import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles import generator, parallel, services
from articles.models import Post


def _prepare(args):
    seed, i = args
    return services.post_prepare(**generator.post(seed, i))


class Command(BaseCommand):
    help = (
        "SEED의 합성 한국어 뉴스 글(본문 포함)을 COUNT개가 되도록 만듭니다. "
        "다시 실행하면 중단된 만들기를 이어서 끝내며, 번호는 다시 쓰지 않습니다."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="이 시드로 만들어 둘 글 수")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch", type=int, default=5_000, help="트랜잭션 하나에 쓰는 글 수")
        parser.add_argument("--workers", type=int, default=2, help="글을 준비하는 프로세스 수")

    def handle(self, *args, count, seed, batch, workers, **options):
        if count < 0 or batch < 1 or workers < 1:
            raise CommandError("--count는 0 이상, --batch와 --workers는 1 이상이어야 합니다.")
        # Generated posts are told apart by their source URL, which ends in i,
        # and written in order of i: the newest one tells where a run stopped.
        # (One deleted since stays deleted: made again, it would be out of
        # date order.)
        prefix = generator.source_url(seed, 0).removesuffix("0")
        last = (
            Post.objects.filter(source_url__startswith=prefix)
            .order_by("-number")
            .values_list("source_url", flat=True)
            .first()
        )
        done = 0
        if last is not None:
            tail = last.removeprefix(prefix)
            if not tail.isdigit():
                raise CommandError(
                    f"생성한 글의 원문 주소가 바뀌어 이어서 만들 수 없습니다: {last}"
                )
            done = int(tail) + 1
        todo = range(done, count)
        started = time.perf_counter()
        written = 0
        jobs = ((seed, i) for i in todo)
        with (
            parallel.mapper(workers, chunksize=250) as map_,
            tqdm(total=len(todo), unit="posts", disable=options["verbosity"] < 1) as bar,
        ):
            pending = []
            for prepared in map_(_prepare, jobs):
                pending.append(prepared)
                if len(pending) == batch:
                    written += len(services.posts_bulk_write(pending))
                    bar.update(len(pending))
                    pending = []
            written += len(services.posts_bulk_write(pending))
            bar.update(len(pending))
        services.refresh_statistics(written)
        elapsed = time.perf_counter() - started
        rate = written / elapsed if elapsed else 0
        self.stdout.write(
            f"생성: {written:,}개 ({done:,}개는 이미 있음), {elapsed:.1f}초, 초당 {rate:,.0f}개."
        )

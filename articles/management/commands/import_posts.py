from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles import importing


class Command(BaseCommand):
    help = (
        "JSONL·CSV 파일이나 RSS/Atom 피드(파일 또는 주소)에서 글을 가져옵니다. "
        "같은 파일을 다시 가져와도 그대로입니다: 번호로, 없으면 원문 주소로 글을 찾습니다."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="파일 경로, 또는 --format feed일 때 http(s) 주소")
        parser.add_argument(
            "--format", choices=sorted(importing.READERS), help="형식 (없으면 파일 확장자로 판단)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="점검하고 보고만 하며 저장하지 않음"
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="잘못된 행이 하나라도 있으면 아무것도 저장하지 않음",
        )
        parser.add_argument(
            "--batch", type=int, default=importing.BATCH, help="트랜잭션 하나에 쓰는 행 수"
        )
        parser.add_argument("--workers", type=int, default=2, help="행을 점검하는 프로세스 수")

    def handle(self, *args, path, format, dry_run, strict, batch, workers, **options):
        if batch < 1 or workers < 1:
            raise CommandError("--batch와 --workers는 1 이상이어야 합니다.")
        fmt = format or importing.guess_format(path)
        try:
            if fmt == "feed" and path.startswith(("http://", "https://")):
                data = importing.fetch_feed(path)
            else:
                try:
                    data = Path(path).read_bytes()
                except OSError as exc:
                    raise CommandError(
                        f"파일을 읽을 수 없습니다: {path} ({exc.strerror})"
                    ) from None
            rows = list(importing.READERS[fmt](data))
        except importing.SourceError as exc:
            # Not a bad row but nothing to import: a scheduled import must fail.
            raise CommandError(f"{path}: {exc}", returncode=1) from None
        tqdm.monitor_interval = 0  # no thread: rows are checked in forked processes
        with tqdm(
            total=len(rows), unit="rows", disable=options["verbosity"] < 1 or len(rows) < 2_000
        ) as bar:
            report = importing.import_rows(
                rows,
                dry_run=dry_run,
                strict=strict,
                progress=bar.update,
                batch_size=batch,
                workers=workers,
            )
        for line, message in report.errors:
            self.stderr.write(f"{path}:{line}: {message}")
        if report.strict_failed:
            self.stderr.write(
                f"잘못된 행이 {len(report.errors):,}개 있어 아무것도 저장하지 않았습니다 (--strict)."
            )
        self.stdout.write(report.summary())
        if report.strict_failed:
            raise CommandError("가져오기를 취소했습니다.", returncode=1)

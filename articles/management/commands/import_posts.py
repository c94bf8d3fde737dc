from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles import importing


class Command(BaseCommand):
    help = (
        "Import posts from a JSONL or CSV file, or an RSS/Atom feed (file or URL). "
        "Idempotent: posts are matched by number, else by source URL."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="file path, or an http(s) URL for --format feed")
        parser.add_argument(
            "--format", choices=sorted(importing.READERS), help="default: from the extension"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, write nothing"
        )
        parser.add_argument("--strict", action="store_true", help="write nothing if any row is bad")
        parser.add_argument(
            "--batch", type=int, default=importing.BATCH, help="rows per transaction"
        )
        parser.add_argument("--workers", type=int, default=2, help="processes checking rows")

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

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles import importing


class Command(BaseCommand):
    help = "Export every post as JSONL (by number), in the format import_posts reads."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, output=None, **options):
        if not output:
            for line in importing.export_lines():
                self.stdout.write(line, ending="")
            return
        # Written beside the target and renamed into place: an export that
        # fails halfway (a full disk) never leaves a file that looks whole.
        target = Path(output)
        partial = target.with_name(f".{target.name}.partial")
        count = 0
        try:
            with open(partial, "w", encoding="utf-8", newline="\n") as out:
                for line in importing.export_lines():
                    out.write(line)
                    count += 1
            partial.replace(target)
        except OSError as exc:
            raise CommandError(f"파일에 쓸 수 없습니다: {output} ({exc.strerror})") from None
        finally:
            partial.unlink(missing_ok=True)
        self.stderr.write(f"{count:,}개 글을 {output}에 썼습니다.")

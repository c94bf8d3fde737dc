from contextlib import ExitStack

from django.core.management.base import BaseCommand

from articles import importing


class Command(BaseCommand):
    help = "Export every post as JSONL (by number), in the format import_posts reads."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, output=None, **options):
        count = 0
        with ExitStack() as stack:
            out = (
                stack.enter_context(open(output, "w", encoding="utf-8", newline="\n"))
                if output
                else self.stdout
            )
            for line in importing.export_lines():
                out.write(line)
                count += 1
        if output:
            self.stderr.write(f"{count:,}개 글을 {output}에 썼습니다.")

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles import importing


class Command(BaseCommand):
    help = "모든 글을 번호순 JSONL로 내보냅니다 (import_posts가 읽는 형식)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="쓸 파일 (없으면 표준 출력)")

    def handle(self, *args, output=None, **options):
        target = Path(output) if output else None
        try:
            if target is None:
                count = self._write(self.stdout)
            elif target.exists() and not target.is_file():
                # /dev/stdout, a pipe: written as it goes.
                out = open(target, "w", encoding="utf-8")  # noqa: SIM115
                try:
                    count = self._write(out)
                finally:
                    with contextlib.suppress(BrokenPipeError):
                        out.close()  # closed even when its flush finds the pipe gone
            else:
                count = self._write_whole(target)
        except BrokenPipeError:
            # The reader has gone (export_posts | head): stop quietly, as other
            # tools do, and keep Python from reporting it again at exit.
            if target is None and self.stdout._out is sys.stdout:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return
        except OSError as exc:
            raise CommandError(f"파일에 쓸 수 없습니다: {output} ({exc.strerror})") from None
        if target is not None:
            self.stderr.write(f"{count:,}개 글을 {output}에 썼습니다.")

    def _write(self, out) -> int:
        count = 0
        for line in importing.export_lines():
            out.write(line)
            count += 1
        return count

    def _write_whole(self, target: Path) -> int:
        """Written beside the target, flushed to disk and renamed into place: an
        export that fails halfway (a full disk, a crash) never leaves a file
        that looks whole, and two exports to one name never interleave."""
        fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with open(fd, "w", encoding="utf-8", newline="\n") as out:
                count = self._write(out)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(partial, 0o644)  # mkstemp's 0600 is for the file being written
            os.replace(partial, target)
        finally:
            Path(partial).unlink(missing_ok=True)
        return count

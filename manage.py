#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsboard.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:  # missing production settings: say so plainly
        sys.stderr.write(f"newsboard cannot start: {exc}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()

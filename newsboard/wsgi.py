import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsboard.settings")


def _check_static_files() -> None:
    """Hashed static names come from collectstatic's manifest: without it every
    page, the error page included, fails to render."""
    from django.conf import settings

    storage = settings.STORAGES["staticfiles"]["BACKEND"]
    if "Manifest" in storage and not (settings.STATIC_ROOT / "staticfiles.json").exists():
        raise ImproperlyConfigured(
            f"static files are not collected in {settings.STATIC_ROOT}: "
            "run manage.py collectstatic --noinput first."
        )


try:
    _check_static_files()  # first: whitenoise would warn about the directory in English
    application = get_wsgi_application()
except ImproperlyConfigured as exc:  # a clear line for the operator, not a traceback
    sys.stderr.write(f"newsboard cannot start: {exc}\n")
    # 3 is gunicorn's "worker failed to boot": its master then stops too,
    # instead of booting workers that fail the same way forever.
    sys.exit(3)

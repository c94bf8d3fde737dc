import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsboard.settings")

try:
    application = get_wsgi_application()
except ImproperlyConfigured as exc:  # a clear line for the operator, not a traceback
    sys.stderr.write(f"newsboard cannot start: {exc}\n")
    sys.exit(1)

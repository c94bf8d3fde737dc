import logging

from django.db import InterfaceError, OperationalError
from django.template.response import TemplateResponse

from .http import PRIVATE
from .views import healthz

log = logging.getLogger(__name__)


class HealthCheckMiddleware:
    """GET /healthz, answered before any other middleware.

    Load balancers probe over plain HTTP, often with their own address as the
    Host: the TLS redirect (301) and the ALLOWED_HOSTS check (400) that
    readers' requests need would make every app server look down.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)


def not_found_not_kept(get_response):
    """404s carry Cache-Control: no-store. A post that is scheduled or hidden
    now may be public a minute later, and a CDN would keep its 404 for as long
    as its own defaults say."""

    def middleware(request):
        response = get_response(request)
        if response.status_code == 404 and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response

    return middleware


def cookies_not_shared(get_response):
    """A response that sets a cookie is for its one reader: no shared cache keeps it.

    A reader whose session has expired gets the public page and, from the
    session middleware (inside this one), the deletion of its cookie; a CDN
    keeping that would delete the cookie of every reader it served next,
    signing editors out.
    """

    def middleware(request):
        response = get_response(request)
        if response.cookies and "public" in response.get("Cache-Control", ""):
            response["Cache-Control"] = PRIVATE
        return response

    return middleware


class DatabaseUnavailableMiddleware:
    """While the database cannot be reached, readers get the Korean 503 page.

    Django would answer 500 ("something broke"); a 503 with Retry-After tells
    readers, load balancers and crawlers that it is temporary. The connection
    pool's health checks reconnect by themselves once the database is back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            log.error(
                "database unavailable: %s %s", request.method, request.path, exc_info=exception
            )
            response = TemplateResponse(request, "503.html", status=503)
            response["Retry-After"] = "10"
            response["Cache-Control"] = "no-store"
            return response.render()
        return None

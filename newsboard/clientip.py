"""The address a request came from, for the admin's login lockout (django-axes)."""

from django.conf import settings


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or behind PROXY_COUNT proxies the address the outermost one saw.

    Behind a proxy, REMOTE_ADDR is the proxy's for every client, so locking
    out (username, address) would let anyone lock out any editor. Each proxy
    appends the address it was reached from to X-Forwarded-For; counting from
    the right keeps a client from choosing its own entry.
    """
    count = settings.PROXY_COUNT
    if count:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        addresses = [address.strip() for address in forwarded if address.strip()]
        if len(addresses) >= count:
            return addresses[-count]
    return request.META.get("REMOTE_ADDR")

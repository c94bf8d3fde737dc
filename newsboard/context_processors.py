from django.conf import settings


def site(request):
    """The site's name (SITE_NAME) for every template: titles, header, footer."""
    return {"site_name": settings.SITE_NAME}

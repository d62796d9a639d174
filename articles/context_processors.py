from django.conf import settings
from django.utils.functional import SimpleLazyObject

from articles.models import Section


def site(request):
    """The site's name and address, and its top-level sections for the navigation.

    The sections are read once, and only by pages that show them (not the admin).
    """
    return {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL.rstrip("/"),
        "nav_sections": SimpleLazyObject(lambda: list(Section.objects.filter(parent=None))),
    }

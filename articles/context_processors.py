from django.conf import settings
from django.utils.functional import SimpleLazyObject

from articles import caching
from articles.models import Section


def site(request):
    """The site's name and address, and its top-level sections for the navigation.

    The sections are read only by pages that show them (not the admin), and kept in the cache
    until the site's content changes.
    """
    return {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL.rstrip("/"),
        "nav_sections": SimpleLazyObject(navigation),
    }


def navigation(generations=None):
    """The navigation's sections, under the ``site`` generation of ``generations`` when the
    page has read it already (else read here)."""
    if generations is None:
        generations = caching.generations([caching.SITE])
    # Named anew with ``url``: entries cached by code without it are never read.
    site = caching.site_generation(generations)
    return caching.fragment("navigation|urls", site, top_sections)


def top_sections():
    """The top-level sections, each with its address (``url``) reversed once per change of
    the site's content rather than three times on every page."""
    sections = list(Section.objects.filter(parent=None))
    for section in sections:
        section.url = section.get_absolute_url()
    return sections

"""Cross-site POSTs refused by where the browser says they come from, not by a token.

The comment form is printed in pages that shared caches keep, so it cannot carry a per-visitor
CSRF token. Browsers say where a request comes from instead: ``Sec-Fetch-Site`` (every current
browser) and ``Origin`` (every POST). A POST is refused when they say another site sent it; a
request with neither header was not sent by a browser, so no other site can have forged it.
"""

from functools import wraps

from django.conf import settings
from django.urls import get_callable
from django.views.decorators.csrf import csrf_exempt

TRUSTED_FETCH_SITES = {"same-origin", "none"}  # "none": the reader's own action (address bar)


def is_cross_site(request):
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site in TRUSTED_FETCH_SITES:
        return False
    origin = request.headers.get("Origin")
    if origin is None:
        return fetch_site is not None
    own = f"{request.scheme}://{request.get_host()}"
    return origin not in (own, *settings.CSRF_TRUSTED_ORIGINS)


def same_origin_required(view):
    """Refuse (403, Django's CSRF failure page) a POST that another site made the browser send."""

    @csrf_exempt
    @wraps(view)
    def checked(request, *args, **kwargs):
        if is_cross_site(request):
            failure = get_callable(settings.CSRF_FAILURE_VIEW)
            return failure(request, reason="The form was sent from another site.")
        return view(request, *args, **kwargs)

    return checked

"""Staff log-in throttling: the page django-axes shows a username and address it locked out.

Axes counts the failures and refuses (settings ``AXES_*``); this module only shapes the answer:
the admin's own log-in page, the username typed still in its field, a message saying how long
to wait, and 429 Too Many Requests.
"""

import math
from http import HTTPStatus

from django.conf import settings
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import ngettext


def lockout_message():
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    return ngettext(
        "Too many failed log-ins for this account from your address. "
        "Try again in %(minutes)d minute.",
        "Too many failed log-ins for this account from your address. "
        "Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """The log-in page just rendered, its "wrong password" error replaced by the lock."""
    status = HTTPStatus.TOO_MANY_REQUESTS
    context = getattr(original_response, "context_data", None) or {}
    form = context.get("form")
    if form is None:  # a log-in through anything but a form page
        return HttpResponse(lockout_message(), status=status, content_type="text/plain")
    form.errors.clear()
    form.add_error(None, lockout_message())
    response = TemplateResponse(request, original_response.template_name, context, status=status)
    return response.render()  # a middleware's response is not rendered for it

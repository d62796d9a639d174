import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
# get_wsgi_application(), with a request class that refuses an unreadable Content-Type with a
# 400 page instead of failing before any middleware runs.
django.setup(set_prefix=False)

from articles.middleware import ReadableRequestHandler  # noqa: E402 (needs the apps loaded)

application = ReadableRequestHandler()

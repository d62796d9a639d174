"""The shared cache for reader pages: generations, invalidation and purging the HTTP cache.

What a cached page or fragment shows is named by *tags*: ``site`` for the editorial content
every page may show (articles, sections, authors, tags, FAQs), ``article-<pk>`` for one
article's approved comments, and ``comments`` for what a page shows of every article's approved
comments (the counts on listing cards, the site's comment feed). Each tag has a generation in
the cache. Pages and fragments are stored with the generations they were built from, read
*before* the data, so a change that commits while a page is being built still makes that page
stale. A change bumps its tags' generations once the transaction commits (so the very next
request shows it) and bans the same tags from Varnish, which sees them in each response's
``Cache-Tags`` header. Other apps may name data of their own with tags the same way
(``comments.rules`` keeps the moderators' rules under ``comment-rules``).
"""

import hashlib
import logging
import math
import time

import httpx
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.cache import add_never_cache_headers, patch_cache_control

logger = logging.getLogger(__name__)

SITE = "site"
COMMENTS = "comments"
LIVE = "live"  # not a tag of its own: the next scheduled publish time, read with "site"
NEXT_PUBLISH_KEY = "next-publish"
TAGS_HEADER = "Cache-Tags"
BAN_HEADER = "X-Cache-Tags-Ban"


def article_tag(pk):
    return f"article-{pk}"


def _gen_key(tag):
    return f"gen:{tag}"


def generations(tags):
    """The current generation of each tag, ``{tag: number}``; new tags start somewhere unused.

    With ``site`` comes ``live``: when the next scheduled article goes live (0: none known),
    read in the same round trip, since a page listing articles is stale from that moment.
    """
    keys = {_gen_key(tag): tag for tag in tags if tag != LIVE}
    live = SITE in tags or LIVE in tags
    found = cache.get_many([*keys, NEXT_PUBLISH_KEY] if live else keys)
    missing = [key for key in keys if key not in found]
    if missing:
        # A clock value, not 0: a generation lost to eviction must not meet old entries again.
        for key in missing:
            cache.add(key, time.time_ns(), timeout=None)
        found |= cache.get_many(missing)
    current = {keys[key]: value for key, value in found.items() if key in keys}
    if live:
        current[LIVE] = _live(found.get(NEXT_PUBLISH_KEY))
    return current


def invalidate(*tags):
    """Pages and fragments showing ``tags`` go stale now, and again when the change commits.

    The second time catches a page built in between from data read before the commit.
    """
    if not tags:
        return
    _bump(tags)
    transaction.on_commit(lambda: invalidate_now(tags), robust=True)


def invalidate_now(tags):
    _bump(tags)
    ban(tags)


def _bump(tags):
    keys = [_gen_key(tag) for tag in tags]
    if hasattr(cache, "incr_or_start_many"):  # Redis (newsroom/cache.py): one round trip
        cache.incr_or_start_many(keys, time.time_ns())
    else:
        for key in keys:
            try:
                cache.incr(key)
            except ValueError:  # never read yet, or evicted
                cache.set(key, time.time_ns(), timeout=None)
    if SITE in tags:
        _note_next_publish()  # an article may have been scheduled, published or moved


def _live(value):
    """The next publish time as noted at the last editorial change, read again once passed.

    Unknown (the cache was emptied): 0, and pages keep their usual lifetime until the next
    editorial change notes it again.
    """
    if value is not None and 0 < value <= time.time():
        value = _note_next_publish()
    return value or 0


def _note_next_publish():
    from articles.models import Article

    upcoming = Article.objects.scheduled().order_by("published_at").first()
    value = upcoming.published_at.timestamp() if upcoming else 0
    cache.set(NEXT_PUBLISH_KEY, value, timeout=None)
    return value


def ban(tags):
    """Ask each Varnish in front of the site to drop every page that shows one of ``tags``."""
    pattern = "(^| )(" + "|".join(sorted(tags)) + ")( |$)"
    for url in settings.HTTP_CACHE_PURGE_URLS:
        try:
            response = httpx.request(
                "BAN", url, headers={BAN_HEADER: pattern}, timeout=settings.HTTP_CACHE_TIMEOUT
            )
            response.raise_for_status()
        except httpx.HTTPError as error:
            # The page stays in that cache until its s-maxage runs out; nothing else is lost.
            logger.warning("Could not ban %s from the HTTP cache at %s: %s", tags, url, error)


def fragment(name, tags, build, timeout=None):
    """A rendered fragment, from the cache when its tags have not changed since it was built.

    ``tags`` is ``{tag: generation}`` as read before the data; ``build()`` makes the fragment.
    """
    if not settings.PAGE_CACHE_FRAGMENTS:
        return build()
    stamp = ".".join(f"{tag}={gen}" for tag, gen in sorted(tags.items()))
    key = "fragment:" + hashlib.md5(f"{name}|{stamp}".encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout or settings.FRAGMENT_CACHE_SECONDS)
    return value


# Which responses shared caches may keep.


def is_shareable_request(request):
    """A GET or HEAD without any cookie that makes the page personal (staff, own comments)."""
    return request.method in ("GET", "HEAD") and not any(
        name in request.COOKIES for name in settings.PAGE_CACHE_BYPASS_COOKIES
    )


def share(response, generations, until=None):
    """Mark ``response`` as the same for every reader: cache headers, tags and a validator.

    It is kept for PAGE_CACHE_SECONDS at most, and not past the next scheduled publish time nor
    ``until`` (a timestamp when what it shows changes by itself, e.g. comments closing).
    """
    if not getattr(response, "is_rendered", True):
        response.render()
    now = time.time()
    next_publish = generations.get(LIVE) or math.inf
    valid_until = min(now + settings.PAGE_CACHE_SECONDS, next_publish, until or math.inf)
    patch_cache_control(
        response,
        public=True,
        max_age=0,  # browsers revalidate (cheap, with the ETag): a reader's own post shows
        s_maxage=max(0, math.floor(valid_until - now)),
        stale_while_revalidate=settings.PAGE_CACHE_STALE_SECONDS,
    )
    response[TAGS_HEADER] = " ".join(sorted(tag for tag in generations if tag != LIVE))
    response["ETag"] = f'"{hashlib.md5(response.content).hexdigest()}"'
    response.cache_generations = generations
    response.cache_valid_until = valid_until
    return response


def keep_private(response):
    """A page for one reader (staff, their own held comment): no shared cache may keep it."""
    add_never_cache_headers(response)
    return response


class SharedCacheMixin:
    """For reader views: shareable requests get a shared response, the rest a private one.

    The generations of the tags a page shows are read before its data; a view that shows
    more than the site's content adds tags with ``self.depends_on()`` before reading them.
    """

    def dispatch(self, request, *args, **kwargs):
        self.cache_generations = generations([SITE])
        self.shared_until = None
        response = super().dispatch(request, *args, **kwargs)
        if response.status_code != 200:
            return response
        if is_shareable_request(request):
            return share(response, self.cache_generations, self.shared_until)
        return keep_private(response)

    def changes_at(self, moment):
        """What the page shows changes by itself at ``moment`` (a timestamp; None: never):
        no shared cache keeps it past then."""
        if moment is not None:
            self.shared_until = min(moment, self.shared_until or math.inf)

    def depends_on(self, *tags):
        self.cache_generations |= generations(tags)
        return self.cache_generations

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
import threading
import time

import httpx
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
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

    While the cache is down every generation is None: fragments are then built every time and
    pages are not stored, so readers get pages straight from the database.
    """
    if not cache_is_down():
        try:
            _owed.pay()  # first the bumps this process could not make while the cache was down
            return _read_generations(tags)
        except DatabaseError:  # the next publish time is read from the database
            raise
        except Exception:
            cache_down("generations")
    return {tag: None for tag in tags} | ({LIVE: 0} if SITE in tags or LIVE in tags else {})


def _read_generations(tags):
    keys = {_gen_key(tag): tag for tag in tags if tag != LIVE}
    live = SITE in tags or LIVE in tags
    found = cache.get_many([*keys, NEXT_PUBLISH_KEY] if live else keys)
    missing = [key for key in keys if key not in found]
    if missing:
        # A clock value, not 0: a generation lost to eviction must not meet old entries again.
        for key in missing:
            cache.add(key, time.time_ns(), timeout=None)
        found |= cache.get_many(missing)
    # None for a tag the cache does not keep (no cache configured): nothing built is kept.
    current = {tag: found.get(key) for key, tag in keys.items()}
    if live:
        current[LIVE] = _live(found.get(NEXT_PUBLISH_KEY))
    return current


def site_generation(generations):
    """Of ``generations``, the ``site`` tag's only (None if not read): for what shows nothing
    else, so that it is kept once for every page rather than once per page's other tags."""
    return {SITE: generations.get(SITE)}


def is_known(generations):
    """Whether ``generations`` were read from the cache (not None because it was down)."""
    return None not in generations.values()


def invalidate(*tags):
    """Pages and fragments showing ``tags`` go stale now, and again when the change commits.

    The second time catches a page built in between from data read before the commit.
    """
    if not tags:
        return
    _bump_or_owe(tags)
    transaction.on_commit(lambda: invalidate_now(tags), robust=True)


def invalidate_now(tags):
    _bump_or_owe(tags)
    ban(tags)


def _bump_or_owe(tags):
    """Bump ``tags``; if the cache is down, this process owes the bump and makes it on its next
    read of generations. A cache that comes back empty has nothing stale to drop anyway; one
    that was only out of reach still holds pages from before the change, which the owed bump
    (or their own lifetime, at most FRAGMENT_CACHE_SECONDS) retires."""
    if not cache_is_down():
        try:
            _bump(tags)
            return
        except DatabaseError:
            raise
        except Exception:
            cache_down("invalidation")
    _owed.add(tags)


class _OwedBumps:
    def __init__(self):
        self._tags = set()
        self._lock = threading.Lock()

    def add(self, tags):
        with self._lock:
            self._tags.update(tags)

    def clear(self):
        with self._lock:
            self._tags = set()

    def pay(self):
        if not self._tags:
            return
        with self._lock:
            tags, self._tags = self._tags, set()
        try:
            _bump(tags)
        except Exception:
            self.add(tags)
            raise


_owed = _OwedBumps()


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


# After the cache fails, this process leaves it alone for a few seconds: a Redis that stopped
# answering would otherwise cost every call its timeout (CACHE_SOCKET_TIMEOUT), not just one.
CACHE_RETRY_SECONDS = 5
_retry_at = 0.0
_last_warning = 0.0


def forget_process_state():
    """Forget what this process remembers of the cache: an outage, owed bumps, local fragments
    (a clean slate for each test)."""
    global _retry_at
    _retry_at = 0.0
    _owed.clear()
    _local.clear()


def cache_is_down():
    """The cache failed less than CACHE_RETRY_SECONDS ago: this process does not ask it."""
    return time.monotonic() < _retry_at


def cache_get(key, doing):
    """``cache.get``, or None while the cache is down (noting it when this call finds out)."""
    if cache_is_down():
        return None
    try:
        return cache.get(key)
    except Exception:
        cache_down(doing)
        return None


def cache_set(key, value, timeout, doing):
    """``cache.set``, skipped while the cache is down (noting it when this call finds out)."""
    if cache_is_down():
        return
    try:
        cache.set(key, value, timeout)
    except Exception:
        cache_down(doing)


def cache_down(doing):
    """Note that the cache failed (logged at most once a minute: a busy site asks often)."""
    global _retry_at, _last_warning
    now = time.monotonic()
    if now >= _retry_at:
        _retry_at = now + CACHE_RETRY_SECONDS
    if now - _last_warning >= 60:
        _last_warning = now
        logger.warning("The cache is unavailable (%s): serving from the database.", doing,
                       exc_info=True)  # fmt: skip


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
    It is kept for ``timeout`` seconds from when it was built (FRAGMENT_CACHE_SECONDS by
    default), in the shared cache and in each process that uses it (read there first, so a page
    made of fragments costs no round trip for them while their tags stand): a process copy
    expires with the shared one, however late the process got it. A value is shared by the
    process's requests from then on: the caller must treat it as read-only.
    """
    if not settings.PAGE_CACHE_FRAGMENTS or not is_known(tags):
        return build()
    stamp = ".".join(f"{tag}={gen}" for tag, gen in sorted(tags.items()))
    key = "fragment:" + hashlib.md5(f"{name}|{stamp}".encode()).hexdigest()
    if (value := _local.get(key)) is not None:
        return value
    timeout = timeout or settings.FRAGMENT_CACHE_SECONDS
    stored = cache_get(key, "fragments")  # (expiry as a timestamp, value)
    if stored is None:
        stored = (time.time() + timeout, build())
        cache_set(key, stored, timeout, "fragments")
    expires, value = stored
    _local.put(key, value, expires - time.time())
    return value


class _LocalFragments:
    """The fragments this process used last, the least recently used dropped first.

    A key names its generations, so an entry never goes stale through a change: it only
    stops being asked for, or reaches its timeout. With a page of 200 comments at about
    100 KB, the entries of a process stay under some 25 MB.
    """

    size = 256

    def __init__(self):
        self._entries = {}  # key: (monotonic expiry, value), least recently used first
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._entries.pop(key, None)
            if entry is None or entry[0] <= time.monotonic():
                return None
            self._entries[key] = entry  # now the most recently used
            return entry[1]

    def put(self, key, value, timeout):
        if timeout <= 0:
            return
        with self._lock:
            self._entries.pop(key, None)
            self._entries[key] = (time.monotonic() + timeout, value)
            while len(self._entries) > self.size:
                del self._entries[next(iter(self._entries))]

    def clear(self):
        with self._lock:
            self._entries.clear()


_local = _LocalFragments()


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

    The generations of the tags a page shows are read before its data, those of
    ``cache_tags()`` in the request's first round trip; a view that shows more than those
    adds tags with ``self.depends_on()`` before reading them.
    """

    def cache_tags(self):
        return [SITE]

    def dispatch(self, request, *args, **kwargs):
        self.cache_generations = generations(self.cache_tags())
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
        """The page also shows ``tags``: their generations, read now unless already read."""
        unread = [tag for tag in tags if tag not in self.cache_generations]
        if unread:
            self.cache_generations |= generations(unread)
        return self.cache_generations

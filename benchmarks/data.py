"""The benchmark data set, built on top of the demo content (``seed`` and ``seed_comments``).

* The demo article gets a busy discussion: 200 approved comments, about 70 of them top-level and
  the rest replies nested up to four deep, approved with the model's verb as a moderator would.
* 10,000 more published articles, spread over the sections and over 25 authors.

Running it again adds only what is missing. Run with the benchmark's environment:
``python -m benchmarks.django_run data``.
"""

import datetime
import random
import sys

from django.db import connection, transaction
from django.utils import timezone

from articles.markup import reading_minutes, render_article
from articles.models import Article, Author, Byline, Section, Tag
from benchmarks import words
from comments.models import Comment

DEMO_ARTICLE = "heat-resilience-plan-cooler-blocks"
DEMO_COMMENTS = 200
DEMO_TOP_LEVEL = 70
MAX_DEPTH = 4
ARTICLES = 10_000
AUTHORS = 20  # besides the demo authors
SLUG_PREFIX = "bench-"
BATCH = 500
BODIES = 500  # distinct article bodies


def build_demo_thread(article, total=DEMO_COMMENTS, top_level=DEMO_TOP_LEVEL, seed=1):
    """Top the demo article's approved comments up to ``total``, in a realistic thread shape."""
    rng = random.Random(seed)
    existing = list(Comment.objects.approved().for_article(article).order_by("submitted_at"))
    depth = {}
    for comment in existing:
        depth[comment.pk] = depth.get(comment.parent_id, 0) + 1
    roots = sum(1 for comment in existing if comment.parent_id is None)
    missing = total - len(existing)
    start = max([c.submitted_at for c in existing], default=article.published_at)
    times = spread(rng, start, timezone.now(), missing)
    with transaction.atomic():
        for number in range(missing):
            replies_left = (total - top_level) - (len(existing) - roots)
            is_root = roots < top_level and rng.random() < (top_level - roots) / (missing - number)
            parent = None if is_root or replies_left <= 0 else pick_parent(rng, existing, depth)
            comment = add_approved(article, parent, times[number], rng)
            existing.append(comment)
            depth[comment.pk] = depth.get(comment.parent_id, 0) + 1
            roots += parent is None
    return len(existing), roots


def spread(rng, start, end, count):
    """``count`` sorted random times between ``start`` and ``end``."""
    span = (end - start).total_seconds()
    return [
        start + datetime.timedelta(seconds=span * x)
        for x in sorted(rng.random() for _ in range(count))
    ]


def pick_parent(rng, comments, depth):
    """A recent comment not yet at the deepest level: discussions grow where they are busy."""
    candidates = [c for c in comments[-40:] if depth[c.pk] < MAX_DEPTH]
    return rng.choice(candidates) if candidates else None


def add_approved(article, parent, when, rng):
    name = words.reader_name(rng)
    comment = Comment.objects.create(
        article=article,
        parent=parent,
        name=name,
        email=f"{name.replace(' ', '').replace('.', '').lower()}@example.net",
        body=words.comment_body(rng),
        ip="192.0.2.20",
        user_agent="Benchmark data",
        submitted_at=when,
    )
    comment.record("submitted", ip=comment.ip)
    comment.record_spam_check(Comment.Akismet.DISABLED, {})
    comment.approve()
    return comment


def build_articles(count=ARTICLES, seed=2):
    """Add published ``bench-`` articles until there are ``count``; bulk inserts, pre-rendered."""
    rng = random.Random(seed)
    have = Article.objects.filter(slug__startswith=SLUG_PREFIX).count()
    authors, sections, tags = bench_authors(), bench_sections(), bench_tags()
    bodies = article_bodies(rng)
    for start in range(have, count, BATCH):
        numbers = range(start, min(start + BATCH, count))
        batch = [new_article(n, rng, sections, rng.choice(bodies)) for n in numbers]
        insert_batch(batch, authors, tags, rng)
    return Article.objects.published().count()


def bench_authors():
    rng = random.Random(3)
    for number in range(AUTHORS):
        name = f"{rng.choice(words.FIRST_NAMES)} {rng.choice(words.HEADLINE_NOUNS)}"
        Author.objects.get_or_create(
            slug=f"{SLUG_PREFIX}author-{number}",
            defaults={"name": name.replace("Board", "Boardman"), "job_title": "Reporter"},
        )
    return list(Author.objects.all())


def bench_sections():
    return list(Section.objects.all())


def bench_tags():
    return list(Tag.objects.all())


def article_bodies(rng, count=BODIES):
    """(Markdown, HTML, reading minutes) of the bodies articles draw from: rendering is slow."""
    bodies = [words.article_body(rng, rng.choice(words.TOPICS)) for _ in range(count)]
    return [(body, render_article(body), reading_minutes(body)) for body in bodies]


def new_article(number, rng, sections, body):
    title = words.headline(rng)
    body, body_html, minutes = body
    published = timezone.now() - datetime.timedelta(days=1 + number / 14, minutes=number % 60)
    return Article(
        title=title,
        slug=f"{SLUG_PREFIX}{number:05d}",
        dek=f"{title}: what changes, and when.",
        body=body,
        body_html=body_html,
        reading_time=minutes,
        section=rng.choice(sections),
        status=Article.Status.PUBLISHED,
        published_at=published,
        closing_question="What would you change?",
    )


def insert_batch(articles, authors, tags, rng):
    with transaction.atomic():
        created = Article.objects.bulk_create(articles)
        bylines = []
        for article in created:
            for position, author in enumerate(rng.sample(authors, rng.choice([1, 1, 1, 2]))):
                bylines.append(Byline(article=article, author=author, position=position))
        Byline.objects.bulk_create(bylines)
        Tagged = Article.tags.through
        Tagged.objects.bulk_create(
            Tagged(article_id=article.pk, tag_id=tag.pk)
            for article in created
            for tag in rng.sample(tags, rng.randint(0, min(3, len(tags))))
        )


def main():
    article = Article.objects.published().get(slug=DEMO_ARTICLE)
    comments, roots = build_demo_thread(article)
    sys.stdout.write(f"Demo article: {comments} approved comments, {roots} top-level.\n")
    sys.stdout.write(f"Published articles: {build_articles()}.\n")
    if connection.vendor == "postgresql":
        # Fresh planner statistics, as autovacuum keeps them once it has seen the bulk load:
        # with the empty tables' estimates, the related-articles query took 53 ms, not 1.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

"""The article page's weight and cost stay within budget however long the discussion gets.

Budgets for the reference article with 200 approved threaded comments (five of them Editors'
picks): at most 120,000 bytes of HTML, 1,600 elements and 8 queries when built from nothing;
0–2 queries from the cache. The JSON-LD's Comment items are within them
(comments/structured_data.py says how).
"""

import datetime
import gzip
import io
import re
from html.parser import HTMLParser

import brotli
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from comments.models import Comment

REFERENCE = "heat-resilience-plan-cooler-blocks"
URL = f"/articles/{REFERENCE}/"
MAX_BYTES = 120_000
MAX_ELEMENTS = 1_600
MAX_QUERIES = 8
MAX_CACHED_QUERIES = 2

OPENINGS = ["I walked past the site on Tuesday and", "My neighbour and I", "Our block association",
            "As someone who bikes this route daily, I", "Honestly, the council",
            "Having lived here for twenty years, I"]  # fmt: skip
MIDDLES = ["noticed the new shade trees are already helping",
           "wonder who pays for the upkeep once the grant runs out",
           "think the survey missed the streets east of the rail line",
           "would like to see the temperature figures for each ward",
           "agree with the plan but the timeline looks optimistic"]  # fmt: skip
CLOSINGS = ["Thanks for the clear write-up.", "Will there be a public meeting?",
            "Curious what others think.", "More of this kind of reporting, please."]  # fmt: skip


class ElementCounter(HTMLParser):
    def __init__(self):
        super().__init__()
        self.count = 0

    def handle_starttag(self, tag, attrs):
        self.count += 1


def elements(html):
    counter = ElementCounter()
    counter.feed(html)
    return counter.count


def without_timestamp(content):
    """The page without the form's signed timestamp, which each build signs anew."""
    return re.sub(rb'name="timestamp" value="[^"]*"', b"", content)


def body(n):
    """Original demo text: one to three sentences, now and then two paragraphs."""
    first = f"{OPENINGS[n % 6]} {MIDDLES[n % 5]}. {CLOSINGS[n % 4]}"
    return first if n % 7 else f"{first}\n\nOne more thought: {MIDDLES[(n + 2) % 5]}."


def discussion(article, count):
    """``count`` approved comments: a third top-level, the rest replies up to four deep."""
    start = timezone.now() - datetime.timedelta(hours=count)
    comments = []
    for n in range(count):
        parent = None
        if n % 3 and comments:
            parent = comments[-1] if comments[-1].depth < 4 else comments[-(n % 5) - 1]
        comment = Comment.objects.create(
            article=article, parent=parent, name=f"Reader {n}", email=f"r{n}@example.net",
            url="https://example.net/r" if n % 4 == 0 else "", body=body(n),
            submitted_at=start + datetime.timedelta(minutes=n),
        )  # fmt: skip
        comment.depth = parent.depth + 1 if parent else 1
        comment.approve()
        if n % 40 == 5:  # a few Editors' picks, shown twice: above the threads and in them
            comment.feature()
        comments.append(comment)
    return comments


@pytest.fixture(scope="module")
def pictures(tmp_path_factory):
    """One media folder for the module: the seed draws its pictures once."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture
def reference(db, settings, pictures):
    settings.MEDIA_ROOT = pictures
    call_command("seed", stdout=io.StringIO())
    return Article.objects.get(slug=REFERENCE)


def fetch(client, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, headers=headers)
    assert response.status_code == 200
    return response, len(queries.captured_queries)


@pytest.mark.parametrize("count", [0, 50, 200])
def test_the_article_page_stays_within_its_budgets(client, reference, count):
    discussion(reference, count)

    cold, cold_queries = fetch(client)
    warm, warm_queries = fetch(client)

    html = cold.content.decode()
    assert html.count('class="comment depth-') == min(count, html.count('id="comment-'))
    assert html.count('class="comment-pick"') == (count + 34) // 40
    assert f'"commentCount":{count}' in html
    assert len(cold.content) <= MAX_BYTES
    assert elements(html) <= MAX_ELEMENTS
    assert cold_queries <= MAX_QUERIES
    assert warm_queries <= MAX_CACHED_QUERIES
    assert warm.content == cold.content


def test_200_comments_are_all_on_the_page_or_a_link_away(client, reference):
    comments = discussion(reference, 200)

    html = fetch(client)[0].content.decode()
    shown = html.count('class="comment depth-')
    later = client.get(URL + "?cpage=2").content.decode().count('class="comment depth-')

    assert shown + later == len(comments)


def test_the_page_is_compressed_with_brotli_or_gzip_as_the_client_asks(client, reference):
    discussion(reference, 50)
    plain = without_timestamp(client.get(URL).content)

    br = client.get(URL, headers={"Accept-Encoding": "gzip, deflate, br"})
    gz = client.get(URL, headers={"Accept-Encoding": "gzip"})

    assert br["Content-Encoding"] == "br"
    assert without_timestamp(brotli.decompress(br.content)) == plain
    assert gz["Content-Encoding"] == "gzip"
    assert without_timestamp(gzip.decompress(gz.content)) == plain
    assert len(br.content) < len(plain) / 4
    assert br["Vary"] == gz["Vary"] == "Accept-Encoding"

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from articles.models import Article
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    FAQFactory,
    RelatedPickFactory,
    SectionFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)
CALLOUTS = """Opening paragraph.

## The details

:::takeaway
Remember this.
:::

:::didyouknow
A curious fact.
:::

:::expert Dr. Ada Field | Valley University
A wise quote.
:::

:::tip
Do this next.
:::
"""


def html(response):
    return response.content.decode()


def unpublished_articles():
    return [
        ArticleFactory(draft=True, slug="a-draft"),
        ArticleFactory(status=Article.Status.IN_REVIEW, published_at=None, slug="in-review"),
        ArticleFactory(published_at=timezone.now() + datetime.timedelta(days=1), slug="scheduled"),
    ]


# Home


def test_home_shows_the_newest_article_as_lead_then_latest_then_section_blocks(client):
    news = SectionFactory(name="News", slug="news", position=1)
    culture = SectionFactory(name="Culture", slug="culture", position=2)
    city = SectionFactory(name="City", slug="city", parent=news)
    hour = datetime.timedelta(hours=1)
    for n in range(10):
        section = [culture, city][n % 2]
        ArticleFactory(title=f"Older {n}", section=section, published_at=NOW - hour)
    lead = ArticleFactory(title="The lead story", section=news, published_at=NOW)
    with time_machine.travel(NOW + hour, tick=False):
        page = html(client.get("/"))
    lead_title = page.index('class="lead-title"')
    assert page.index(lead.title) > lead_title
    assert page.index('id="latest-heading"') > lead_title
    assert page.index('id="section-news-heading"') < page.index('id="section-culture-heading"')
    culture_block = page[page.index('id="section-culture-heading"') :]
    # Each section shows its newest four, even those already listed under "Latest".
    assert [f"Older {n}" in culture_block for n in (8, 6, 4, 2, 0)] == [True] * 4 + [False]
    assert "Older 0<" not in page
    assert page.count("<h1") == 1


def test_home_lists_only_published_articles(client):
    unpublished = unpublished_articles()
    ArticleFactory(title="Visible story")
    page = html(client.get("/"))
    assert "Visible story" in page
    assert not any(article.title in page for article in unpublished)


def test_home_works_with_no_articles_at_all(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "No stories have been published yet" in html(response)


def test_navigation_lists_the_top_level_sections_only(client):
    SectionFactory(name="Politics Desk", slug="politics", parent=SectionFactory(name="Newsdesk"))
    SectionFactory(name="Sport Pages", slug="sport")
    nav = html(client.get("/")).split('class="site-nav"')[1].split("</nav>")[0]
    assert 'href="/section/sport/"' in nav
    assert "Newsdesk" in nav
    assert "Politics Desk" not in nav


# Article page


def test_article_page_shows_headline_dek_byline_with_job_titles_in_byline_order(client):
    first = AuthorFactory(name="Zoe Zimmer", slug="zoe", job_title="Senior News Editor")
    second = AuthorFactory(name="Adam Abel", slug="adam", job_title="Data Reporter")
    ArticleFactory(
        slug="budget", title="Budget passes", dek="The short of it.", authors=[first, second]
    )
    page = html(client.get("/articles/budget/"))
    assert "<h1" in page and "Budget passes" in page and "The short of it." in page
    byline = page.split('class="byline"')[1].split("</p>")[0]
    assert byline.index("Zoe Zimmer") < byline.index("Adam Abel")
    assert 'href="/author/zoe/"' in byline and "Senior News Editor" in byline
    assert "Data Reporter" in byline


def test_article_page_shows_the_breadcrumb_down_to_the_subsection(client):
    news = SectionFactory(name="News", slug="news")
    ArticleFactory(
        slug="story", section=SectionFactory(name="Politics", slug="politics", parent=news)
    )
    crumb = html(client.get("/articles/story/")).split('class="breadcrumb"')[1].split("</nav>")[0]
    assert re.findall(r'href="([^"]+)"', crumb) == ["/", "/section/news/", "/section/politics/"]


def test_article_page_renders_the_four_callouts_with_visible_labels(client):
    ArticleFactory(slug="callouts", body=CALLOUTS)
    page = html(client.get("/articles/callouts/"))
    for kind, label in [
        ("takeaway", "Key Takeaway"),
        ("didyouknow", "Did you know?"),
        ("expert", "Expert Insight"),
        ("tip", "Pro Tip"),
    ]:
        assert f'<aside class="callout callout-{kind}"' in page
        assert label in page
    assert "<cite>Dr. Ada Field</cite>, Valley University" in page


def test_article_page_shows_publish_and_updated_dates_only_when_updated(client):
    with time_machine.travel(NOW, tick=False):
        article = ArticleFactory(slug="dated", published_at=NOW - datetime.timedelta(days=1))
        assert "Updated" not in html(client.get("/articles/dated/"))
        article.body = "A corrected body."
        article.save()
        page = html(client.get("/articles/dated/"))
    assert 'datetime="2026-11-20T12:00:00+0000"' in page
    assert "Updated" in page


def test_article_page_shows_the_featured_image_with_alt_text_and_caption(client):
    ArticleFactory(
        slug="pictured",
        image="articles/2026/ferry.jpg",
        image_alt="The ferry at the landing",
        image_caption="The ferry, photographed in March.",
    )
    page = html(client.get("/articles/pictured/"))
    assert 'src="/media/articles/2026/ferry.jpg" alt="The ferry at the landing"' in page
    assert "<figcaption>The ferry, photographed in March.</figcaption>" in page


def test_article_page_without_image_has_no_figure(client):
    ArticleFactory(slug="plain")
    assert "<figure" not in html(client.get("/articles/plain/"))


def test_article_page_invites_comments_with_the_closing_question(client):
    ArticleFactory(slug="asks", closing_question="Would you ride the new ferry?")
    page = html(client.get("/articles/asks/"))
    question = page.split('class="closing-question"')[1].split("</section>")[0]
    assert "Would you ride the new ferry?" in question
    assert 'href="#comments"' in question
    assert 'id="comments"' in page


def test_article_page_lists_faqs_in_editor_order(client):
    article = ArticleFactory(slug="faq")
    FAQFactory(article=article, question="Second?", position=2)
    FAQFactory(article=article, question="First?", position=1)
    page = html(client.get("/articles/faq/"))
    assert "Frequently Asked Questions" in page
    assert page.index("First?") < page.index("Second?")


def test_you_may_also_like_puts_editor_picks_first_then_same_section_newest(client):
    section = SectionFactory()
    article = ArticleFactory(slug="main", section=section)
    ArticleFactory(title="Same section older", section=section, published_at=NOW)
    ArticleFactory(title="Same section newer", section=section)
    RelatedPickFactory(article=article, related=ArticleFactory(title="Editor pick"))
    RelatedPickFactory(article=article, related=ArticleFactory(title="Draft pick", draft=True))
    ArticleFactory(title="Unrelated story")
    related = html(client.get("/articles/main/")).split('id="related-heading"')[1]
    titles = re.findall(r'class="card-title"><a href="[^"]+">([^<]+)</a>', related)
    assert titles == ["Editor pick", "Same section newer", "Same section older"]


def test_you_may_also_like_includes_articles_sharing_a_tag(client):
    tag = TagFactory()
    ArticleFactory(slug="main", tags=[tag])
    ArticleFactory(title="Shares a tag", tags=[tag])
    assert "Shares a tag" in html(client.get("/articles/main/"))


def test_you_may_also_like_stops_at_the_configured_count(client, settings):
    settings.RELATED_ARTICLES_COUNT = 2
    section = SectionFactory()
    article = ArticleFactory(section=section)
    ArticleFactory.create_batch(4, section=section)
    assert len(article.related_articles()) == 2


@pytest.mark.parametrize("slug", ["a-draft", "in-review", "scheduled", "never-existed"])
def test_unpublished_or_unknown_articles_are_a_friendly_404(client, slug):
    unpublished_articles()
    response = client.get(f"/articles/{slug}/")
    assert response.status_code == 404
    assert "We couldn’t find that page" in html(response)


def test_a_scheduled_article_appears_when_its_time_comes(client):
    with time_machine.travel(NOW, tick=False):
        ArticleFactory(
            slug="later", title="Later story", published_at=NOW + datetime.timedelta(hours=1)
        )
        assert client.get("/articles/later/").status_code == 404
        assert "Later story" not in html(client.get("/"))
    with time_machine.travel(NOW + datetime.timedelta(hours=1, minutes=1), tick=False):
        assert client.get("/articles/later/").status_code == 200
        assert "Later story" in html(client.get("/"))


def test_an_old_slug_redirects_permanently_to_the_new_address(client):
    article = ArticleFactory(slug="old-name")
    article.slug = "new-name"
    article.save()
    response = client.get("/articles/old-name/")
    assert response.status_code == 301
    assert response["Location"] == "/articles/new-name/"


def test_an_old_slug_of_an_unpublished_article_is_a_404(client):
    article = ArticleFactory(slug="old-name")
    article.slug = "new-name"
    article.save()
    article.unpublish()
    assert client.get("/articles/old-name/").status_code == 404


# Section, author and tag pages


def test_section_page_includes_subsection_articles_and_links_subsections(client):
    news = SectionFactory(name="News", slug="news")
    city = SectionFactory(name="City", slug="city", parent=news)
    ArticleFactory(title="Top-level story", section=news)
    ArticleFactory(title="City story", section=city)
    ArticleFactory(title="Elsewhere story")
    page = html(client.get("/section/news/"))
    assert "Top-level story" in page and "City story" in page
    assert "Elsewhere story" not in page
    assert 'href="/section/city/"' in page.split('class="subsections"')[1]
    assert 'href="/section/news/rss/"' in page


def test_subsection_page_shows_only_its_own_articles_and_its_parent_in_a_breadcrumb(client):
    news = SectionFactory(name="News", slug="news")
    city = SectionFactory(name="City", slug="city", parent=news)
    ArticleFactory(title="Top-level story", section=news)
    ArticleFactory(title="City story", section=city)
    page = html(client.get("/section/city/"))
    assert "City story" in page and "Top-level story" not in page
    assert 'href="/section/news/"' in page.split('class="breadcrumb"')[1]


def test_author_page_shows_photo_job_title_bio_and_only_their_published_articles(client):
    author = AuthorFactory(
        name="Ines Ito", slug="ines", job_title="Science Writer", bio="Writes about rivers."
    )
    author.photo = "authors/ines.png"
    author.save()
    ArticleFactory(title="Her story", authors=[author])
    ArticleFactory(title="Her draft", authors=[author], draft=True)
    ArticleFactory(title="Someone else's story")
    page = html(client.get("/author/ines/"))
    assert 'src="/media/authors/ines.png"' in page
    assert "Science Writer" in page and "Writes about rivers." in page
    assert "Her story" in page
    assert "Her draft" not in page and "Someone else's story" not in page


def test_tag_page_lists_published_articles_with_that_tag(client):
    tag = TagFactory(name="Ferries", slug="ferries")
    ArticleFactory(title="Tagged story", tags=[tag])
    ArticleFactory(title="Tagged draft", tags=[tag], draft=True)
    ArticleFactory(title="Untagged story")
    page = html(client.get("/tag/ferries/"))
    assert "<h1>Ferries</h1>" in page
    assert "Tagged story" in page
    assert "Tagged draft" not in page and "Untagged story" not in page


@pytest.mark.parametrize("url", ["/section/nope/", "/author/nope/", "/tag/nope/"])
def test_unknown_section_author_or_tag_is_a_404(client, url):
    assert client.get(url).status_code == 404


def test_listing_pages_are_paginated_with_accessible_links(client, settings):
    settings.ARTICLES_PER_PAGE = 2
    section = SectionFactory(slug="busy")
    for n in range(5):
        ArticleFactory(
            title=f"Story {n}", section=section, published_at=NOW - datetime.timedelta(hours=n)
        )
    with time_machine.travel(NOW, tick=False):
        first = html(client.get("/section/busy/"))
        last = html(client.get("/section/busy/?page=3"))
    assert "Story 0" in first and "Story 2" not in first
    assert "Story 4" in last and "Story 0" not in last
    pagination = first.split('class="pagination"')[1].split("</nav>")[0]
    assert 'aria-current="page"' in pagination and 'rel="next" href="?page=2"' in pagination
    assert client.get("/section/busy/?page=9").status_code == 404


# Preview


def test_anonymous_visitors_are_sent_to_log_in_to_preview(client):
    article = ArticleFactory(draft=True)
    response = client.get(f"/preview/{article.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_readers_without_editing_rights_get_a_404_from_preview(client, reader):
    article = ArticleFactory(draft=True)
    client.force_login(reader)
    assert client.get(f"/preview/{article.pk}/").status_code == 404


def test_reporter_previews_their_own_draft_but_not_someone_elses(client, reporter):
    own = ArticleFactory(draft=True, authors=[reporter.author])
    other = ArticleFactory(draft=True, created_by=UserFactory())
    client.force_login(reporter)
    assert client.get(f"/preview/{own.pk}/").status_code == 200
    assert client.get(f"/preview/{other.pk}/").status_code == 404


def test_senior_editor_previews_any_article_with_banner_and_no_index_no_cache(
    client, senior_editor
):
    article = ArticleFactory(
        status=Article.Status.IN_REVIEW, published_at=None, title="Pending piece"
    )
    client.force_login(senior_editor)
    response = client.get(f"/preview/{article.pk}/")
    page = html(response)
    assert response.status_code == 200
    assert "Pending piece" in page and "Preview — not published" in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert "application/ld+json" not in page


def test_preview_of_a_missing_article_is_a_404(client, senior_editor):
    client.force_login(senior_editor)
    assert client.get("/preview/999999/").status_code == 404


# Site-wide


def test_robots_txt_disallows_admin_and_preview_and_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    body = html(response)
    assert response["Content-Type"].startswith("text/plain")
    assert "Disallow: /admin/" in body and "Disallow: /preview/" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body


def test_unknown_page_is_a_friendly_404_with_the_site_navigation(client):
    SectionFactory(name="Culture", slug="culture")
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert 'href="/section/culture/"' in html(response)
    assert "Go to the front page" in html(response)


def test_500_page_renders_without_a_request_or_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        page = render_to_string("500.html")
    assert "Something went wrong on our side" in page
    assert 'href="/static/css/site.css"' in page


def test_pages_carry_feed_links_canonical_url_and_one_h1(client):
    section = SectionFactory(slug="news")
    ArticleFactory(slug="story", section=section, authors=[AuthorFactory(slug="al")])
    for url in ["/", "/articles/story/", "/section/news/", "/author/al/", "/search/?q=x"]:
        page = html(client.get(url))
        assert 'type="application/rss+xml"' in page and 'href="/feeds/rss/"' in page
        assert page.count("<h1") == 1, url
        assert 'lang="en"' in page and 'href="#main"' in page
    assert f'<link rel="canonical" href="{settings.SITE_URL}/section/news/">' in html(
        client.get("/section/news/")
    )


def test_pages_load_nothing_from_other_hosts_and_script_only_our_own_static_files(client):
    tag = TagFactory(slug="t")
    article = ArticleFactory(slug="story", body=CALLOUTS, tags=[tag], image="articles/x.jpg")
    FAQFactory(article=article)
    urls = ["/", "/articles/story/", f"/section/{article.section.slug}/", "/tag/t/", "/search/"]
    for url in urls:
        page = html(client.get(url))
        # Progressive enhancement only (the comment form works without it): no inline script.
        assert "<script>" not in page
        sources = re.findall(r"<script src=\"([^\"]+)\"", page)
        assert all(src.startswith("/static/js/") for src in sources), sources
        for address in re.findall(r'(?:src|href)="(https?://[^"]+)"', page):
            assert address.startswith((settings.SITE_URL, "http://testserver")), address


def test_the_lead_story_is_not_repeated_in_its_sections_row(client):
    news = SectionFactory(name="News", slug="news", position=1)
    hour = datetime.timedelta(hours=1)
    for n in range(5):
        ArticleFactory(title=f"News {n}", section=news, published_at=NOW - (n + 1) * hour)
    ArticleFactory(title="The lead story", section=news, published_at=NOW)
    with time_machine.travel(NOW + hour, tick=False):
        page = html(client.get("/"))

    news_block = page[page.index('id="section-news-heading"') :]
    assert "The lead story" not in news_block
    assert [f"News {n}<" in news_block for n in range(5)] == [True] * 4 + [False]


def test_navigation_marks_the_section_being_read(client):
    SectionFactory(name="Sport Pages", slug="sport")
    SectionFactory(name="Arts Pages", slug="arts")
    nav = html(client.get("/section/sport/")).split('class="site-nav"')[1].split("</nav>")[0]
    assert '<a href="/section/sport/" aria-current="page">Sport Pages</a>' in nav
    assert '<a href="/section/arts/">Arts Pages</a>' in nav

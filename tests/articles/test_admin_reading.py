"""Who may read what in the article admin and the preview, per role, by direct requests.

Senior editors read everything; reporters read their own work (drafts, history) and what readers
can already see; moderators and plain readers read nothing here. Unpublished text, earlier
revisions and deleted articles never appear in a response the role should not see.
"""

import datetime

import pytest
import reversion
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, Byline
from comments.models import ArticleCommentPolicy
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

ADMIN = "/admin/articles/article/"
SCOOP = "The mayor will resign on Friday, two aides say."
EARLIER = "An allegation the lawyers asked us to take out."
SPIKED = "A story the desk decided never to run."


def saved_twice(first_body, second_body, **fields):
    """An article with two revisions, the latest holding ``second_body``."""
    with reversion.create_revision():
        article = ArticleFactory(body=first_body, **fields)
    with reversion.create_revision():
        article.body = second_body
        article.save()
    return article


def urls(article):
    """Every admin and preview address that shows an article, its history or its first revision."""
    versions = Version.objects.get_for_object(article)  # newest first
    newer, older = versions.first(), versions.last()
    base = f"{ADMIN}{article.pk}"
    return {
        "change": f"{base}/change/",
        "history": f"{base}/history/",
        "revision": f"{base}/history/{older.pk}/",
        "compare": f"{base}/history/compare/?from={older.pk}&to={newer.pk}",
        "preview": f"/preview/{article.pk}/",
    }


@pytest.fixture
def others_draft(db):
    """A colleague's draft: not the reporter's persona, nor published."""
    return saved_twice("Rumours about the mayor.", SCOOP, draft=True, title="Mayor to resign")


@pytest.fixture
def deleted_version(db):
    with reversion.create_revision():
        article = ArticleFactory(draft=True, title="Spiked investigation", body=SPIKED)
    version = Version.objects.get_for_object(article).get()
    article.delete()
    return version


def recover_urls(version):
    return {"recover list": f"{ADMIN}recover/", "recover": f"{ADMIN}recover/{version.pk}/"}


def statuses(client, addresses, *secrets):
    """Each address's status code; and no secret in any response, whatever its status."""
    found = {}
    for name, url in addresses.items():
        response = client.get(url)
        html = response.content.decode()
        assert not [s for s in secrets if s in html], f"{name} ({url}) shows hidden text"
        found[name] = response.status_code
    return found


def test_a_senior_editor_reads_every_draft_its_history_and_the_deleted_articles(
    client, senior_editor, others_draft, deleted_version
):
    client.force_login(senior_editor)

    found = statuses(client, urls(others_draft) | recover_urls(deleted_version))

    assert set(found.values()) == {200}
    assert SCOOP in client.get(urls(others_draft)["change"]).content.decode()
    assert "Spiked investigation" in client.get(f"{ADMIN}recover/").content.decode()
    assert SPIKED in client.get(f"{ADMIN}recover/{deleted_version.pk}/").content.decode()


def test_a_reporter_finds_no_trace_of_a_colleagues_draft(client, reporter, others_draft):
    client.force_login(reporter)

    found = statuses(client, urls(others_draft), SCOOP, "Rumours about the mayor.")
    listing = client.get(ADMIN, {"q": "mayor"}).content.decode()

    # The admin answers as for an article that does not exist: back to the index (the admin's
    # own pages) or not found (the compare view, like any id it cannot find).
    assert found == {"change": 302, "history": 302, "revision": 302, "compare": 404,
                     "preview": 404}  # fmt: skip
    assert "Mayor to resign" not in listing
    assert "Mayor to resign" not in client.get(ADMIN).content.decode()


def test_a_reporter_reads_their_own_draft_its_history_and_preview(client, reporter):
    own = saved_twice("A first go.", SCOOP, draft=True, authors=[reporter.author])
    client.force_login(reporter)

    found = statuses(client, urls(own))

    assert set(found.values()) == {200}
    assert SCOOP in client.get(urls(own)["preview"]).content.decode()
    assert own.title in client.get(ADMIN).content.decode()


def test_a_reporter_who_created_an_article_reads_it_without_being_on_the_byline(client, reporter):
    own = saved_twice("A first go.", SCOOP, draft=True, created_by=reporter)
    client.force_login(reporter)

    assert set(statuses(client, urls(own)).values()) == {200}


def test_a_reporter_added_to_the_byline_later_reads_the_revisions_from_before(client, reporter):
    shared = saved_twice("A colleague's first go.", SCOOP, draft=True)
    with reversion.create_revision():
        Byline.objects.create(article=shared, author=reporter.author, position=1)
        shared.save()
    client.force_login(reporter)

    response = client.get(urls(shared)["revision"])

    assert response.status_code == 200
    assert "A colleague&#x27;s first go." in response.content.decode()


def test_a_reporter_reads_a_colleagues_published_article_but_not_its_earlier_revisions(
    client, reporter
):
    published = saved_twice(EARLIER, "The corrected, published text.")
    client.force_login(reporter)

    found = statuses(client, urls(published), EARLIER)
    change = client.get(urls(published)["change"]).content.decode()

    assert found == {"change": 200, "history": 403, "revision": 403, "compare": 403,
                     "preview": 404}  # fmt: skip
    assert "The corrected, published text." in change
    assert f"{ADMIN}{published.pk}/history/" not in change  # no link to what is refused
    assert published.title in client.get(ADMIN).content.decode()


def test_a_reporter_does_not_see_a_colleagues_scheduled_article(client, reporter):
    monday = timezone.now() + datetime.timedelta(days=3)
    scheduled = saved_twice(
        "Embargoed.", SCOOP, title="Embargoed until Monday", published_at=monday
    )
    client.force_login(reporter)

    found = statuses(client, urls(scheduled), SCOOP)

    assert found["change"] == 302
    assert "Embargoed until Monday" not in client.get(ADMIN).content.decode()


def test_a_reporter_neither_lists_nor_recovers_deleted_articles(client, reporter, deleted_version):
    client.force_login(reporter)

    found = statuses(client, recover_urls(deleted_version), SPIKED, "Spiked investigation")

    assert found == {"recover list": 403, "recover": 403}
    assert f"{ADMIN}recover/" not in client.get(ADMIN).content.decode()


def test_a_senior_editor_is_offered_the_recover_list(client, senior_editor):
    client.force_login(senior_editor)

    assert f'href="{ADMIN}recover/"' in client.get(ADMIN).content.decode()


def test_a_moderator_opens_nothing_of_the_article_admin_nor_a_preview(
    client, moderator, others_draft, deleted_version
):
    published = saved_twice(EARLIER, "The corrected, published text.")
    client.force_login(moderator)
    addresses = urls(others_draft) | recover_urls(deleted_version) | {"list": ADMIN}
    secrets = SCOOP, SPIKED, EARLIER, "Mayor to resign", "Spiked investigation"

    found = statuses(client, addresses, *secrets)
    published_found = statuses(client, urls(published), EARLIER)

    assert found == {"change": 403, "history": 403, "revision": 403, "compare": 403,
                     "preview": 404, "recover list": 403, "recover": 403, "list": 403}  # fmt: skip
    assert published_found == {"change": 403, "history": 403, "revision": 403,
                               "compare": 403, "preview": 404}  # fmt: skip


@pytest.mark.parametrize("staff", [False, True], ids=["reader", "staff without a role"])
def test_users_without_a_role_are_sent_away_from_every_address(
    client, staff, others_draft, deleted_version
):
    client.force_login(UserFactory(is_staff=staff))
    addresses = urls(others_draft) | recover_urls(deleted_version) | {"list": ADMIN}

    found = statuses(client, addresses, SCOOP, SPIKED, "Mayor to resign")

    refused = 403 if staff else 302  # the admin sends non-staff to its log-in page
    assert found.pop("preview") == 404
    assert set(found.values()) == {refused}


def test_the_view_on_site_redirect_names_a_draft_only_to_those_who_may_read_it(
    client, moderator, reporter, senior_editor, others_draft
):
    # The redirect's Location is the draft's address, and so its slug (its headline, often).
    get_type = ContentType.objects.get_for_model
    types = [get_type(Article), get_type(ArticleCommentPolicy, for_concrete_model=False)]
    found = []
    for user in (moderator, reporter, senior_editor):
        client.force_login(user)
        for content_type in types:
            response = client.get(f"/admin/r/{content_type.pk}/{others_draft.pk}/")
            if response.status_code != 302:
                assert others_draft.slug not in response.content.decode()
            found.append(response.status_code)

    assert found == [404, 404, 404, 404, 302, 302]

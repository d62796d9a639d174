import pytest
from django.contrib.auth.models import Group

from articles.models import Article, Author, Byline, Section, Tag
from articles.roles import REPORTER, SENIOR_EDITOR, ensure_editorial_roles
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/articles/article/add/"
LIST_URL = "/admin/articles/article/"


def article_form(section, author, **fields):
    data = {
        "title": "Night buses return to the east side",
        "slug": "night-buses-return",
        "dek": "",
        "body": "The first route starts on Monday.\n\n## Timetable\n\nEvery 30 minutes.",
        "closing_question": "",
        "section": section.pk,
        "image_alt": "",
        "image_caption": "",
        "status": "draft",
        "comment_policy": "open",
        "meta_description": "",
        "bylines-TOTAL_FORMS": "1",
        "bylines-INITIAL_FORMS": "0",
        "bylines-0-author": author.pk,
        "bylines-0-position": "0",
        "faqs-TOTAL_FORMS": "1",
        "faqs-INITIAL_FORMS": "0",
        "faqs-0-question": "When does it start?",
        "faqs-0-answer": "On **Monday**.",
        "faqs-0-position": "0",
        "picks-TOTAL_FORMS": "0",
        "picks-INITIAL_FORMS": "0",
    }
    return data | fields


def change_form(article, **fields):
    byline = article.bylines.get()
    data = article_form(
        article.section,
        byline.author,
        title=article.title,
        slug=article.slug,
        body=article.body,
        status=article.status,
        **{
            "bylines-INITIAL_FORMS": "1",
            "bylines-0-id": byline.pk,
            "bylines-0-article": article.pk,
        },
    )
    data |= {"faqs-TOTAL_FORMS": "0"}
    return data | fields


def test_roles_exist_with_their_permissions_and_setup_is_idempotent():
    ensure_editorial_roles()
    ensure_editorial_roles()
    reporter = Group.objects.get(name=REPORTER)
    editor = Group.objects.get(name=SENIOR_EDITOR)
    reporter_perms = set(reporter.permissions.values_list("codename", flat=True))
    assert {"add_article", "change_article"} <= reporter_perms
    assert "publish_article" not in reporter_perms
    assert "delete_article" not in reporter_perms
    assert "publish_article" in set(editor.permissions.values_list("codename", flat=True))
    assert Group.objects.filter(name__in=[REPORTER, SENIOR_EDITOR]).count() == 2


def test_reporter_writes_a_draft_with_faq_and_becomes_its_creator(client, reporter):
    client.force_login(reporter)
    section = SectionFactory()
    response = client.post(ADD_URL, article_form(section, reporter.author))
    assert response.status_code == 302
    article = Article.objects.get(slug="night-buses-return")
    assert article.status == Article.Status.DRAFT
    assert article.created_by == reporter
    assert list(article.faqs.values_list("answer_html", flat=True)) == [
        "<p>On <strong>Monday</strong>.</p>"
    ]


def test_reporter_is_not_offered_the_published_status(client, reporter):
    client.force_login(reporter)
    html = client.get(ADD_URL).content.decode()
    assert 'value="in_review"' in html
    assert 'value="published"' not in html


def test_reporter_cannot_publish_through_the_form(client, reporter):
    client.force_login(reporter)
    section = SectionFactory()
    response = client.post(ADD_URL, article_form(section, reporter.author, status="published"))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Article.objects.exists()


def test_reporter_cannot_publish_own_draft_by_editing_it(client, reporter):
    article = ArticleFactory(draft=True, authors=[reporter.author])
    client.force_login(reporter)
    url = f"/admin/articles/article/{article.pk}/change/"
    response = client.post(url, change_form(article, status="published"))
    assert response.status_code == 200
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_reporter_cannot_publish_through_the_action(client, reporter):
    article = ArticleFactory(draft=True, authors=[reporter.author])
    client.force_login(reporter)
    page = client.get(LIST_URL).content.decode()
    assert 'value="publish"' not in page
    assert 'value="submit_for_review"' in page
    client.post(LIST_URL, {"action": "publish", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_reporter_submits_own_draft_for_review_by_action(client, reporter):
    article = ArticleFactory(draft=True, authors=[reporter.author])
    client.force_login(reporter)
    response = client.post(
        LIST_URL, {"action": "submit_for_review", "_selected_action": [article.pk]}, follow=True
    )
    assert "1 article submitted for review." in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.IN_REVIEW


def test_reporter_cannot_edit_others_drafts_or_own_published_articles(client, reporter):
    others = ArticleFactory(draft=True)
    own_published = ArticleFactory(authors=[reporter.author])
    client.force_login(reporter)
    # Someone else's draft is not even found; their own published article is read-only.
    for article, refused in ((others, 302), (own_published, 403)):
        url = f"/admin/articles/article/{article.pk}/change/"
        response = client.post(url, change_form(article, title="Changed by reporter"))
        assert response.status_code == refused
        article.refresh_from_db()
        assert article.title != "Changed by reporter"


def test_reporter_edits_own_draft(client, reporter):
    article = ArticleFactory(draft=True, authors=[reporter.author])
    client.force_login(reporter)
    url = f"/admin/articles/article/{article.pk}/change/"
    response = client.post(url, change_form(article, title="Sharper headline"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Sharper headline"


def test_reporter_cannot_delete_articles(client, reporter):
    article = ArticleFactory(draft=True, authors=[reporter.author])
    client.force_login(reporter)
    response = client.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Article.objects.filter(pk=article.pk).exists()


def test_senior_editor_publishes_and_unpublishes_by_action(client, senior_editor):
    articles = [ArticleFactory(draft=True), ArticleFactory(status=Article.Status.IN_REVIEW)]
    client.force_login(senior_editor)
    ids = [a.pk for a in articles]
    response = client.post(LIST_URL, {"action": "publish", "_selected_action": ids}, follow=True)
    assert "2 articles published." in response.content.decode()
    assert Article.objects.published().count() == 2
    client.post(LIST_URL, {"action": "unpublish", "_selected_action": ids[:1]})
    assert list(Article.objects.published()) == [articles[1]]


def test_senior_editor_publishes_through_the_form_and_publish_time_is_set(client, senior_editor):
    article = ArticleFactory(draft=True)
    client.force_login(senior_editor)
    url = f"/admin/articles/article/{article.pk}/change/"
    response = client.post(url, change_form(article, status="published"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_published()


def test_senior_editor_schedules_with_a_future_time(client, senior_editor):
    article = ArticleFactory(draft=True)
    client.force_login(senior_editor)
    url = f"/admin/articles/article/{article.pk}/change/"
    data = change_form(
        article, status="published", published_at_0="2099-01-01", published_at_1="08:00:00"
    )
    assert client.post(url, data).status_code == 302
    article.refresh_from_db()
    assert article.is_scheduled()
    assert "Scheduled" in client.get(LIST_URL).content.decode()


def test_new_article_gets_the_writer_as_author_when_no_byline_given(client, senior_editor):
    client.force_login(senior_editor)
    data = article_form(SectionFactory(), senior_editor.author)
    data |= {"bylines-TOTAL_FORMS": "0", "bylines-0-author": ""}
    client.post(ADD_URL, data)
    article = Article.objects.get()
    assert list(article.authors.all()) == [senior_editor.author]


def test_moderator_may_not_open_write_or_publish_articles(client, moderator):
    article = ArticleFactory(draft=True)
    client.force_login(moderator)
    assert client.get(LIST_URL).status_code == 403
    assert client.get(ADD_URL).status_code == 403
    client.post(LIST_URL, {"action": "publish", "_selected_action": [article.pk]})
    response = client.post(f"/admin/articles/article/{article.pk}/change/", change_form(article))
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_list_shows_a_preview_link_for_drafts(client, senior_editor):
    article = ArticleFactory(draft=True)
    client.force_login(senior_editor)
    assert f'href="/preview/{article.pk}/"' in client.get(LIST_URL).content.decode()


def test_list_filters_by_status_section_and_author(client, senior_editor):
    author = AuthorFactory(name="Filtered Writer")
    wanted = ArticleFactory(draft=True, authors=[author], title="Wanted story")
    ArticleFactory(title="Other story")
    client.force_login(senior_editor)
    html = client.get(LIST_URL, {"status__exact": "draft", "authors__id__exact": author.pk})
    html = html.content.decode()
    assert wanted.title in html
    assert "Other story" not in html


def test_each_save_keeps_a_revision_that_can_be_restored(client, senior_editor):
    client.force_login(senior_editor)
    client.post(ADD_URL, article_form(SectionFactory(), senior_editor.author))
    article = Article.objects.get()
    url = f"/admin/articles/article/{article.pk}/change/"
    client.post(url, change_form(article, title="Second headline"))
    history = client.get(f"/admin/articles/article/{article.pk}/history/").content.decode()
    from reversion.models import Version

    versions = Version.objects.get_for_object(article)
    assert versions.count() == 2
    first = versions.last()
    assert f"/admin/articles/article/{article.pk}/history/{first.pk}/" in history
    response = client.post(
        f"/admin/articles/article/{article.pk}/history/{first.pk}/",
        change_form(article, title="Night buses return to the east side"),
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Night buses return to the east side"
    assert Byline.objects.filter(article=article).count() == 1


def test_editor_compares_two_revisions_line_by_line(client, senior_editor):
    client.force_login(senior_editor)
    client.post(ADD_URL, article_form(SectionFactory(), senior_editor.author))
    article = Article.objects.get()
    url = f"/admin/articles/article/{article.pk}/change/"
    client.post(url, change_form(article, body="The first route starts on Tuesday."))
    from reversion.models import Version

    newer, older = Version.objects.get_for_object(article)
    history = client.get(f"/admin/articles/article/{article.pk}/history/").content.decode()
    assert f'name="from" value="{older.pk}"' in history
    response = client.get(
        f"/admin/articles/article/{article.pk}/history/compare/",
        {"from": older.pk, "to": newer.pk},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<span class="diff-removed">-The first route starts on Monday.</span>' in html
    assert '<span class="diff-added">+The first route starts on Tuesday.</span>' in html
    assert "Headline" not in html  # unchanged fields are not listed


def test_staff_without_article_permissions_cannot_compare_revisions(client):
    article = ArticleFactory(draft=True)
    client.force_login(UserFactory(is_staff=True))
    response = client.get(
        f"/admin/articles/article/{article.pk}/history/compare/", {"from": 1, "to": 2}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "query", ["", "from=x&to=y", "from=1", "from=1&to=2%C2%B2", "from=-1&to=1"]
)
def test_comparing_without_two_revision_ids_says_to_choose_two(client, senior_editor, query):
    article = ArticleFactory()
    client.force_login(senior_editor)

    response = client.get(f"/admin/articles/article/{article.pk}/history/compare/?{query}")

    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose two revisions to compare, one in each column." in html
    assert '<a href="../">' in html


@pytest.mark.parametrize("object_id", ["abc", "1.5", "99999999999999999999999"])
def test_comparing_revisions_of_an_article_id_that_cannot_exist_is_not_found(
    client, senior_editor, object_id
):
    client.force_login(senior_editor)

    response = client.get(f"/admin/articles/article/{object_id}/history/compare/?from=1&to=2")

    assert response.status_code == 404


def test_comparing_a_revision_that_does_not_exist_is_not_found(client, senior_editor):
    article = ArticleFactory()
    client.force_login(senior_editor)

    response = client.get(
        f"/admin/articles/article/{article.pk}/history/compare/",
        {"from": 99999999999999999999999, "to": 1},
    )

    assert response.status_code == 404


def test_senior_editor_manages_authors_sections_and_tags_but_reporter_does_not(
    client, senior_editor, reporter
):
    forms = {
        "/admin/articles/author/add/": {"name": "Noor Haddad", "slug": "noor-haddad"},
        "/admin/articles/section/add/": {"name": "Health", "slug": "health", "position": "3"},
        "/admin/articles/tag/add/": {"name": "Transit", "slug": "transit"},
    }
    client.force_login(reporter)
    for url, data in forms.items():
        assert client.post(url, data).status_code == 403
    client.force_login(senior_editor)
    for url, data in forms.items():
        assert client.post(url, data).status_code == 302
    assert Author.objects.filter(slug="noor-haddad").exists()
    assert Section.objects.filter(slug="health").exists()
    assert Tag.objects.filter(slug="transit").exists()


def test_sections_nest_only_one_level(client, senior_editor):
    news = SectionFactory(name="News")
    politics = SectionFactory(name="Politics", parent=news)
    client.force_login(senior_editor)
    response = client.post(
        "/admin/articles/section/add/",
        {"name": "Elections", "slug": "elections", "parent": politics.pk, "position": "0"},
    )
    assert "Choose a top-level section as the parent." in response.content.decode()
    assert not Section.objects.filter(slug="elections").exists()


def test_restoring_a_revision_keeps_every_address_that_was_live_redirecting(client, senior_editor):
    from reversion.models import Version

    article = ArticleFactory(slug="first-address", authors=[senior_editor.author])
    client.force_login(senior_editor)
    url = f"/admin/articles/article/{article.pk}/change/"
    client.post(url, change_form(article, title="Same story"))
    article.refresh_from_db()
    client.post(url, change_form(article, slug="second-address"))
    first = Version.objects.get_for_object(article).last()
    article.refresh_from_db()

    restored = client.post(
        f"/admin/articles/article/{article.pk}/history/{first.pk}/",
        change_form(article, slug="first-address"),
    )

    assert restored.status_code == 302
    client.logout()
    assert client.get("/articles/first-address/").status_code == 200
    moved = client.get("/articles/second-address/")
    assert (moved.status_code, moved["Location"]) == (301, "/articles/first-address/")


def test_the_comparison_names_values_shows_faqs_tags_bylines_and_seconds_without_markers(
    client, senior_editor
):
    from reversion.models import Version

    client.force_login(senior_editor)
    section = SectionFactory()
    client.post(
        ADD_URL,
        article_form(
            section,
            senior_editor.author,
            body=(
                body := "\n\n".join(["One.", "Two.", "Three.", "Four.", "Five.", "Six.", "Seven."])
            ),
        ),
    )
    article = Article.objects.get()
    other = AuthorFactory(name="Second Writer")
    url = f"/admin/articles/article/{article.pk}/change/"
    client.post(url, change_form(
        article, body=body.replace("One.", "One, changed.").replace("Seven.", "Seven, changed."),
        status="in_review", **{"bylines-TOTAL_FORMS": "2", "bylines-1-author": other.pk,
                               "bylines-1-position": "1", "faqs-TOTAL_FORMS": "1",
                               "faqs-0-question": "Is it late?", "faqs-0-answer": "No.",
                               "faqs-0-position": "0"}))  # fmt: skip
    newer, older = Version.objects.get_for_object(article)

    html = client.get(
        f"/admin/articles/article/{article.pk}/history/compare/",
        {"from": older.pk, "to": newer.pk},
    ).content.decode()

    assert '<span class="diff-removed">-Draft</span>' in html
    assert '<span class="diff-added">+In review</span>' in html
    assert '<span class="diff-added">+Second Writer</span>' in html
    assert "Frequently asked questions" in html and "+Is it late?" in html
    assert '<span class="diff-gap">…</span>' in html
    assert "@@" not in html
    assert older.revision.date_created.strftime("%H:%M:%S") in html
    assert '<ol class="breadcrumbs">' in html


@pytest.mark.parametrize("field", ["section", "tags", "bylines-0-author"])
def test_an_autocomplete_sent_a_value_no_row_could_have_gets_the_form_back(
    client, senior_editor, field
):
    section = SectionFactory()
    client.force_login(senior_editor)

    shown = client.get(ADD_URL, {field: "abc"})
    data = article_form(section, senior_editor.author, title="Kept title") | {field: "abc"}
    sent = client.post(ADD_URL, data)

    assert shown.status_code == 200
    assert sent.status_code == 200 and "Kept title" in sent.content.decode()
    assert not Article.objects.exists()

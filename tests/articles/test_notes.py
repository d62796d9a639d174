"""Corrections and updates in the admin: who proposes, who publishes, and that nothing is lost."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from reversion.models import Version

from articles.models import Article, ArticleNote
from articles.roles import REPORTER, SENIOR_EDITOR
from tests.comments.test_concurrency import at_once
from tests.factories import ArticleFactory, ArticleNoteFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/articles/articlenote/"
ADD_URL = "/admin/articles/articlenote/add/"


def change_url(note):
    return f"{LIST_URL}{note.pk}/change/"


def note_form(article, **fields):
    data = {
        "article": article.pk,
        "kind": "correction",
        "body": "An earlier version said the bridge closes in May. It closes in **June**.",
    }
    return data | fields


@pytest.fixture
def article():
    return ArticleFactory(slug="bridge", title="The bridge closes for repairs")


def test_the_roles_hold_the_note_rights_they_need_and_nobody_may_delete_a_note():
    reporter = set(Group.objects.get(name=REPORTER).permissions.values_list("codename", flat=True))
    editor = set(
        Group.objects.get(name=SENIOR_EDITOR).permissions.values_list("codename", flat=True)
    )
    assert {"add_articlenote", "change_articlenote", "view_articlenote"} <= reporter
    assert "publish_articlenote" not in reporter
    assert "publish_articlenote" in editor
    assert not any(name == "delete_articlenote" for group in Group.objects.all()
                   for name in group.permissions.values_list("codename", flat=True))  # fmt: skip


def test_a_reporter_proposes_a_correction_which_readers_do_not_see_yet(client, reporter, article):
    client.force_login(reporter)

    response = client.post(ADD_URL, note_form(article))

    assert response.status_code == 302
    note = ArticleNote.objects.get()
    assert (note.status, note.proposed_by, note.published_at) == ("proposed", reporter, None)
    assert "<strong>June</strong>" in note.body_html
    assert "closes in" not in client.get("/articles/bridge/").content.decode()


def test_a_reporter_cannot_publish_a_note_by_the_action(client, reporter, article):
    note = ArticleNoteFactory(article=article, proposed_by=reporter)
    client.force_login(reporter)

    client.post(LIST_URL, {"action": "publish", "_selected_action": [note.pk]})

    note.refresh_from_db()
    assert note.status == ArticleNote.Status.PROPOSED
    assert client.get(LIST_URL).content.decode().count('value="publish"') == 0


def test_a_reporter_cannot_publish_by_posting_a_status(client, reporter, article):
    client.force_login(reporter)

    client.post(ADD_URL, note_form(article, status="published", published_at="2026-01-01"))

    assert ArticleNote.objects.get().status == ArticleNote.Status.PROPOSED


def test_a_reporter_may_rework_their_proposal_but_not_a_published_note(client, reporter, article):
    own = ArticleNoteFactory(article=article, proposed_by=reporter)
    published = ArticleNoteFactory(article=article, proposed_by=reporter, published=True)
    client.force_login(reporter)

    reworked = client.post(change_url(own), note_form(article, body="The bridge reopens in June."))
    refused = client.post(change_url(published), note_form(article, body="Quietly rewritten."))

    assert reworked.status_code == 302
    assert refused.status_code == 403
    own.refresh_from_db(), published.refresh_from_db()
    assert own.body == "The bridge reopens in June."
    assert published.body != "Quietly rewritten."


def test_a_reporter_does_not_see_a_colleagues_proposal(client, reporter, article):
    colleague = UserFactory(username="carla", is_staff=True)
    note = ArticleNoteFactory(article=article, proposed_by=colleague)
    client.force_login(reporter)

    assert client.get(change_url(note)).status_code == 302  # "not found", back to the list
    assert "carla" not in client.get(LIST_URL).content.decode()


def test_a_note_goes_only_on_an_article_readers_can_see(client, senior_editor):
    draft = ArticleFactory(draft=True)
    client.force_login(senior_editor)

    response = client.post(ADD_URL, note_form(draft))

    assert response.status_code == 200
    assert "Notes go on articles readers can already see." in response.content.decode()
    assert not ArticleNote.objects.exists()


def test_a_senior_editor_publishes_a_proposal_and_readers_see_it(
    client, senior_editor, reporter, article
):
    note = ArticleNoteFactory(article=article, proposed_by=reporter)
    client.force_login(senior_editor)

    response = client.post(
        LIST_URL, {"action": "publish", "_selected_action": [note.pk]}, follow=True
    )

    assert "1 note published." in response.content.decode()
    note.refresh_from_db()
    assert (note.status, note.published_by) == ("published", senior_editor)
    article.refresh_from_db()
    assert article.updated_at == note.published_at
    client.logout()
    assert "gave the wrong date for the vote" in client.get("/articles/bridge/").content.decode()


def test_a_senior_editor_declines_a_proposal_which_stays_on_record(client, senior_editor, article):
    note = ArticleNoteFactory(article=article)
    client.force_login(senior_editor)

    client.post(LIST_URL, {"action": "decline", "_selected_action": [note.pk]})

    note.refresh_from_db()
    assert note.status == ArticleNote.Status.DECLINED
    assert "wrong date" not in client.get("/articles/bridge/").content.decode()


@pytest.mark.parametrize("who", ["reporter", "senior_editor", "superuser"])
def test_nobody_deletes_a_published_note(client, request, who, article):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    if who != "superuser":
        user = request.getfixturevalue(who)
    note = ArticleNoteFactory(article=article, published=True)
    client.force_login(user)

    page = client.post(f"{LIST_URL}{note.pk}/delete/", {"post": "yes"})
    bulk = client.post(LIST_URL, {"action": "delete_selected", "_selected_action": [note.pk],
                                  "post": "yes"})  # fmt: skip

    assert page.status_code == 403
    assert bulk.status_code in (200, 302)
    assert ArticleNote.objects.filter(pk=note.pk).exists()


def test_an_article_with_a_note_cannot_be_deleted(client, senior_editor, article):
    ArticleNoteFactory(article=article, published=True)
    client.force_login(senior_editor)

    client.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})

    assert Article.objects.filter(pk=article.pk).exists()


def test_an_amendment_is_dated_and_its_history_shows_who_and_when(
    client, senior_editor, reporter, article
):
    client.force_login(reporter)
    client.post(ADD_URL, note_form(article, body="The vote was on Tuesday."))
    note = ArticleNote.objects.get()
    client.force_login(senior_editor)
    client.post(LIST_URL, {"action": "publish", "_selected_action": [note.pk]})

    client.post(change_url(note), note_form(article, body="The vote was on Wednesday."))

    note.refresh_from_db()
    assert note.amended_at is not None and note.amended_at >= note.published_at
    assert note.status == ArticleNote.Status.PUBLISHED
    history = client.get(f"{LIST_URL}{note.pk}/history/").content.decode()
    assert history.index("Wednesday") < history.index("Tuesday")  # newest first
    assert "rita" in history and "sam" in history
    assert "Published." in history
    page = client.get("/articles/bridge/").content.decode()
    assert "Wednesday" in page and "Tuesday" not in page
    assert "amended" in page


def test_saving_a_published_note_unchanged_does_not_date_an_amendment(
    client, senior_editor, article
):
    client.force_login(senior_editor)
    client.post(ADD_URL, note_form(article))
    note = ArticleNote.objects.get()
    client.post(LIST_URL, {"action": "publish", "_selected_action": [note.pk]})

    response = client.post(change_url(note), note_form(article))

    note.refresh_from_db()
    assert response.status_code == 302
    assert note.amended_at is None
    assert "amended" not in client.get("/articles/bridge/").content.decode()


def test_an_old_revision_is_not_restored_over_a_published_note(client, senior_editor, article):
    client.force_login(senior_editor)
    client.post(ADD_URL, note_form(article, body="First wording."))
    note = ArticleNote.objects.get()
    client.post(LIST_URL, {"action": "publish", "_selected_action": [note.pk]})
    first = Version.objects.get_for_object(note).last()

    response = client.post(f"{LIST_URL}{note.pk}/history/{first.pk}/", note_form(article))

    assert response.status_code == 403
    note.refresh_from_db()
    assert note.status == ArticleNote.Status.PUBLISHED


def test_the_article_admin_lists_its_notes_with_links(client, senior_editor, article):
    note = ArticleNoteFactory(article=article, published=True)
    ArticleNoteFactory(article=article, kind=ArticleNote.Kind.UPDATE)
    client.force_login(senior_editor)

    page = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()

    assert f"/admin/articles/articlenote/{note.pk}/change/" in page
    assert "Correction" in page and "Update" in page and "Proposed" in page
    assert f"/admin/articles/articlenote/add/?article={article.pk}" in page


def test_the_article_admin_lists_a_reporter_only_the_notes_they_may_read(client, reporter, article):
    published = ArticleNoteFactory(article=article, published=True)
    own = ArticleNoteFactory(article=article, proposed_by=reporter)
    colleague = ArticleNoteFactory(article=article, proposed_by=UserFactory(username="carla"))
    client.force_login(reporter)

    page = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()

    for note, shown in [(published, True), (own, True), (colleague, False)]:
        assert (f"/admin/articles/articlenote/{note.pk}/change/" in page) is shown


def test_the_add_link_names_the_article_in_the_form(client, senior_editor, article):
    client.force_login(senior_editor)

    page = client.get(f"{ADD_URL}?article={article.pk}").content.decode()

    assert f'<option value="{article.pk}" selected>' in page


def test_the_note_list_costs_the_same_with_more_notes(
    client, senior_editor, django_assert_max_num_queries
):
    client.force_login(senior_editor)
    ArticleNoteFactory.create_batch(2)
    with django_assert_max_num_queries(12) as few:
        assert client.get(LIST_URL).status_code == 200
    ArticleNoteFactory.create_batch(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(LIST_URL).status_code == 200


def test_the_publish_and_amend_verbs_agree_with_the_querysets(article):
    note = ArticleNoteFactory(article=article)
    assert note.is_proposed() and not note.is_published()
    assert list(ArticleNote.objects.proposed()) == [note]
    note.publish(by=None)
    assert note.is_published() and note.is_on_live_article()
    assert list(ArticleNote.objects.published().on_live_articles()) == [note]
    article.unpublish()
    note.refresh_from_db()
    assert not note.is_on_live_article()
    assert not ArticleNote.objects.published().on_live_articles().exists()


@pytest.mark.django_db(transaction=True)
def test_editors_publishing_one_note_at_once_publish_it_once(senior_editor, reporter):
    article = ArticleFactory(slug="together")
    note = ArticleNoteFactory(article=article, proposed_by=reporter)
    clients = []
    for _ in range(6):
        client = Client()
        client.force_login(senior_editor)
        clients.append(client)

    def press_publish(client):
        data = {"action": "publish", "_selected_action": [note.pk]}
        return lambda: client.post(LIST_URL, data, follow=True).content.decode()

    pages = at_once(*(press_publish(client) for client in clients))

    assert sum("1 note published." in page for page in pages) == 1
    assert sum("0 notes published." in page for page in pages) == len(clients) - 1
    note.refresh_from_db()
    assert note.status == ArticleNote.Status.PUBLISHED
    comments = [v.revision.get_comment() for v in Version.objects.get_for_object(note)]
    assert comments.count("Published.") == 1
    article.refresh_from_db()
    assert article.updated_at == note.published_at


def test_a_published_note_is_not_declined_and_a_declined_one_not_published(article):
    published = ArticleNoteFactory(article=article, published=True)
    declined = ArticleNoteFactory(article=article)
    declined.decline()

    assert published.decline() is False
    assert declined.publish(by=None) is False
    published.refresh_from_db(), declined.refresh_from_db()
    assert (published.status, declined.status) == ("published", "declined")


def test_a_moderator_has_no_way_into_the_notes(client, moderator, article):
    note = ArticleNoteFactory(article=article)
    client.force_login(moderator)

    assert client.get(LIST_URL).status_code == 403
    assert client.post(ADD_URL, note_form(article)).status_code == 403
    assert (
        client.post(LIST_URL, {"action": "publish", "_selected_action": [note.pk]}).status_code
        == 403
    )
    note.refresh_from_db()
    assert note.status == ArticleNote.Status.PROPOSED
    assert ArticleNote.objects.count() == 1


@pytest.mark.parametrize("article_id", ["abc", "1.5", "99999999999999999999"])
def test_a_note_for_an_article_that_cannot_exist_gets_the_form_back(
    client, senior_editor, article_id
):
    client.force_login(senior_editor)

    shown = client.get(ADD_URL, {"article": article_id})
    sent = client.post(ADD_URL, {"article": article_id, "kind": "correction", "body": "Kept."})

    assert shown.status_code == 200
    assert sent.status_code == 200 and "Kept." in sent.content.decode()
    assert not ArticleNote.objects.exists()


@pytest.mark.parametrize("object_id", ["%00", "abc", "999999"])
def test_the_history_of_a_note_that_is_not_there_is_not_found(client, senior_editor, object_id):
    client.force_login(senior_editor)

    response = client.get(f"{LIST_URL}{object_id}/history/")

    assert (response.status_code, response["Location"]) == (302, "/admin/")

"""Moderators scoped to sections see and act on those sections' comments only, everywhere.

Each way in is tried by direct request for another section's comment: the queue and its
counts, the comment's page and its buttons, the commenter's history and "everything from this
commenter", the bulk actions, the reported view, the desk's next comment, decision and undo.
"""

from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils.html import escape

from articles.roles import MODERATOR
from comments import appeals
from comments.models import Appeal, Comment, ModeratorProfile
from tests.comments.conftest import act, approved_comment, held_comment
from tests.factories import ArticleFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/comments/comment/"
DESK = f"{QUEUE}desk/"


@pytest.fixture
def courts(db):
    return SectionFactory(name="Courts", slug="courts")


@pytest.fixture
def trials(courts):
    return SectionFactory(name="Trials", slug="trials", parent=courts)


@pytest.fixture
def culture(db):
    return SectionFactory(name="Culture", slug="culture")


def moderator_of(username, *sections):
    user = UserFactory(username=username, is_staff=True, email=f"{username}@news.example")
    user.groups.add(Group.objects.get(name=MODERATOR))
    profile = ModeratorProfile.objects.create(user=user)
    profile.sections.set(sections)
    return user


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def courts_desk(courts):
    return logged_in(moderator_of("cora", courts))


@pytest.fixture
def site_desk(db):
    return logged_in(moderator_of("sita"))


@pytest.fixture
def mine(trials):
    """A held comment on a trials story: a subsection of courts, so the courts desk's."""
    return held_comment(ArticleFactory(section=trials, title="Jury out"), body="On the trial.")


@pytest.fixture
def theirs(culture):
    return held_comment(ArticleFactory(section=culture, title="Gallery opens"), body="On art.")


def unchanged(comment):
    before = (comment.status, comment.events.count())
    fresh = Comment.objects.get(pk=comment.pk)
    return (fresh.status, fresh.events.count()) == before


def test_the_queue_lists_only_the_moderators_sections_and_counts_only_them(
    courts_desk, mine, theirs
):
    held_comment(theirs.article, body="More on art.")

    html = courts_desk.get(QUEUE).content.decode()

    assert "On the trial." in html
    assert "On art." not in html and "Gallery opens" not in html
    assert "Pending (1)" in html


def test_a_site_wide_moderator_sees_every_section(site_desk, mine, theirs):
    html = site_desk.get(QUEUE).content.decode()
    assert "On the trial." in html and "On art." in html
    assert "Pending (2)" in html


def test_a_moderator_with_no_profile_is_site_wide(client, moderator, mine, theirs):
    client.force_login(moderator)
    html = client.get(QUEUE).content.decode()
    assert "On the trial." in html and "On art." in html


def test_a_search_finds_nothing_of_another_section(courts_desk, mine, theirs):
    html = courts_desk.get(QUEUE, {"q": theirs.email}).content.decode()
    assert "On art." not in html


def test_the_article_filter_offers_only_the_moderators_articles(courts_desk, mine, theirs):
    html = courts_desk.get(QUEUE).content.decode()
    assert "Jury out" in html
    assert "Gallery opens" not in html


def test_another_sections_comment_page_is_not_found(courts_desk, mine, theirs):
    assert courts_desk.get(f"{QUEUE}{mine.pk}/change/").status_code == 200
    response = courts_desk.get(f"{QUEUE}{theirs.pk}/change/", follow=True)
    assert "On art." not in response.content.decode()
    assert courts_desk.get(f"{QUEUE}{theirs.pk}/history/").status_code in (302, 404)


def test_a_direct_post_to_another_sections_comment_button_is_404_and_changes_nothing(
    courts_desk, theirs
):
    response = courts_desk.post(f"{QUEUE}{theirs.pk}/moderate/approve/")
    assert response.status_code == 404
    assert unchanged(theirs)


def test_the_moderators_own_section_comment_button_works(courts_desk, mine):
    response = courts_desk.post(f"{QUEUE}{mine.pk}/moderate/approve/")
    assert response.status_code == 302
    assert Comment.objects.get(pk=mine.pk).is_approved()


def test_editing_another_sections_comment_by_post_changes_nothing(courts_desk, theirs):
    data = {"name": "Changed", "url": "", "body": "Rewritten.", "legal_hold": "on",
            "reports-TOTAL_FORMS": 0, "reports-INITIAL_FORMS": 0}  # fmt: skip
    courts_desk.post(f"{QUEUE}{theirs.pk}/change/", data)
    fresh = Comment.objects.get(pk=theirs.pk)
    assert (fresh.body, fresh.legal_hold) == ("On art.", False)


def test_a_bulk_action_skips_the_comments_of_other_sections(courts_desk, mine, theirs):
    response = act(courts_desk, "approve_selected", mine, theirs)

    assert "1 comment approved." in response.content.decode()
    assert Comment.objects.get(pk=mine.pk).is_approved()
    assert unchanged(theirs)


def test_a_bulk_action_across_all_results_stays_in_the_section(courts_desk, mine, theirs):
    data = {"action": "mark_spam_selected", "_selected_action": [mine.pk], "index": 0,
            "select_across": "1"}  # fmt: skip
    courts_desk.post(QUEUE, data, follow=True)
    assert Comment.objects.get(pk=mine.pk).is_spam()
    assert unchanged(theirs)


def test_everything_from_a_commenter_stays_in_the_moderators_sections(courts_desk, mine, culture):
    same_person = held_comment(
        ArticleFactory(section=culture), email=mine.email, body="Same person, on art."
    )

    response = courts_desk.post(f"{QUEUE}{mine.pk}/commenter/mark_spam/")

    assert response.status_code == 302
    assert Comment.objects.get(pk=mine.pk).is_spam()
    assert unchanged(same_person)
    assert courts_desk.post(f"{QUEUE}{same_person.pk}/commenter/approve/").status_code == 404


def test_the_commenters_history_counts_only_the_moderators_sections(courts_desk, mine, culture):
    for n in range(3):
        approved_comment(ArticleFactory(section=culture), email=mine.email, body=f"Art {n}.")

    html = courts_desk.get(f"{QUEUE}{mine.pk}/change/").content.decode()
    full = logged_in(moderator_of("sita")).get(f"{QUEUE}{mine.pk}/change/").content.decode()

    approved = escape(f"{QUEUE}?{urlencode({'email': mine.email, 'status': 'approved'})}")
    assert f'<a href="{approved}">0</a>' in html
    assert f'<a href="{approved}">3</a>' in full  # the site-wide moderator's counts the art ones
    listing = courts_desk.get(QUEUE, {"email": mine.email, "status": "all"}).content.decode()
    assert "Art 0." not in listing


def test_the_desks_commenter_line_counts_only_the_moderators_sections(courts_desk, mine, culture):
    for n in range(3):
        approved_comment(ArticleFactory(section=culture), email=mine.email, body=f"Art {n}.")

    sita = moderator_of("sita")
    full = desk_commenter(logged_in(sita).get(DESK))
    Comment.objects.filter(pk=mine.pk).release(sita)  # the desk claimed it for her
    line = desk_commenter(courts_desk.get(DESK))

    assert "pending 1 · approved 0" in line
    assert "approved 3" in full


def desk_commenter(response):
    html = response.content.decode()
    start = html.index('id="desk-commenter"')
    return " ".join(html[start : html.index("</dd>", start)].split())


def test_the_reported_view_lists_only_the_moderators_sections(courts_desk, trials, culture):
    ours = approved_comment(ArticleFactory(section=trials), body="Reported trial words.")
    other = approved_comment(ArticleFactory(section=culture), body="Reported art words.")
    for comment in (ours, other):
        comment.report("192.0.2.1", "abuse", "Rude.")

    html = courts_desk.get(QUEUE, {"status": "reported"}).content.decode()
    dismissed = courts_desk.post(f"{QUEUE}{other.pk}/moderate/dismiss_reports/")

    assert "Reported trial words." in html and "Reported art words." not in html
    assert dismissed.status_code == 404
    assert Comment.objects.get(pk=other.pk).reported_at is not None


def test_the_desk_offers_only_the_moderators_sections(courts_desk, mine, theirs):
    html = courts_desk.get(DESK).content.decode()

    assert f'data-comment="{mine.pk}"' in html
    courts_desk.post(f"{DESK}{mine.pk}/decide/", {"decision": "approve", "queue": "pending"})
    html = courts_desk.get(DESK).content.decode()
    assert f'data-comment="{theirs.pk}"' not in html
    assert "Nothing to decide" in html
    assert Comment.objects.get(pk=theirs.pk).claimed_by is None


def test_a_decision_posted_at_the_desk_for_another_section_is_404(courts_desk, theirs):
    for decision in ("approve", "spam", "skip"):
        response = courts_desk.post(
            f"{DESK}{theirs.pk}/decide/",
            {"decision": decision, "queue": "pending", "seen": "pending"},
        )
        assert response.status_code == 404
    assert unchanged(theirs)


def test_the_desk_counts_only_the_moderators_sections(courts_desk, mine, theirs):
    held_comment(theirs.article)
    html = courts_desk.get(DESK).content.decode()
    assert "Held for moderation (1)" in " ".join(html.split())


def test_the_comment_policy_page_lists_only_the_moderators_sections(courts_desk, mine, theirs):
    html = courts_desk.get("/admin/comments/articlecommentpolicy/").content.decode()
    assert "Jury out" in html and "Gallery opens" not in html
    page = f"/admin/comments/articlecommentpolicy/{theirs.article.pk}/change/"
    courts_desk.post(page, {"comment_policy": "closed"})
    assert theirs.article.__class__.objects.get(pk=theirs.article.pk).comment_policy == "section"


def test_a_queryset_and_its_instance_twin_agree(courts, trials, culture, mine, theirs):
    user = moderator_of("cora", courts)
    visible = set(Comment.objects.moderated_by(user).values_list("pk", flat=True))
    for comment in Comment.objects.select_related("article"):
        assert comment.is_moderated_by(user) == (comment.pk in visible)
    assert visible == {mine.pk}


def test_the_scoped_queue_keeps_its_query_budget(courts_desk, mine, django_assert_max_num_queries):
    for _n in range(20):
        held_comment(mine.article)
    courts_desk.get(QUEUE)
    with django_assert_max_num_queries(11):
        assert courts_desk.get(QUEUE).status_code == 200


# Who sets the scopes.


def test_a_superuser_limits_a_moderator_to_sections(courts, culture):
    cora = UserFactory(username="cora", is_staff=True)
    cora.groups.add(Group.objects.get(name=MODERATOR))
    UserFactory(username="reader")  # not a moderator: not offered
    root = logged_in(UserFactory(username="root", is_staff=True, is_superuser=True))

    form = root.get("/admin/comments/moderatorprofile/add/").content.decode()
    response = root.post(
        "/admin/comments/moderatorprofile/add/",
        {"user": cora.pk, "sections": [courts.pk], "digest_minutes": 20},
    )

    assert ">cora</option>" in form and ">reader</option>" not in form
    assert response.status_code == 302
    profile = ModeratorProfile.objects.get(user=cora)
    assert list(profile.sections.all()) == [courts]
    assert profile.digest_minutes == 20
    assert not profile.is_site_wide() and profile.is_digesting()


def test_a_moderator_cannot_change_their_own_scope(courts_desk, courts):
    profile = ModeratorProfile.objects.get(user__username="cora")
    page = f"/admin/comments/moderatorprofile/{profile.pk}/change/"
    assert courts_desk.get(page).status_code == 403
    response = courts_desk.post(
        page, {"user": profile.user_id, "sections": [], "digest_minutes": 0}
    )
    assert response.status_code == 403
    assert list(profile.sections.all()) == [courts]


def test_a_section_moderator_sees_and_decides_only_their_sections_appeals(
    courts_desk, site_desk, mine, theirs, moderator
):
    lodged = {}
    for comment in (mine, theirs):
        comment.remove(by=moderator, reason="abuse")
        comment.refresh_from_db()
        lodged[comment] = Appeal.objects.lodge(appeals.latest_decision(comment), "Fair?")[0]

    listed = courts_desk.get("/admin/comments/appeal/").content.decode()
    refused = courts_desk.post(f"/admin/comments/appeal/{lodged[theirs].pk}/decide/reverse/")
    index = courts_desk.get("/admin/").content.decode()

    assert "On the trial." in listed and "On art." not in listed
    assert refused.status_code == 404
    assert courts_desk.get(f"/admin/comments/appeal/{lodged[theirs].pk}/change/").status_code in (
        302,
        404,
    )
    lodged[theirs].refresh_from_db()
    assert lodged[theirs].is_open() and Comment.objects.get(pk=theirs.pk).is_removed()
    assert "1 appeal" in index
    assert "On art." in site_desk.get("/admin/comments/appeal/").content.decode()

"""Moderation by section in a real browser: a courts moderator's queue shows courts comments
only, and the pages that set section policies and moderators' scopes pass axe-core."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from articles.roles import MODERATOR, SENIOR_EDITOR
from comments.models import Comment, ModeratorProfile
from tests.factories import ArticleFactory, SectionFactory, UserFactory

QUEUE = "/admin/comments/comment/"


@pytest.fixture
def desks(transactional_db):
    courts = SectionFactory(name="Courts", slug="courts")
    culture = SectionFactory(name="Culture", slug="culture")
    cora = UserFactory(username="cora", is_staff=True, email="cora@news.example")
    cora.groups.add(Group.objects.get(name=MODERATOR))
    ModeratorProfile.objects.create(user=cora, digest_minutes=30).sections.set([courts])
    for section, words in ((courts, "the ruling"), (culture, "the exhibition")):
        article = ArticleFactory(section=section, title=f"A story on {words}")
        comment = Comment.objects.create(
            article=article, name="Reader", email=f"{section.slug}@example.net",
            body=f"A remark about {words}.", akismet="disabled",
        )  # fmt: skip
        comment.hold("first_time")
    return courts, culture


def test_a_courts_moderator_sees_only_courts_comments_in_the_queue(
    page, live_server, login, desks, axe_violations
):
    login(page, "cora")
    page.goto(f"{live_server.url}{QUEUE}")

    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("A remark about the ruling.")
    expect(page.get_by_text("A remark about the exhibition.")).to_have_count(0)
    expect(page.locator("#changelist-filter")).not_to_contain_text("Culture")
    expect(page.get_by_role("link", name="Pending (1)")).to_be_visible()
    assert axe_violations(page) == []


def test_the_section_and_moderator_scope_pages_have_no_wcag_22_aa_violations(
    page, live_server, login, desks, axe_violations
):
    courts, _culture = desks
    UserFactory(username="root", is_staff=True, is_superuser=True)
    login(page, "root")
    profile = ModeratorProfile.objects.get()
    for path in (
        "/admin/comments/moderatorprofile/",
        f"/admin/comments/moderatorprofile/{profile.pk}/change/",
        "/admin/comments/moderatorprofile/add/",
        f"/admin/articles/section/{courts.pk}/change/",
    ):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#content")).to_be_visible()
        assert axe_violations(page) == [], path


@pytest.fixture
def courts_story(transactional_db):
    courts = SectionFactory(name="Courts", slug="courts")
    return ArticleFactory(section=courts, title="The appeal is heard")


def test_a_senior_editor_closes_a_section_and_its_stories_stop_taking_comments(
    page, browser, live_server, login, courts_story
):
    senior = UserFactory(username="sam", is_staff=True)
    senior.groups.add(Group.objects.get(name=SENIOR_EDITOR))
    story_url = f"{live_server.url}{courts_story.get_absolute_url()}"
    reader = browser.new_context().new_page()
    reader.goto(story_url)
    expect(reader.get_by_role("button", name="Post comment")).to_be_visible()

    login(page, "sam")
    page.goto(f"{live_server.url}/admin/articles/section/{courts_story.section_id}/change/")
    page.locator("#id_comment_policy").select_option(label="Closed")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    page.goto(f"{live_server.url}/admin/articles/article/{courts_story.pk}/change/")
    expect(page.locator(".policy-in-effect")).to_contain_text("Courts")

    reader.goto(story_url)  # the cached page went stale with the section's change
    expect(reader.get_by_text("Comments are closed on this article.")).to_be_visible()
    expect(reader.get_by_role("button", name="Post comment")).to_have_count(0)

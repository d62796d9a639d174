"""The Comment model: predicates agree with their QuerySet twins; verbs leave an audit trail."""

import datetime

import pytest
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Now
from django.utils import timezone

from comments.models import Comment, CommentEvent, CommentReason, Rule
from comments.models.rows import insert_rows
from tests.comments.conftest import approved_comment
from tests.factories import ArticleFactory, UserFactory


def make(article, **fields):
    return Comment.objects.create(
        article=article, name="Ada", email="ada@example.net", body="Hi.", **fields
    )


@pytest.fixture
def assorted(article):
    """One comment in each state the queue knows about."""
    approved = approved_comment(article)
    held = make(article)
    held.hold("first_time")
    awaiting = make(article)
    awaiting.hold("awaiting_spam_check")
    failed = make(article, akismet="error", next_check_at=timezone.now() + datetime.timedelta(1))
    failed.hold("awaiting_spam_check")
    checked = make(article, akismet="ham")
    checked.hold("first_time")
    spam = make(article)
    spam.mark_spam(blatant=True)
    removed = make(article)
    removed.remove()
    elsewhere = approved_comment(ArticleFactory())
    return [approved, held, awaiting, failed, checked, spam, removed, elsewhere]


@pytest.mark.parametrize(
    ("queryset", "predicate"),
    [
        ("approved", "is_approved"),
        ("pending", "is_pending"),
        ("spam", "is_spam"),
        ("removed", "is_removed"),
        ("awaiting_spam_check", "is_awaiting_spam_check"),
        ("due_for_check", "is_due_for_check"),
        ("awaiting_notification", "is_awaiting_notification"),
    ],
)
def test_every_queryset_method_agrees_with_its_instance_predicate(assorted, queryset, predicate):
    in_set = set(getattr(Comment.objects, queryset)().values_list("pk", flat=True))

    assert in_set == {c.pk for c in assorted if getattr(c, predicate)()}
    assert 0 < len(in_set) < len(assorted)


def test_for_article_agrees_with_is_for_article(assorted, article):
    in_set = set(Comment.objects.for_article(article).values_list("pk", flat=True))

    assert in_set == {c.pk for c in assorted if c.is_for_article(article)}


def test_each_verb_changes_the_status_and_records_who_did_it(article, moderator):
    comment = make(article)

    comment.hold("first_time", by=moderator)
    comment.approve(by=moderator)
    comment.mark_spam(by=moderator)
    comment.remove(by=moderator)

    events = list(comment.events.values_list("kind", "actor", "data__previous"))
    assert events == [
        ("held", moderator.pk, "pending"),
        ("approved", moderator.pk, "pending"),
        ("marked_spam", moderator.pk, "approved"),
        ("removed", moderator.pk, "spam"),
    ]
    assert comment.is_removed()


def test_approving_blatant_spam_clears_the_blatant_flag(article):
    comment = make(article)
    comment.mark_spam(blatant=True)

    comment.approve()

    assert comment.is_approved()
    assert not comment.is_blatant


def test_the_database_refuses_blatant_comments_that_are_not_spam(article):
    with transaction.atomic(), pytest.raises(IntegrityError):
        make(article, is_blatant=True, status="approved")


def test_the_database_refuses_an_unknown_status(article):
    with transaction.atomic(), pytest.raises(IntegrityError):
        make(article, status="published")


def test_the_body_is_rendered_on_save_with_script_neutralised_and_links_marked(article):
    comment = make(article)
    comment.body = (
        "**Bold** <script>alert(1)</script> [site](https://example.org) "
        '<img src=x onerror="alert(2)"> <h1>Big</h1>'
    )
    comment.save()

    html = comment.body_html
    assert "<strong>Bold</strong>" in html
    assert "<script" not in html
    assert "<img" not in html
    assert "onerror" not in html
    assert "<h1>" not in html
    assert '<a href="https://example.org" rel="nofollow ugc noopener">site</a>' in html


def test_one_rule_per_kind_and_value(db):
    Rule.objects.create(kind="hold_word", value="lawsuit")

    with transaction.atomic(), pytest.raises(IntegrityError):
        Rule.objects.create(kind="hold_word", value="lawsuit")


@pytest.mark.parametrize("reason", ["first_time", "awaiting_spam_check", "link_limit"])
def test_with_reason_agrees_with_has_reason_as_the_reasons_change(assorted, article, reason):
    _approved, held, awaiting, *_rest = assorted
    awaiting.record_spam_check("ham", {})
    reloaded = Comment.objects.get(pk=held.pk)
    reloaded.add_reasons("link_limit")
    reloaded.save()
    made = make(article, reasons=["link_limit", "first_time"])

    in_set = set(Comment.objects.with_reason(reason).values_list("pk", flat=True))

    comments = Comment.objects.filter(pk__in=[c.pk for c in [*assorted, made]])
    assert in_set == {c.pk for c in comments if c.has_reason(reason)}
    assert in_set


def test_rows_written_in_one_insert_read_back_as_the_fields_wrote_them(article):
    comment = make(article)
    moderator = UserFactory()
    at = timezone.now() - datetime.timedelta(hours=1)
    events = [
        CommentEvent(comment=comment, kind=CommentEvent.Kind.SUBMITTED,
                     data={"ip": "fd00::1", "matched": ["a", "ü"]}, created_at=at),
        CommentEvent(comment=comment, kind=CommentEvent.Kind.APPROVED, actor=moderator),
    ]  # fmt: skip

    insert_rows(events)

    stored = list(comment.events.values_list("kind", "actor", "data", "created_at"))
    assert stored == [
        ("submitted", None, {"ip": "fd00::1", "matched": ["a", "ü"]}, at),
        ("approved", moderator.pk, {}, events[1].created_at),
    ]


def test_rows_that_break_a_unique_constraint_are_skipped_only_when_asked(article):
    comment = make(article)
    insert_rows([CommentReason(comment=comment, reason="links")])

    insert_rows([CommentReason(comment=comment, reason=r) for r in ("links", "first_time")],
                ignore_conflicts=True)  # fmt: skip

    assert sorted(comment.reason_rows.values_list("reason", flat=True)) == ["first_time", "links"]
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows([CommentReason(comment=comment, reason="links")])


def stored_fields(comment):
    fields = [f.attname for f in Comment._meta.concrete_fields if not f.primary_key]
    return dict(Comment.objects.filter(pk=comment.pk).values(*fields).get())


def refuse(*args):
    raise AssertionError("Django's own INSERT")


def test_a_new_comment_saved_through_the_kept_insert_reads_back_as_django_writes_it(
    article, django_capture_on_commit_callbacks, monkeypatch
):
    """Comment.save() writes a new row with a statement kept per process (QuickInsert): the same
    row as the model's own INSERT, with the same signals (the page's cache tag moves)."""
    parent = make(article)
    fields = dict(name="Ada", email="ada@example.net", body="Line one\r\n\r\nLine *two*",
                  ip="fd00::7", status=Comment.Status.APPROVED, reasons=["link_limit"],
                  akismet_payload={"blog": "x", "ü": [1, 2]}, parent=parent,
                  submitted_at=timezone.now() - datetime.timedelta(minutes=5))  # fmt: skip
    quick = Comment(article=article, **fields)
    with monkeypatch.context() as patch, django_capture_on_commit_callbacks() as page_refreshes:
        patch.setattr(models.Model, "_do_insert", refuse)  # the kept statement, not Django's
        quick.save()
    plain = Comment(article=article, **fields)
    plain._do_insert = lambda *args: models.Model._do_insert(plain, *args)  # Django's own
    plain.save()

    assert quick.pk and plain.pk and quick.pk != plain.pk
    assert stored_fields(quick) == stored_fields(plain)
    assert stored_fields(quick)["body_html"] == "<p>Line one</p>\n<p>Line <em>two</em></p>"
    assert list(quick.reason_rows.values_list("reason", flat=True)) == ["link_limit"]
    assert len(page_refreshes) == 1  # post_save was sent: the article's page goes stale


def test_a_comment_saved_with_an_expression_for_a_value_is_written_by_django(article):
    comment = Comment(article=article, name="Ada", email="ada@example.net", body="Hi.",
                      submitted_at=Now())  # fmt: skip
    comment.save()

    stored = Comment.objects.get(pk=comment.pk)
    assert abs(stored.submitted_at - timezone.now()) < datetime.timedelta(minutes=1)

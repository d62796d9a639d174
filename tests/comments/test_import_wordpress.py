# ruff: noqa: E501 (export snippets read best on one line)
"""manage.py import_wordpress end to end: what a WordPress site becomes here."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.models import (
    Article,
    Author,
    ImportRun,
    Section,
    Tag,
    WordPressAuthor,
    WordPressMedia,
    WordPressPost,
)
from articles.wordpress import importer as importer_module
from comments.models import Comment, CommentEvent
from tests import wxr
from tests.wxr import PNG

UTC = datetime.UTC


def run(tmp_path, text, *args, name="export.xml"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    out = io.StringIO()
    call_command("import_wordpress", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def newsroom_export(media_url="http://127.0.0.1:9/none"):
    """A small site: two authors, a three-level category tree, one post of each status."""
    thread = [
        wxr.comment(11, "<p>First!</p>"),
        wxr.comment(12, "A reply\nover two lines", parent=11, author="Bo\n  Reply"),
        wxr.comment(13, "Waiting", approved="0", ip="not-an-ip"),
        wxr.comment(14, "Buy pills", approved="spam"),
        wxr.comment(15, "Binned", approved="trash"),
        wxr.comment(16, "Linked to you", type="pingback", author="Other Blog", email=""),
        wxr.comment(17, "Held ping", type="trackback", approved="0", email=""),
    ]
    return wxr.export(
        wxr.author("editor", "Eda Editor", "eda@example.org"),
        wxr.author("writer", "Wri\n  Ter", "wri@example.org"),
        wxr.category("news", "News"),
        wxr.category("courts", "Courts", parent="news"),
        wxr.category("appeals", "Appeals", parent="courts"),
        wxr.tag("weather", "Weather"),
        wxr.item(
            101, "Storm hits the coast", "<p>Waves.</p>", slug="storm", excerpt="<p>Big <b>waves</b></p>",
            categories=[("appeals", "Appeals")], tags=[("weather", "Weather")], sticky=True,
            comments=thread, meta={"_thumbnail_id": "900"},
        ),
        wxr.item(102, "A draft", status="draft", date_gmt="0000-00-00 00:00:00", creator="writer"),
        wxr.item(103, "Awaiting review", status="pending", categories=[("courts", "Courts")]),
        wxr.item(104, "Tomorrow's story", status="future", date="2099-01-01 08:00:00",
                 date_gmt="0000-00-00 00:00:00"),
        wxr.item(105, "Members only", status="private"),
        wxr.item(106, "A page", post_type="page"),
        wxr.item(900, "Storm photo", post_type="attachment", status="inherit",
                 attachment_url=media_url, meta={"_wp_attachment_image_alt": "Waves on rocks"}),
    )  # fmt: skip


@pytest.fixture
def imported(db, tmp_path, settings, image_server):
    settings.TIME_ZONE = "Europe/Berlin"
    return run(tmp_path, newsroom_export(f"{image_server}/storm.png"))


def test_authors_sections_and_tags_follow_the_category_tree(imported):
    assert sorted(Author.objects.values_list("name", "slug")) == [
        ("Eda Editor", "editor"),
        ("Wri Ter", "writer"),
    ]
    courts = Section.objects.get(slug="courts")
    assert courts.parent == Section.objects.get(slug="news", parent=None)
    assert not Section.objects.filter(slug="appeals").exists()  # third level: a tag
    storm = Article.objects.get(slug="storm")
    assert storm.section == courts
    assert sorted(storm.tags.values_list("name", flat=True)) == ["Appeals", "Weather"]
    assert storm.byline_authors == [Author.objects.get(slug="editor")]


def test_statuses_and_times_map_to_ours(imported):
    by_title = {a.title: a for a in Article.objects.all()}

    storm = by_title["Storm hits the coast"]
    assert storm.is_published()
    assert storm.published_at == datetime.datetime(2019, 3, 2, 13, 30, tzinfo=UTC)
    assert by_title["A draft"].status == Article.Status.DRAFT
    assert by_title["A draft"].published_at is None
    assert by_title["Awaiting review"].status == Article.Status.IN_REVIEW
    future = by_title["Tomorrow's story"]
    assert future.is_scheduled()
    assert future.published_at == datetime.datetime(2099, 1, 1, 7, 0, tzinfo=UTC)  # Berlin time
    assert by_title["Members only"].status == Article.Status.DRAFT
    assert "A page" not in by_title


def test_excerpt_becomes_the_dek_and_sticky_is_recorded(imported):
    storm = Article.objects.get(slug="storm")

    assert storm.dek == "Big waves"
    assert storm.wordpress.is_sticky
    assert "sticky in WordPress (not pinned here)" in imported


def test_featured_image_is_downloaded_with_its_alt_text(imported):
    storm = Article.objects.get(slug="storm")

    with storm.image.open("rb") as image:
        assert image.read() == PNG
    assert storm.image_alt == "Waves on rocks"


def test_comments_keep_threads_status_commenters_and_type(imported):
    storm = Article.objects.get(slug="storm")
    comments = {c.body.strip(): c for c in Comment.objects.filter(article=storm)}

    first, reply = comments["First!"], comments["A reply  \nover two lines"]
    assert reply.parent == first and reply.name == "Bo Reply"
    assert (first.status, first.ip, first.user_agent) == (
        "approved",
        "203.0.113.7",
        "Mozilla/5.0 (X11)",
    )
    assert first.submitted_at == datetime.datetime(2019, 3, 4, 9, 0, tzinfo=UTC)
    assert comments["Waiting"].status == "pending" and comments["Waiting"].ip is None
    assert comments["Buy pills"].status == "spam"
    assert comments["Binned"].status == "removed"
    assert comments["Linked to you"].kind == Comment.Kind.PINGBACK
    assert comments["Held ping"].kind == Comment.Kind.TRACKBACK
    assert {c.akismet for c in comments.values()} == {Comment.Akismet.IMPORTED}
    assert CommentEvent.objects.filter(kind=CommentEvent.Kind.IMPORTED).count() == 7


def test_a_commenters_website_is_kept_only_when_the_comment_form_would_take_it(
    db, tmp_path, client
):
    sites = ["https://ada.example.org/blog", "javascript:alert(1)", "ftp://files.example.org/",
             "not a url", "http://" + "x" * 200 + ".example.org/"]  # fmt: skip
    comments = [wxr.comment(n, f"Comment {n}", url=site) for n, site in enumerate(sites, 1)]
    run(tmp_path, wxr.export(wxr.item(5, "Websites", slug="websites", comments=comments)))

    kept = {body.strip(): url for body, url in Comment.objects.values_list("body", "url")}
    page = client.get("/articles/websites/").content.decode()

    assert kept["Comment 1"] == "https://ada.example.org/blog"
    assert [kept[f"Comment {n}"] for n in (2, 3, 4, 5)] == ["", "", "", ""]
    assert 'href="https://ada.example.org/blog"' in page and "javascript:" not in page


def test_only_approved_comments_and_pingbacks_reach_readers(imported, client):
    page = client.get("/articles/storm/").content.decode()

    assert "First!" in page and "Linked to you" in page
    assert '<b>Other Blog</b> <span class="comment-staff">Pingback</span>' in page
    for hidden in ("Waiting", "Buy pills", "Binned", "Held ping"):
        assert hidden not in page


def test_imported_comments_are_neither_sent_to_akismet_nor_emailed(db, tmp_path, fake_akismet):
    run(tmp_path, newsroom_export())
    call_command("recheck_comments", stdout=io.StringIO())

    assert fake_akismet.requests == []
    assert mail.outbox == []
    assert not Comment.objects.awaiting_notification().exists()
    assert not any(c.is_awaiting_notification() for c in Comment.objects.all())


def test_old_addresses_redirect_permanently_to_the_article(imported, client):
    storm = Article.objects.get(slug="storm")

    for old in ("/2019/03/02/storm/", "/2019/03/02/storm", "/?p=101"):
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, storm.get_absolute_url())
    assert client.get("/?p=102").status_code == 200  # a draft: the home page, no redirect
    assert client.get("/2019/03/02/post-102/").status_code == 404
    assert client.get("/2019/03/02/nothing/").status_code == 404
    assert client.get("/?p=99999999999999999999999999").status_code == 200
    assert client.get("/?p=%D9%A1").status_code == 200  # an Arabic-Indic digit
    assert client.get("/" + "x/" * 400).status_code == 404


def test_an_old_address_with_an_encoded_percent_or_nul_is_not_decoded_twice(db, tmp_path, client):
    link = "http://old.example.org/50%2541-off/"  # the path WordPress served: /50%41-off/
    run(tmp_path, wxr.export(wxr.item(5, "Half off", slug="sale", link=link)))

    response = client.get("/50%2541-off/")

    assert (response.status_code, response["Location"]) == (301, "/articles/sale/")
    assert client.get("/50A-off/").status_code == 404
    assert client.get("/%2500/").status_code == 404  # "%00" once decoded: no NUL reaches SQL


def everything():
    models = (Article, Comment, Tag, Section, Author, WordPressMedia)
    return [model.objects.count() for model in models]


def test_running_twice_creates_nothing_new(imported, tmp_path, settings, image_server):
    counts = everything()

    second = run(tmp_path, newsroom_export(f"{image_server}/storm.png"))

    assert everything() == counts
    assert "articles: 5 skipped" in second and "comments: 5 skipped" in second
    assert "created" not in second


def test_a_changed_post_is_updated_in_place(imported, tmp_path, image_server):
    changed = newsroom_export(f"{image_server}/storm.png").replace(
        "Storm hits the coast", "Storm eases"
    )

    report = run(tmp_path, changed)

    assert "articles: 1 updated, 4 skipped" in report
    assert Article.objects.get(slug="storm").title == "Storm eases"


def test_an_interrupted_run_continues_where_it_stopped(db, tmp_path):
    text = wxr.export(
        *(wxr.item(n, f"Story {n}", comments=[wxr.comment(n * 10, "Hi")]) for n in range(1, 5))
    )
    cut = text[: text.index("<title><![CDATA[Story 3")]

    with pytest.raises(CommandError, match="ends too early"):
        run(tmp_path, cut)
    assert Article.objects.count() == 2
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED

    report = run(tmp_path, text)

    assert "articles: 2 created, 2 skipped" in report
    assert Article.objects.count() == 4 and Comment.objects.count() == 4


def test_a_dry_run_prints_the_report_and_writes_nothing(db, tmp_path):
    report = run(tmp_path, newsroom_export(), "--dry-run")

    assert report.startswith("Dry run: nothing was written.")
    assert "articles: 5 created" in report and "comments: 5 created" in report
    assert not Article.objects.exists() and not Comment.objects.exists()
    assert not ImportRun.objects.exists() and not WordPressMedia.objects.exists()


def test_unreachable_media_is_recorded_as_missing_with_its_address(db, tmp_path, image_server):
    body = (
        f'<p><img src="{image_server}/storm.png" alt="Here"> '
        f'<img src="{image_server}/gone.png" alt="Gone"></p>'
    )
    text = wxr.export(wxr.item(1, "Pictures", body, slug="pictures"))

    report = run(tmp_path, text)

    article = Article.objects.get(slug="pictures")
    here = WordPressMedia.objects.get(url=f"{image_server}/storm.png")
    assert f'src="{here.file.url}"' in article.body_html
    assert f'src="{image_server}/gone.png"' in article.body_html
    gone = WordPressMedia.objects.get(url=f"{image_server}/gone.png")
    assert (gone.status, gone.problem) == ("missing", "HTTP 404")
    assert f"{image_server}/gone.png: missing: HTTP 404" in report
    assert ImportRun.objects.get().problems[0]["item"] == f"{image_server}/gone.png"


def test_a_failing_item_leaves_nothing_behind_and_the_run_goes_on(db, tmp_path, monkeypatch):
    real = importer_module.Importer._redirects

    def fail_for_the_second(self, article, post):
        if post.post_id == 2:
            raise ValueError("disk full")
        return real(self, article, post)

    monkeypatch.setattr(importer_module.Importer, "_redirects", fail_for_the_second)
    text = wxr.export(*(wxr.item(n, f"Story {n}", slug=f"story-{n}") for n in range(1, 4)))

    report = run(tmp_path, text)

    assert sorted(Article.objects.values_list("slug", flat=True)) == ["story-1", "story-3"]
    assert not WordPressPost.objects.filter(post_id=2).exists()
    assert "articles: 2 created, 1 failed" in report
    assert "articles 2: ValueError: disk full" in report


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html><p>hello</p></html>", "not a WordPress export"),
        (b'<!DOCTYPE rss [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><rss>&b;</rss>', "refused"),
        (wxr.export(wxr.item(1, "Caf\xe9")).encode("latin-1"), "not in the encoding"),
    ],
)
def test_bad_input_is_one_clear_line_and_recorded(db, tmp_path, content, message):
    with pytest.raises(CommandError) as raised:
        run(tmp_path, content)

    assert message in str(raised.value) and "\n" not in str(raised.value)
    assert str(raised.value).startswith(str(tmp_path / "export.xml"))
    run_row = ImportRun.objects.get()
    assert run_row.status == ImportRun.Status.FAILED and message in run_row.error
    assert not Article.objects.exists()


def test_a_missing_file_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_wordpress", str(tmp_path / "nope.xml"))


def test_authors_are_linked_to_staff_only_when_asked(db, tmp_path, senior_editor, reporter):
    text = wxr.export(
        wxr.author("sam", "Sam From WordPress", "other@example.org"),
        wxr.author("rita-wp", "Rita", reporter.email),
        wxr.author("nobody", "No Body"),
    )
    reporter.author.delete()

    run(tmp_path, text, name="a.xml")
    assert not Author.objects.filter(slug__in=["sam", "rita-wp", "nobody"], user__isnull=False)

    WordPressAuthor.objects.all().delete()
    Author.objects.filter(user__isnull=True).delete()
    report = run(tmp_path, text, "--link-staff", name="b.xml")

    # Sam already has an author here: his WordPress posts go to it.
    assert WordPressAuthor.objects.get(login="sam").author == senior_editor.author
    assert Author.objects.get(slug="rita-wp").user == reporter  # matched by e-mail
    assert Author.objects.get(slug="nobody").user is None
    assert "nobody: no staff user with this login or e-mail" in report


def test_the_import_run_is_kept_read_only_in_the_admin(
    imported, admin_client, senior_editor, client
):
    run_row = ImportRun.objects.get()
    assert run_row.status == ImportRun.Status.FINISHED and run_row.wxr_version == "1.2"
    assert run_row.counts["articles"] == {"created": 5}
    assert run_row.counts["other items"] == {"skipped": 1}

    page = admin_client.get(f"/admin/articles/importrun/{run_row.pk}/change/")
    assert page.status_code == 200 and b"sticky in WordPress" in page.content
    assert admin_client.get("/admin/articles/importrun/add/").status_code == 403
    client.force_login(senior_editor)
    assert client.get("/admin/articles/importrun/").status_code == 200
    response = client.post(f"/admin/articles/importrun/{run_row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403 and ImportRun.objects.exists()


def test_progress_shows_items_and_time_left_when_asked(db, tmp_path, monkeypatch):
    ticks = iter(range(0, 1000, 1))
    monkeypatch.setattr(
        "comments.management.commands.import_wordpress.time.monotonic", lambda: next(ticks)
    )
    path = tmp_path / "p.xml"
    path.write_text(wxr.export(*(wxr.item(n, f"S {n}") for n in range(1, 4))))
    err = io.StringIO()

    call_command(
        "import_wordpress", str(path), "--progress", "--no-media", stdout=io.StringIO(), stderr=err
    )

    assert "3 items ·" in err.getvalue() and " left" in err.getvalue()


def test_a_custom_permalink_redirects_too(db, tmp_path, client):
    link = "http://old.example.org/news/storm-at-sea-2019/"
    run(tmp_path, wxr.export(wxr.item(5, "Storm at sea", slug="storm-at-sea", link=link)))

    response = client.get("/news/storm-at-sea-2019/")

    assert (response.status_code, response["Location"]) == (301, "/articles/storm-at-sea/")


@pytest.mark.parametrize("runs", [1, 25])
def test_the_import_runs_list_costs_the_same_at_any_length(
    db, admin_client, runs, django_assert_max_num_queries
):
    ImportRun.objects.bulk_create(
        ImportRun(source=f"e{n}.xml", counts={"articles": {"created": n}}) for n in range(runs)
    )

    with django_assert_max_num_queries(6):
        response = admin_client.get("/admin/articles/importrun/")

    assert response.status_code == 200 and b"articles: 0 created" in response.content


def test_moderators_see_an_imported_comment_for_what_it_is(imported, admin_client):
    ping = Comment.objects.get(kind=Comment.Kind.PINGBACK)

    page = admin_client.get(f"/admin/comments/comment/{ping.pk}/change/").content.decode()

    assert "Pingback" in page and "Imported, never sent to Akismet" in page


def test_an_import_stopped_by_hand_says_so_and_keeps_what_it_wrote(db, tmp_path, monkeypatch):
    real = importer_module.Importer.item

    def stop_at_the_third(self, post):
        if post.post_id == 3:
            raise KeyboardInterrupt
        return real(self, post)

    monkeypatch.setattr(importer_module.Importer, "item", stop_at_the_third)
    text = wxr.export(*(wxr.item(n, f"Story {n}") for n in range(1, 5)))

    with pytest.raises(CommandError, match="interrupted; run it again to continue"):
        run(tmp_path, text)

    stopped = ImportRun.objects.get()
    assert (stopped.status, stopped.error) == (ImportRun.Status.FAILED, "interrupted")
    assert stopped.counts == {"articles": {"created": 2}}
    assert Article.objects.count() == 2

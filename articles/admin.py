from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from reversion.admin import VersionAdmin
from reversion.models import Version

from articles import notes_admin, revisions
from articles.admin_labels import LabelledInlineFormSet, LabelledInputs
from articles.changelist import CheckedAutocompleteFields, CheckedListAdmin
from articles.models import (
    FAQ,
    Article,
    Author,
    Byline,
    ImportRun,
    RelatedPick,
    Section,
    SlugRedirect,
    Tag,
)
from articles.views import bad_request

admin.site.site_header = _("Newsroom")
admin.site.site_title = _("Newsroom admin")
admin.site.index_title = _("Newsroom desk")


# Django's own lists of users and groups answer unusable filters and searches as ours do.
for model, model_admin in ((User, auth_admin.UserAdmin), (Group, auth_admin.GroupAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, type(model_admin.__name__, (CheckedListAdmin, model_admin), {}))


@admin.register(Author)
class AuthorAdmin(LabelledInputs, CheckedListAdmin, admin.ModelAdmin):
    list_display = ["name", "job_title", "user"]
    search_fields = ["name", "job_title"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["user"]


@admin.register(Section)
class SectionAdmin(LabelledInputs, CheckedListAdmin, admin.ModelAdmin):
    list_display = ["name", "parent", "position", "comment_policy"]
    list_editable = ["position"]
    list_filter = ["comment_policy"]
    list_select_related = ["parent"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "parent", "description", "position"]}),
        (
            _("Comments"),
            {
                "fields": [
                    "comment_policy",
                    "comments_close_after_days",
                    "comment_link_limit",
                    "comment_hold_words",
                ],
                "description": _(
                    "A subsection takes what it leaves empty from its parent section, and the "
                    "parent from the site's settings. The link limit and the hold words add to "
                    "the site's: the lowest limit and every hold word apply."
                ),
            },
        ),  # fmt: skip
    ]


@admin.register(Tag)
class TagAdmin(CheckedListAdmin, admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class BylineInline(CheckedAutocompleteFields, admin.TabularInline):
    model = Byline
    formset = LabelledInlineFormSet
    extra = 0
    min_num = 1
    autocomplete_fields = ["author"]
    verbose_name_plural = _("authors (in byline order)")


class FAQInline(admin.StackedInline):
    model = FAQ
    extra = 0
    fields = ["question", "answer", "position"]


class RelatedPickInline(CheckedAutocompleteFields, admin.TabularInline):
    model = RelatedPick
    formset = LabelledInlineFormSet
    fk_name = "article"
    extra = 0
    autocomplete_fields = ["related"]
    verbose_name_plural = _("related articles (editor's picks, in order)")


@admin.register(SlugRedirect)
class SlugRedirectAdmin(CheckedListAdmin, admin.ModelAdmin):
    list_display = ["old_slug", "article", "created_at"]
    search_fields = ["old_slug", "article__title"]
    autocomplete_fields = ["article"]


@admin.register(Article)
class ArticleAdmin(LabelledInputs, CheckedListAdmin, VersionAdmin):
    list_display = ["title", "status_label", "section", "byline", "published_at", "preview_link"]
    list_filter = ["status", "section", "authors", "published_at", "comment_policy"]
    list_select_related = ["section__parent"]
    search_fields = ["title", "dek", "body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["section", "tags"]
    inlines = [BylineInline, FAQInline, RelatedPickInline]
    actions = ["submit_for_review", "publish", "unpublish"]
    readonly_fields = ["updated_at", "preview_link", "notes", "comment_policy_in_effect"]
    object_history_template = "admin/articles/article/object_history.html"
    change_list_template = "admin/articles/article/change_list.html"
    fieldsets = [
        (None, {"fields": ["title", "slug", "dek", "body", "closing_question", "section", "tags"]}),
        (_("Image"), {"fields": ["image", "image_alt", "image_caption"]}),
        (
            _("Publishing"),
            {
                "fields": [
                    "status",
                    "published_at",
                    "updated_at",
                    "comment_policy",
                    "comment_policy_in_effect",
                    "preview_link",
                ]
            },  # fmt: skip
        ),
        (_("Corrections and updates"), {"fields": ["notes"]}),
        (
            _("Search and social"),
            {"fields": ["meta_description", "social_image"], "classes": ["collapse"]},
        ),
    ]

    def get_queryset(self, request):
        # Every view of one article finds it here: what a user may not read is "not found".
        articles = super().get_queryset(request).prefetch_related("authors")
        if getattr(request, "revision_is_readable", False):
            return articles
        return articles.readable_by(request.user)

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, article):
        if article.is_scheduled():
            return _("Scheduled")
        return article.get_status_display()

    @admin.display(description=_("byline"))
    def byline(self, article):
        return ", ".join(author.name for author in article.authors.all())

    @admin.display(description=_("notes"))
    def notes(self, article):
        return notes_admin.notes_on(article, getattr(article, "readable_notes", []))

    def get_object(self, request, object_id, from_field=None):
        article = super().get_object(request, object_id, from_field)
        if article is not None:  # the notes its change page lists: those this user may read
            article.readable_notes = article.notes.readable_by(request.user).in_article_order()
        return article

    @admin.display(description=_("comment policy in effect"))
    def comment_policy_in_effect(self, article):
        """The comments app says what applies (settings.ARTICLE_POLICY_IN_EFFECT): articles
        never imports comments."""
        if not article.pk:
            return _("As its section, once the article is saved.")
        return import_string(settings.ARTICLE_POLICY_IN_EFFECT)(article)

    @admin.display(description=_("preview"))
    def preview_link(self, article):
        if not article.pk:
            return "—"
        url = reverse("articles:preview", kwargs={"pk": article.pk})
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("Preview"))

    def _can_publish(self, request):
        return request.user.has_perm("articles.publish_article")

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.is_editable_by(request.user))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._can_publish(request)

    def has_publish_permission(self, request):
        return self._can_publish(request)

    def has_history_permission(self, request, article):
        """Past revisions hold text that was never published: editors and the article's own
        writers read them, nobody else."""
        if not self.has_view_or_change_permission(request, article):
            return False
        return self._can_publish(request) or article.is_written_by(request.user)

    def has_recover_permission(self, request):
        """Deleted articles' content is for those who may delete articles and write new ones."""
        return self.has_add_permission(request) and request.user.has_perm("articles.delete_article")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not self._can_publish(request):
            fields.append("published_at")
        return fields

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "status" and not self._can_publish(request):
            kwargs["choices"] = [
                choice for choice in Article.Status.choices if choice[0] != Article.Status.PUBLISHED
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_formset_kwargs(self, request, obj, inline, prefix):
        """A new article's byline starts with the writer's own name, if they have a byline."""
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        author = getattr(request.user, "author", None)
        adding = obj is None or obj.pk is None
        if adding and isinstance(inline, BylineInline) and author is not None:
            kwargs["initial"] = [{"author": author.pk}]
        return kwargs

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        if not change and not article.bylines.exists() and hasattr(request.user, "author"):
            Byline.objects.create(article=article, author=request.user.author)

    def get_search_results(self, request, queryset, search_term):
        # Related-article autocomplete offers only what readers can see.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path.endswith("/autocomplete/"):
            queryset = queryset.published()
        return queryset, may_have_duplicates

    def _apply(self, request, queryset, verb, done_message):
        count = 0
        for article in queryset:
            if article.is_editable_by(request.user):
                getattr(article, verb)()
                count += 1
        self.message_user(request, done_message(count) % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Submit selected articles for review"))
    def submit_for_review(self, request, queryset):
        queryset = queryset.filter(status=Article.Status.DRAFT)
        self._apply(
            request,
            queryset,
            "submit_for_review",
            lambda n: ngettext(
                "%(count)d article submitted for review.",
                "%(count)d articles submitted for review.",
                n,
            ),
        )

    @admin.action(description=_("Publish selected articles"), permissions=["publish"])
    def publish(self, request, queryset):
        self._apply(
            request,
            queryset,
            "publish",
            lambda n: ngettext("%(count)d article published.", "%(count)d articles published.", n),
        )

    @admin.action(description=_("Unpublish selected articles"), permissions=["publish"])
    def unpublish(self, request, queryset):
        self._apply(
            request,
            queryset,
            "unpublish",
            lambda n: ngettext(
                "%(count)d article unpublished.", "%(count)d articles unpublished.", n
            ),
        )

    def changelist_view(self, request, extra_context=None):
        context = {
            "has_recover_permission": self.has_recover_permission(request),
            # Headlines need the width: no app navigation beside the list (breadcrumbs stay).
            "is_nav_sidebar_enabled": False,
        }
        return super().changelist_view(request, {**context, **(extra_context or {})})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["has_history_permission"] = obj is not None and self.has_history_permission(
            request, obj
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _readable_history(self, request, object_id):
        """The article whose revisions the user may read, or a response saying why not."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        article = self.get_object(request, unquote(object_id))
        if article is None:
            return None, self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_history_permission(request, article):
            raise PermissionDenied
        return article, None

    def revision_view(self, request, object_id, version_id, extra_context=None):
        # Checked on the article as it is now. Reversion then rolls it back to the revision,
        # which may predate the user's byline: the lookup must not ask again.
        _article, refusal = self._readable_history(request, object_id)
        if refusal:
            return refusal
        request.revision_is_readable = True
        return super().revision_view(request, object_id, version_id, extra_context)

    def recoverlist_view(self, request, extra_context=None):
        if not self.has_recover_permission(request):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not self.has_recover_permission(request):
            raise PermissionDenied
        return super().recover_view(request, version_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        _article, refusal = self._readable_history(request, object_id)
        if refusal:
            return refusal
        versions = Version.objects.get_for_object_reference(Article, unquote(object_id))
        action_list = [
            {
                "version": version,
                "revision": version.revision,
                "url": reverse("admin:articles_article_revision", args=[object_id, version.pk]),
            }
            for version in versions.select_related("revision__user")
        ]
        context = {"action_list": action_list, **(extra_context or {})}
        return super().history_view(request, object_id, context)

    def get_urls(self):
        compare = self.admin_site.admin_view(self.compare_view)
        return [
            path("<path:object_id>/history/compare/", compare, name="articles_article_compare"),
            *super().get_urls(),
        ]

    def compare_view(self, request, object_id):
        """Line-by-line differences between two saved revisions of an article."""
        article, missing = self._readable_history(request, object_id)
        if missing:  # a wrong or unknown id: there is nothing to compare
            raise Http404(_("There is no article with that ID."))
        versions = Version.objects.get_for_object(article)
        chosen = [request.GET.get("from", ""), request.GET.get("to", "")]
        if not all(pk.isascii() and pk.isdigit() for pk in chosen):
            problem = _("Choose two revisions to compare, one in each column.")
            return bad_request(request, problem=problem, back_url="../")
        older, newer = (get_object_or_404(versions, pk=pk) for pk in chosen)
        if older.revision.date_created > newer.revision.date_created:
            older, newer = newer, older
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": _("Compare revisions of “%(title)s”") % {"title": article.title},
            "older": older,
            "newer": newer,
            "changes": revisions.changes(older, newer),
        }
        return TemplateResponse(request, "admin/articles/article/compare.html", context)


def view_on_site(request, content_type_id, object_id):
    """The admin's "View on site" redirect. Its Location is the object's address, and an
    article's address holds its slug: only for articles the user may read."""
    content_type = get_object_or_404(ContentType, pk=content_type_id)
    model = content_type.model_class()
    if model is not None and issubclass(model, Article):
        readable = Article.objects.readable_by(request.user)
        if not readable.filter(pk__in=_as_pk(object_id)).exists():
            raise Http404
    return shortcut(request, content_type_id, object_id)


def _as_pk(object_id):
    return [int(object_id)] if object_id.isdigit() else []


@admin.register(ImportRun)
class ImportRunAdmin(CheckedListAdmin, admin.ModelAdmin):
    """What each WordPress import did: read-only, written by ``manage.py import_wordpress``."""

    list_display = ["source", "started_at", "status", "wxr_version", "summary"]
    list_filter = ["status"]
    run_fields = ["source", "status", "started_at", "finished_at", "wxr_version", "error"]
    readonly_fields = [*run_fields, "counts_table", "problem_list"]
    fieldsets = [
        (None, {"fields": run_fields}),
        (_("Report"), {"fields": ["counts_table", "problem_list"]}),
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("counts"))
    def summary(self, run):
        return "; ".join(
            f"{kind}: " + ", ".join(f"{n} {outcome}" for outcome, n in figures.items())
            for kind, figures in run.counts.items()
        )

    @admin.display(description=_("counts"))
    def counts_table(self, run):
        return format_html_join(
            "\n", "<p><strong>{}</strong>: {}</p>", ((k, v) for k, v in self._counts(run))
        )

    def _counts(self, run):
        for kind, figures in run.counts.items():
            yield kind, ", ".join(f"{n} {outcome}" for outcome, n in figures.items())

    @admin.display(description=_("problems"))
    def problem_list(self, run):
        if not run.problems:
            return _("None")
        rows = ((p["kind"], p["item"], p["problem"]) for p in run.problems)
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{} {}: {}</li>", rows))

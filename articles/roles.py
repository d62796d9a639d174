"""Staff roles are Django groups with permissions; each app declares the groups it needs."""

from django.contrib.auth.models import Group, Permission

REPORTER = "Reporter"
SENIOR_EDITOR = "Senior editor"
MODERATOR = "Moderator"  # declared by the comments app

EDITORIAL_ROLES = {
    REPORTER: [
        "articles.add_article", "articles.change_article", "articles.view_article",
        "articles.add_faq", "articles.change_faq", "articles.delete_faq", "articles.view_faq",
        "articles.add_byline", "articles.change_byline", "articles.delete_byline",
        "articles.view_byline", "articles.add_relatedpick", "articles.change_relatedpick",
        "articles.delete_relatedpick", "articles.view_relatedpick",
        "articles.view_author", "articles.view_section", "articles.view_tag",
        # Proposes corrections and updates; an editor publishes them.
        "articles.add_articlenote", "articles.change_articlenote", "articles.view_articlenote",
    ],
    SENIOR_EDITOR: [
        f"articles.{action}_{model}"
        for model in ("article", "author", "section", "tag", "faq", "byline", "relatedpick",
                      "slugredirect")
        for action in ("add", "change", "delete", "view")
    ] + ["articles.publish_article", "articles.view_importrun"]
    # Published notes are permanent: no role deletes one (a proposal is declined instead).
    + ["articles.add_articlenote", "articles.change_articlenote", "articles.view_articlenote",
       "articles.publish_articlenote"],
}  # fmt: skip


def ensure_group(name, permission_names):
    """Create or update a group so it has exactly these permissions ("app.codename")."""
    group, _created = Group.objects.get_or_create(name=name)
    wanted = [tuple(p.split(".")) for p in permission_names]
    perms = Permission.objects.select_related("content_type").filter(
        content_type__app_label__in={a for a, _c in wanted}
    )
    group.permissions.set([p for p in perms if (p.content_type.app_label, p.codename) in wanted])
    return group


def ensure_editorial_roles(**kwargs):
    for name, permissions in EDITORIAL_ROLES.items():
        ensure_group(name, permissions)

"""The commenters' e-mail, read-only: the addresses and their consent, and the outbox.

Nothing here sends or changes anything: the worker sends (comments.tasks), commenters confirm
and unsubscribe through their links. Visible to whoever is given the view permissions.
"""

from django.contrib import admin

from articles.changelist import CheckedListAdmin
from comments.models import CommenterAddress, CommenterMail


class ReadOnlyAdmin(CheckedListAdmin, admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CommenterAddress)
class CommenterAddressAdmin(ReadOnlyAdmin):
    list_display = ["email", "confirmed_at", "unsubscribed_at", "created_at"]
    search_fields = ["email"]
    date_hierarchy = "created_at"


@admin.register(CommenterMail)
class CommenterMailAdmin(ReadOnlyAdmin):
    list_display = ["key", "kind", "address", "status", "attempts", "created_at", "sent_at",
                    "last_error"]  # fmt: skip
    list_filter = ["status", "kind"]
    list_select_related = ["address"]
    search_fields = ["address__email", "key"]
    date_hierarchy = "created_at"

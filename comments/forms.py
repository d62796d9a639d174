import time

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.text import format_lazy, normalize_newlines
from django.utils.translation import gettext_lazy as _

from comments.models import Appeal, Comment, Report

TIMESTAMP_SALT = "comments.form-timestamp"
HONEYPOT = "homepage"
REFUSED = _("Sorry, your comment could not be posted. Please check it and send it again.")


def sign_timestamp(article, now=None):
    return signing.dumps({"a": article.pk, "t": now or time.time()}, salt=TIMESTAMP_SALT)


def staff_identity(user):
    """The name and e-mail a staff member's comments carry: their byline's name if they have one."""
    author = getattr(user, "author", None)
    name = author.name if author else (user.get_full_name() or user.get_username())
    return {"name": name, "email": user.email.lower(), "url": ""}


class CommentForm(forms.ModelForm):
    """The reader's comment. Bots are refused with a message that does not say why.

    A bot fills the hidden ``homepage`` field, or posts faster than a person can type, or
    replays an old form: the signed timestamp catches the last two.
    """

    timestamp = forms.CharField(widget=forms.HiddenInput)
    homepage = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    remember = forms.BooleanField(
        required=False,
        label=_("Save my name, email, and website in this browser for the next time I comment."),
    )

    class Meta:
        model = Comment
        fields = ["name", "email", "url", "body", "parent", "follow"]
        labels = {
            "email": _("Email"),
            "url": _("Website"),
            "follow": _("E-mail me when my comment is published, and when someone replies"),
        }
        help_texts = {
            "email": _("Never published."),
            "url": _("Optional."),
            "body": _("Markdown: *emphasis*, **bold**, [links](https://example.org), > quotes."),
            "follow": _(
                "We first send one e-mail to confirm the address; nothing else until then."
            ),
        }
        widgets = {
            "parent": forms.HiddenInput,
            "body": forms.Textarea(attrs={"rows": 7}),
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "url": forms.URLInput(attrs={"autocomplete": "url"}),
        }
        error_messages = {
            "parent": {
                "invalid_choice": _("You can only reply to a published comment on this article.")
            }
        }

    def __init__(self, *args, article, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = self.instance.article = article
        if self.data.get(self.add_prefix("parent")):
            # A reply, to a published comment on this article only. (Without a posted parent the
            # field is never asked: it is empty, and hidden when shown, so it lists no choices.)
            self.fields["parent"].queryset = Comment.objects.approved().for_article(article)
        self.fields["url"].assume_scheme = "https"
        for field in self.fields.values():
            if field.required and not field.widget.is_hidden:
                field.label = format_lazy("{} {}", field.label, _("(required)"))
        self.staff = user if user is not None and user.is_authenticated and user.is_staff else None
        if self.staff:
            # Staff post as themselves: the name comes from the account, not from the form.
            for name in ("name", "email", "url", "remember", "follow"):
                del self.fields[name]
        if not self.is_bound:
            self.initial["timestamp"] = sign_timestamp(article)

    @property
    def staff_name(self):
        return staff_identity(self.staff)["name"] if self.staff else ""

    def clean_name(self):
        # One line: a name must not be able to add lines to the moderators' e-mail.
        return " ".join(self.cleaned_data["name"].split())

    def clean_email(self):
        return self.cleaned_data["email"].lower()

    def clean_body(self):
        # As stored (browsers send a textarea's lines with CRLF): a comment sent again is then
        # the duplicate the database holds, and the rules read what readers will.
        return normalize_newlines(self.cleaned_data["body"])

    def clean(self):
        cleaned = super().clean()
        if self.staff:
            identity = staff_identity(self.staff)
            cleaned.update(identity)
            for field, value in identity.items():
                setattr(self.instance, field, value)
        if cleaned.get("homepage") or not self._timestamp_ok(cleaned.get("timestamp", "")):
            self.refused = True
            raise forms.ValidationError(REFUSED, code="refused")
        return cleaned

    def validate_constraints(self):
        """Nothing to check: the comment's constraints are on what the server sets (status,
        verdict, picks), never on the reader's fields, and the database enforces them all."""

    def _timestamp_ok(self, token):
        try:
            value = signing.loads(
                token, salt=TIMESTAMP_SALT, max_age=settings.COMMENTS_MAX_FORM_AGE
            )
        except signing.BadSignature:
            return False
        age = time.time() - value.get("t", 0)
        return value.get("a") == self.article.pk and age >= settings.COMMENTS_MIN_SUBMIT_SECONDS

    def with_fresh_timestamp(self):
        """The form to show again: a new timestamp, so the reader can simply resend it."""
        data = self.data.copy()
        data["timestamp"] = sign_timestamp(self.article)
        data[HONEYPOT] = ""
        self.data = data
        return self


class ReportForm(forms.ModelForm):
    """A reader's report on a published comment: why, and optionally a few words."""

    class Meta:
        model = Report
        fields = ["reason", "note"]
        widgets = {"reason": forms.RadioSelect, "note": forms.Textarea(attrs={"rows": 2})}


class AppealForm(forms.ModelForm):
    """The commenter's note on why a moderator's take-down should be looked at again."""

    class Meta:
        model = Appeal
        fields = ["note"]
        labels = {"note": _("Why should we look at this decision again?")}
        widgets = {"note": forms.Textarea(attrs={"rows": 6, "maxlength": 2000})}


class EditForm(forms.ModelForm):
    """The commenter's edit of their own comment: the text only, held to the posting rules."""

    class Meta:
        model = Comment
        fields = ["body"]
        help_texts = {"body": CommentForm.Meta.help_texts["body"]}
        widgets = {"body": forms.Textarea(attrs={"rows": 7})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        body = self.fields["body"]
        body.label = format_lazy("{} {}", body.label, _("(required)"))

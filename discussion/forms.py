"""Forms for asking, replying and reporting. Text is kept as typed; it is escaped when shown."""

from django import forms
from django.utils.translation import gettext_lazy as _

BODY_MAX = 10_000


def one_line(value: str) -> str:
    # A title goes into email subjects, where a line break would be refused.
    return " ".join(value.split())


class AskForm(forms.Form):
    """A new question under a lesson; on a lecture with slides, optionally about one slide."""

    title = forms.CharField(
        label=_("Your question"),
        max_length=200,
        help_text=_("One sentence, e.g. “Why do we name files by date?”"),
    )
    body = forms.CharField(
        label=_("Details (optional)"),
        required=False,
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Plain text; links starting with https:// become clickable."),
    )
    slide_number = forms.TypedChoiceField(
        label=_("About"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, slides=(), **kwargs):
        super().__init__(*args, **kwargs)
        if slides:
            self.fields["slide_number"].choices = [("", _("The whole lesson"))] + [
                (
                    slide.number,
                    _("Slide %(number)s: %(title)s")
                    % {"number": slide.number, "title": slide.display_title},
                )
                for slide in slides
            ]
        else:
            del self.fields["slide_number"]

    def clean_title(self):
        return one_line(self.cleaned_data["title"])


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Plain text; links starting with https:// become clickable."),
    )


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with it?"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

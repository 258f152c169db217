"""Forms for the register of settings, clusters and outbreaks."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.core.validators import MaxLengthValidator

from localtrace.core.forms import EditForm, EmailAddressField, GovukDateField, GovukForm
from localtrace.places.models import REASON_MAX, TASK_TEXT_MAX, Outbreak, OutbreakTask, Setting
from localtrace.places.outbreaks import TASK_TEXT_TOO_LONG
from localtrace.results.validation import normalise_phone


class SettingForm(GovukForm):
    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter the name of the setting"})
    kind = forms.ChoiceField(
        label="What kind of setting is it?",
        choices=Setting.Kind.choices,
        widget=forms.RadioSelect(attrs={"small": True}),
        error_messages={"required": "Choose what kind of setting it is"},
    )
    address_line_1 = forms.CharField(label="Address (optional)", max_length=200, required=False)
    postcode = forms.CharField(label="Postcode (optional)", max_length=10, required=False)
    manager_email = EmailAddressField(
        label="Manager's email address (optional)",
        required=False,
        help_text="For outbreak letters to the setting. Used for nothing else.",
        invalid="Enter an email address in the correct format, like name@example.com",
    )
    manager_phone = forms.CharField(
        label="Manager's mobile number (optional)",
        max_length=20,
        required=False,
        help_text="For outbreak text messages.",
    )

    def clean_manager_phone(self) -> str:
        phone = self.cleaned_data["manager_phone"].strip()
        if not phone:
            return ""
        normalised = normalise_phone(phone)
        if not normalised:
            raise forms.ValidationError("Enter a phone number, like 07123 456789 or +44 7123 456789")
        return normalised

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())


class SettingEditForm(EditForm, SettingForm):
    # `seen`: the details as the page showed them (places.services.setting_fingerprint), to refuse a stale save.
    not_sent_whole = "This page was not sent whole. Open it again from the setting's page."


class MergeForm(GovukForm):
    keep = forms.ChoiceField(
        label="Which setting should its visits move to?",
        choices=[],
        widget=forms.RadioSelect(attrs={"small": True}),
        error_messages={"required": "Choose the setting to keep"},
    )

    def __init__(self, *args: Any, candidates: list[Setting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep: Any = self.fields["keep"]
        keep.choices = [(str(s.pk), f"{s.place_line} ({s.get_kind_display()})") for s in candidates]


class CountedTextField(forms.CharField):
    """Free text of at most `max_characters`, with the design system's character count.

    No maxlength attribute: a browser would cut pasted text silently. Longer text is refused with an error
    that says so (and the count under the box tells them as they type).
    """

    def __init__(self, *, max_characters: int, too_long: str, rows: int = 4, **kwargs: Any) -> None:
        self.max_characters, self.rows = max_characters, rows
        super().__init__(widget=forms.Textarea, **kwargs)
        self.template_name = "places/forms/character_count.html"
        self.validators.append(MaxLengthValidator(max_characters, message=too_long))


class DismissForm(GovukForm):
    reason = CountedTextField(
        label="Why are you dismissing this cluster?",
        max_characters=REASON_MAX,
        too_long=f"The reason must be {REASON_MAX} characters or fewer",
        rows=3,
        help_text="For example: the cases are one family who live at two addresses.",
        error_messages={"required": "Enter why you are dismissing this cluster"},
    )


class RemoveVisitForm(GovukForm):
    reason = CountedTextField(
        label="Why are you removing it?",
        max_characters=REASON_MAX,
        too_long=f"The reason must be {REASON_MAX} characters or fewer",
        rows=3,
        help_text="For example: entered on the wrong case, or they went on another day.",
        error_messages={"required": "Enter why you are removing this visit"},
    )


class PromoteForm(GovukForm):
    name = forms.CharField(
        label="Name of the outbreak",
        max_length=200,
        help_text="For example: The Crown, November.",
        error_messages={"required": "Enter a name for the outbreak"},
    )


class TaskForm(GovukForm):
    reveals: ClassVar[dict[str, dict[str, tuple[str, ...]]]] = {"kind": {"action": ("owner", "due_on")}}

    kind = forms.ChoiceField(
        label="Is this an action or a note?",
        choices=OutbreakTask.Kind.choices,
        widget=forms.RadioSelect(attrs={"small": True}),
        error_messages={"required": "Choose action or note"},
    )
    text = CountedTextField(
        label="What is it?", max_characters=TASK_TEXT_MAX, too_long=TASK_TEXT_TOO_LONG,
        error_messages={"required": "Enter the action or note"},
    )  # fmt: skip
    owner = forms.ChoiceField(label="Who owns the action?", choices=[], required=False)
    due_on = GovukDateField(label="When is it due? (optional)", required=False, error_name="The due date")

    def __init__(self, *args: Any, owners: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owners = {str(u.pk): u for u in owners}
        owner: Any = self.fields["owner"]
        owner.choices = [("", "Nobody yet")] + [(str(u.pk), u.get_full_name() or u.username) for u in owners]


class StatusForm(EditForm):
    status = forms.ChoiceField(
        label="What is the outbreak's status?",
        choices=Outbreak.Status.choices,
        widget=forms.RadioSelect(attrs={"small": True}),
        error_messages={"required": "Choose a status"},
    )


class MessageForm(GovukForm):
    setting = forms.ChoiceField(
        label="Which setting's manager?", choices=[], widget=forms.RadioSelect(attrs={"small": True}),
        error_messages={"required": "Choose the setting"},
    )  # fmt: skip
    channel = forms.ChoiceField(
        label="How?",
        choices=[("email", "Email"), ("sms", "Text message")],
        widget=forms.RadioSelect(attrs={"small": True}),
        error_messages={"required": "Choose email or text message"},
    )
    language = forms.ChoiceField(
        label="Language", choices=[("en", "English"), ("cy", "Cymraeg (Welsh)")], initial="en",
        widget=forms.RadioSelect(attrs={"small": True}),
    )  # fmt: skip

    def __init__(self, *args: Any, settings: list[Setting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        setting: Any = self.fields["setting"]
        setting.choices = [
            (
                str(s.pk),
                f"{s.name} — "
                + (", ".join(x for x in (s.manager_email, s.manager_phone) if x) or "no manager contact details yet"),
            )
            for s in settings
        ]

"""Forms rendered one way everywhere: GOV.UK Frontend markup, error summary, plain-English errors.

Every form in the service inherits `GovukForm` (or `GovukModelForm`); templates
render a whole form with `{{ form }}` or a field with `{{ form.field.as_field_group }}`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any, ClassVar, TypeVar

from django import forms
from django.forms.boundfield import BoundField, BoundWidget
from django.forms.renderers import TemplatesSetting
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

AnyForm = TypeVar("AnyForm", bound=forms.BaseForm)

_INPUT_CLASSES: dict[type[forms.Widget], str] = {
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
    forms.FileInput: "govuk-file-upload",
}


class GovukFormRenderer(TemplatesSetting):
    """Our templates override Django's widget templates, so every widget gets GOV.UK markup."""

    form_template_name = "forms/govuk_form.html"
    field_template_name = "forms/govuk_field.html"


class GovukDateWidget(forms.MultiWidget):
    template_name = "forms/widgets/govuk_date.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        parts = [
            forms.TextInput(
                attrs={"inputmode": "numeric", "class": "govuk-input govuk-date-input__input govuk-input--width-2"}
            ),
            forms.TextInput(
                attrs={"inputmode": "numeric", "class": "govuk-input govuk-date-input__input govuk-input--width-2"}
            ),
            forms.TextInput(
                attrs={"inputmode": "numeric", "class": "govuk-input govuk-date-input__input govuk-input--width-4"}
            ),
        ]
        super().__init__(parts, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        for subwidget, label in zip(context["widget"]["subwidgets"], (_("Day"), _("Month"), _("Year")), strict=True):
            subwidget["label"] = label
        return context


_OPTIONAL = re.compile(r"\s*\([^)]*\)\s*$")


class GovukDateField(forms.MultiValueField):
    """A date typed as day, month and year, with the GOV.UK pattern's error messages."""

    widget = GovukDateWidget

    def __init__(self, *, error_name: Any = None, **kwargs: Any) -> None:
        # What the errors call the date ("The day symptoms started must be a real date"): a question label
        # ("When did the symptoms start?") would not read as the start of a sentence.
        self.error_name = error_name
        fields = (forms.CharField(), forms.CharField(), forms.CharField())
        super().__init__(fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[Any]) -> dt.date | None:
        if not data_list or not any(data_list):
            return None
        # Translated only where a page activates another language (the public pages); staff pages are English.
        label = str(self.error_name or _OPTIONAL.sub("", str(self.label or gettext_lazy("The date"))))
        day, month, year = (str(part or "").strip() for part in data_list)
        missing = [name for name, part in ((_("day"), day), (_("month"), month), (_("year"), year)) if not part]
        if missing:
            raise forms.ValidationError(
                _("%(label)s must include a %(missing)s.") % {"label": label, "missing": _(" and ").join(missing)}
            )
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise forms.ValidationError(_("%(label)s must be a real date, in numbers.") % {"label": label})
        if len(year) != 4:
            raise forms.ValidationError(
                _("%(label)s must include a year with four numbers, for example 2026.") % {"label": label}
            )
        try:
            return dt.date(int(year), int(month), int(day))
        except (ValueError, OverflowError):  # a day of twenty digits is too big for a C int
            raise forms.ValidationError(_("%(label)s must be a real date.") % {"label": label}) from None

    def clean(self, value: Any) -> Any:
        if self.required and (not value or not any(value)):
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return self.compress(value if value else [])


# The longest email address stored anywhere (Django's EmailField column). A form's EmailField allows 320 by
# default, so a longer address reached the database: a 500 on PostgreSQL, with the address in the error log.
EMAIL_MAX_LENGTH = 254


class EmailAddressField(forms.EmailField):
    """An email address a record can hold: a longer one is a form error, in the design system's words."""

    def __init__(self, *, invalid: str = "Enter an email address like name@example.org", **kwargs: Any) -> None:
        messages = {"invalid": invalid, "max_length": f"Email address must be {EMAIL_MAX_LENGTH} characters or fewer"}
        super().__init__(
            max_length=EMAIL_MAX_LENGTH, error_messages=messages | kwargs.pop("error_messages", {}), **kwargs
        )


class GovukFormMixin:
    """Adds GOV.UK classes and accessible error links to every widget once the form is cleaned."""

    fields: dict[str, forms.Field]
    errors: Any
    # Questions that apply to one answer only, shown under that answer (the design system's conditional
    # reveal): {"outcome": {"unreachable": ("reason",)}}. Without JavaScript every one is shown, as the
    # design system does; whatever a browser sends for a question under an answer not chosen is ignored.
    reveals: ClassVar[dict[str, dict[str, tuple[str, ...]]]] = {}

    def govuk_rows(self) -> list[tuple[BoundField, list[tuple[BoundWidget, list[BoundField]]] | None]]:
        """The visible fields in order, each radio question with a reveal carrying its options' questions."""
        form: Any = self
        shown_under = {name for by_answer in self.reveals.values() for names in by_answer.values() for name in names}
        rows: list[tuple[BoundField, list[tuple[BoundWidget, list[BoundField]]] | None]] = []
        for field in form.visible_fields():
            if field.name in shown_under:
                continue
            by_answer = self.reveals.get(field.name)
            if by_answer is None:
                rows.append((field, None))
                continue
            options = [
                (option, [form[name] for name in by_answer.get(str(option.data["value"]), ())])
                for option in field.subwidgets
            ]
            rows.append((field, options))
        return rows

    def _clean_form(self) -> None:
        form: Any = self
        for question, by_answer in self.reveals.items():
            chosen = str(form.cleaned_data.get(question, ""))
            for answer, names in by_answer.items():
                if answer == chosen:
                    continue
                for name in names:
                    form._errors.pop(name, None)
                    try:
                        form.cleaned_data[name] = self.fields[name].clean(None)
                    except forms.ValidationError:
                        form.cleaned_data[name] = None
        super()._clean_form()  # type: ignore[misc]

    def _govuk_prepare(self) -> None:
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, GovukDateWidget):
                continue
            css = next((c for t, c in _INPUT_CLASSES.items() if isinstance(widget, t)), None)
            if (
                css is None
                and isinstance(widget, forms.widgets.Input)
                and not isinstance(widget, (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple))
            ):
                css = "govuk-input"
            if css and css not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()
            if field.help_text and not isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
                widget.attrs.setdefault("aria-describedby", f"id_{self._prefixed(name)}-hint")

    def _prefixed(self, name: str) -> str:
        return self.add_prefix(name)  # type: ignore[attr-defined,no-any-return]

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:
            field = self.fields.get(name)
            if field is None:
                continue
            widget = field.widget
            targets = widget.widgets if isinstance(widget, forms.MultiWidget) else [widget]
            for target in targets:
                css = target.attrs.get("class", "")
                for base in ("govuk-input", "govuk-select", "govuk-textarea", "govuk-file-upload"):
                    if f" {base} " in f" {css} " and f"{base}--error" not in css:
                        css = f"{css} {base}--error"
                target.attrs["class"] = css
            if not isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple, GovukDateWidget)):
                hint = f"id_{self._prefixed(name)}-hint " if field.help_text else ""
                widget.attrs["aria-describedby"] = f"{hint}id_{self._prefixed(name)}-error".strip()


class GovukForm(GovukFormMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self._govuk_prepare()


class GovukModelForm(GovukFormMixin, forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self._govuk_prepare()


class EditForm(GovukForm):
    """A form that changes a record someone else may change too.

    `seen` carries the fingerprint (`core.fingerprints`) of the record as the page showed it; the action compares it
    with the record as it is when saved, and refuses a save from a page opened before someone else's change, which
    would otherwise quietly put the old answers back. Staff pages only: the message is in English.
    """

    seen = forms.CharField(widget=forms.HiddenInput, required=False)
    # What a page sent without its fingerprint is told (a form may say where to open it again).
    not_sent_whole = "This page was not sent whole. Open it again and make your change."

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("seen"):
            raise forms.ValidationError(self.not_sent_whole)
        return data


def shown_as_now(form: AnyForm, message: str) -> AnyForm:
    """A stale save refused: `form` is made with the record as it is now as its initial values (and a fresh
    `seen`), unbound so that those are what it shows, and `message` is its error, in the page's error summary."""
    form.cleaned_data = {}
    form._errors = forms.utils.ErrorDict()  # type: ignore[attr-defined]
    form.add_error(None, message)
    return form


def blank_form_html(form_class: type[forms.Form]) -> SafeString:
    """The HTML of a form with no data: the same on every page that shows it, so rendered once per language.

    Rendering a form runs a template per field and per radio option, a few milliseconds on a page tracers
    open all day (the case and contact pages' "Record an attempt").
    """
    return _blank_form_html(form_class, get_language())


@functools.cache
def _blank_form_html(form_class: type[forms.Form], _language: str | None) -> SafeString:
    return form_class().render()

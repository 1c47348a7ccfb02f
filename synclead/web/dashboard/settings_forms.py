"""The organization's settings as the owners edit them on its settings page.

The model's own validators judge every value (the same ones `synclead org set` runs), so the page and the command
refuse the same things. Opening hours are typed one day per line ("09:00-12:30, 14:00-19:00") rather than as JSON.
"""

from __future__ import annotations

from typing import Any, Final

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from synclead.agent.hours import DAYS, hours_problem
from synclead.web.organizations import configure
from synclead.web.organizations.models import Organization
from synclead.web.organizations.opening_hours import HoursSyntaxError, format_day, parse_day

DAY_NAMES: Final = {
    "mon": gettext_lazy("Monday"),
    "tue": gettext_lazy("Tuesday"),
    "wed": gettext_lazy("Wednesday"),
    "thu": gettext_lazy("Thursday"),
    "fri": gettext_lazy("Friday"),
    "sat": gettext_lazy("Saturday"),
    "sun": gettext_lazy("Sunday"),
}
# Labels in the owner's words, not the field names ("Llm", "Stt").
LABELS: Final = {
    "name": gettext_lazy("Name"),
    "language": gettext_lazy("Language"),
    "timezone": gettext_lazy("Time zone"),
    "facts": gettext_lazy("Facts"),
    "greeting": gettext_lazy("Greeting"),
    "persona": gettext_lazy("Persona"),
    "instructions": gettext_lazy("Instructions"),
    "llm": gettext_lazy("Language model"),
    "llm_model": gettext_lazy("Model name"),
    "stt": gettext_lazy("Speech recognition"),
    "voice": gettext_lazy("Voice"),
    "tts": gettext_lazy("Voice"),
    "tts_voice": gettext_lazy("Voice"),
    "staff_number": gettext_lazy("Transfer number"),
    "max_concurrent_calls": gettext_lazy("Calls answered at once"),
    "notify_email": gettext_lazy("Email the members"),
    "webhook_url": gettext_lazy("Webhook URL"),
    "webhook_secret": gettext_lazy("Webhook secret"),
    "notify_sms": gettext_lazy("Text message to"),
    "retention_days": gettext_lazy("Keep calls for (days)"),
}
# A field for the agent's voice, when the deployment's Organization has one (named by whoever added it).
VOICE_FIELDS: Final = ("tts", "tts_voice", "voice")

# The page's sections, in order; each field appears once. `configure.SETTINGS` is the command's table of the same.
SECTIONS: Final = (
    (gettext_lazy("The business"), ("name", "language", "timezone", "facts")),
    (gettext_lazy("The agent"), ("greeting", "persona", "instructions", "llm", "llm_model", "stt")),
    (gettext_lazy("People and lines"), ("staff_number", "max_concurrent_calls")),
    (gettext_lazy("Notifications"), ("notify_email", "webhook_url", "webhook_secret", "notify_sms")),
    (gettext_lazy("Privacy"), ("retention_days",)),
)


def voice_fields() -> tuple[str, ...]:
    names = {field.name for field in Organization._meta.get_fields()}
    return tuple(name for name in VOICE_FIELDS if name in names)


def editable_fields() -> list[str]:
    return [name for _, names in SECTIONS for name in names] + list(voice_fields())


def hours_field(day: str) -> str:
    return f"hours_{day}"


class SettingsForm(forms.ModelForm):
    clear_webhook_secret = forms.BooleanField(required=False, label=gettext_lazy("Remove the secret"))

    class Meta:
        model = Organization
        fields: list[str] = []  # set in __init__: the voice field is there only when the model has one
        widgets = {
            "facts": forms.Textarea(attrs={"rows": 3}),
            "greeting": forms.Textarea(attrs={"rows": 2}),
            "persona": forms.Textarea(attrs={"rows": 2}),
            "instructions": forms.Textarea(attrs={"rows": 2}),
            "webhook_secret": forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.label = LABELS.get(name, field.label)
        hours = self.instance.business_hours or {}
        for day in DAYS:
            self.fields[hours_field(day)] = forms.CharField(
                label=DAY_NAMES[day],
                required=False,
                initial=format_day(hours.get(day, [])),
                widget=forms.TextInput(attrs={"placeholder": _("closed")}),
            )
        self.fields["webhook_secret"].required = False
        self.fields["webhook_secret"].help_text = (
            _("Set: %(masked)s. Leave empty to keep it.") % {"masked": configure.masked(self.instance.webhook_secret)}
            if self.instance.webhook_secret
            else _("Signs each webhook request (HMAC-SHA256), so your CRM can tell it comes from SYNCLEAD.")
        )
        for name in ("staff_number", "notify_sms"):
            # Typed as people write numbers ("+33 6 12 34 56 78"): the length is the model's check, after `_phone`.
            field = self.fields[name]
            field.max_length = None
            field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
            field.widget.attrs.pop("maxlength", None)
            field.widget.attrs.setdefault("placeholder", "+33612345678")
        self.fields["timezone"].widget.attrs["list"] = "timezones"

    def clean_staff_number(self) -> str:
        return _phone(self.cleaned_data["staff_number"])

    def clean_notify_sms(self) -> str:
        return _phone(self.cleaned_data["notify_sms"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        hours: dict[str, list[list[str]]] = {}
        for day in DAYS:
            name = hours_field(day)
            if name not in cleaned:
                continue
            try:
                intervals = parse_day(cleaned[name])
            except HoursSyntaxError as error:
                self.add_error(name, str(error))
                continue
            problem = hours_problem({day: intervals})
            if problem:
                # The validator names the day in its own words ("mon: …"); the field already says which day it is.
                self.add_error(name, _sentence(problem.partition(": ")[2] or problem))
            elif intervals:
                hours[day] = intervals
        self.instance.business_hours = hours
        secret = cleaned.get("webhook_secret", "")
        if cleaned.get("clear_webhook_secret"):
            cleaned["webhook_secret"] = ""
        elif not secret:
            # The page never shows the secret back: an empty box means "unchanged", not "remove it".
            cleaned["webhook_secret"] = Organization.objects.get(pk=self.instance.pk).webhook_secret
        return cleaned


def _phone(raw: str) -> str:
    try:
        return configure.parse_phone(raw)
    except ValueError as error:
        raise ValidationError(_sentence(str(error))) from None


def _sentence(text: str) -> str:
    text = text.strip()
    return f"{text[:1].upper()}{text[1:]}{'' if text.endswith('.') else '.'}"


def form_class() -> type[SettingsForm]:
    """The form with the fields this deployment's Organization has."""
    meta = type("Meta", (SettingsForm.Meta,), {"fields": editable_fields()})
    return type("OrganizationSettingsForm", (SettingsForm,), {"Meta": meta})

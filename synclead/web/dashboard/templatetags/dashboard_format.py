"""How a call reads on screen: phone numbers, durations, offsets into the call, local times, and the labels of stored
keys (intents, end reasons), each in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from django import template
from django.conf import settings
from django.utils import dateformat, formats, timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from synclead.web.dashboard.labels import intent_label, reason_label
from synclead.web.organizations.models import Organization

register = template.Library()


def organization_timezone(organization: Organization) -> ZoneInfo:
    # Organization has no time zone field yet; reading it here means adding one is the only change needed.
    return ZoneInfo(organization.timezone or settings.TIME_ZONE)


@register.filter
def phone(number: str) -> str:
    """`+33142685300` as `+33 1 42 68 53 00`; anything else as the carrier sent it."""
    if not number:
        return _("Unknown")
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_valid_number(parsed):
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.filter
def phone_list(numbers: Iterable[Any]) -> SafeString:
    """Phone numbers (`PhoneNumber` rows or strings), each in bold on one line, separated by commas."""
    return format_html_join(
        ", ", '<strong class="nowrap">{}</strong>', ((phone(getattr(n, "number", n)),) for n in numbers)
    )


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds as `m:ss`; a call still running has no duration yet."""
    if seconds is None:
        return "—"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


@register.filter
def offset(milliseconds: int) -> str:
    """Where an utterance starts, as `mm:ss` from the moment the call was answered."""
    minutes, seconds = divmod(milliseconds // 1000, 60)
    return f"{minutes:02d}:{seconds:02d}"


@register.filter
def reason(value: str) -> str:
    """Why a call ended: `caller_hung_up` as "Caller hung up" (or "L'appelant a raccroché")."""
    return reason_label(value)


@register.filter
def intent(value: str) -> str:
    """What the caller wanted: `tenant_issue` as "Tenant issue" (or "Problème de locataire")."""
    return intent_label(value)


@register.filter
def organization_label(organization: Organization) -> str:
    """An organization as a switcher offers it: its name and the language its agent answers in."""
    try:
        language = translation.get_language_info(organization.language)["name_translated"]
    except KeyError:  # a code Django does not know: shown as it is
        language = organization.language
    return f"{organization.name} · {language}" if language else organization.name


def date_pattern(name: str) -> str:
    """The reader's language's format called `name` (`synclead/web/formats/<language>/formats.py`), or `name` itself
    when it is a pattern such as "j M Y"."""
    if not name.isupper():
        return name
    for module in formats.get_format_modules(translation.get_language()):
        if hasattr(module, name):
            return getattr(module, name)
    return formats.get_format(name)


@register.simple_tag
def local_time(moment: datetime | None, organization: Organization, fmt: str = "SHORT_DATETIME_FORMAT") -> SafeString:
    """A `<time>` in the organization's time zone, not the viewer's: "9:00" means the agency's 9:00; written the way
    the reader's language writes dates."""
    if moment is None:
        return format_html("{}", "—")
    zone = organization_timezone(organization)
    local = timezone.localtime(moment, zone)
    shown = dateformat.format(local, date_pattern(fmt))
    return format_html('<time datetime="{}" title="{}">{}</time>', local.isoformat(), zone.key, shown)

"""How a call reads on screen: phone numbers, durations, offsets into the call, and local times."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import phonenumbers
from django import template
from django.conf import settings
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from synclead.web.organizations.models import Organization

register = template.Library()


def organization_timezone(organization: Organization) -> ZoneInfo:
    # Organization has no time zone field yet; reading it here means adding one is the only change needed.
    return ZoneInfo(organization.timezone or settings.TIME_ZONE)


@register.filter
def phone(number: str) -> str:
    """`+33142685300` as `+33 1 42 68 53 00`; anything else as the carrier sent it."""
    if not number:
        return "Unknown"
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_valid_number(parsed):
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


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
    """`caller_hung_up` as `Caller hung up`."""
    words = value.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else "—"


@register.simple_tag
def local_time(moment: datetime | None, organization: Organization, fmt: str = "j M Y, H:i") -> SafeString:
    """A `<time>` in the organization's time zone, not the viewer's: "9:00" means the agency's 9:00."""
    if moment is None:
        return format_html("{}", "—")
    zone = organization_timezone(organization)
    local = timezone.localtime(moment, zone)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', local.isoformat(), zone.key, dateformat.format(local, fmt)
    )

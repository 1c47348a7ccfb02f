"""An organization's settings as `synclead org set` takes them and `synclead org show` prints them.

One table, SETTINGS: every setting an agency decides, its option, how the option's text becomes the field's value and
how the value reads back. Values are checked by the model's own validators (`full_clean`), so the command refuses
exactly what the model refuses; nothing is saved unless every value given is valid.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import phonenumbers
from django.core.exceptions import ValidationError

from synclead.web.organizations.models import Organization


class SettingsError(ValueError):
    """Values refused, as one line: which option and why, for each."""


def _text(raw: str) -> str:
    return raw.strip()


def _whole_number(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not a whole number") from None


def _decimal(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not a number, such as 0.3") from None
    if not math.isfinite(value):
        raise ValueError(f"{raw!r} is not a number, such as 0.3")
    return value


def _switch(raw: str) -> bool:
    value = raw.strip().lower()
    if value not in ("on", "off"):
        raise ValueError(f"{raw!r} is neither on nor off")
    return value == "on"


def parse_phone(raw: str) -> str:
    """E.164 from however the number is typed ("+33 6 12 34 56 78"); "" clears it. The model checks it exists."""
    if not raw.strip():
        return ""
    try:
        parsed = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        raise ValueError(f"{raw!r} is not a phone number in international form, such as +33612345678") from None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _json(raw: str) -> Any:
    """A JSON value; "" clears it. The model checks its shape."""
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at character {exc.pos})") from None


def _names(raw: str) -> list[str]:
    """A comma-separated list; "" clears it."""
    return [name.strip() for name in raw.split(",") if name.strip()]


@dataclass(frozen=True, slots=True)
class Setting:
    field: str
    metavar: str
    help: str
    parse: Callable[[str], Any] = _text
    # How an empty value reads in `org show`: what the agent does without one.
    unset: str = "(not set)"
    secret: bool = False

    @property
    def option(self) -> str:
        return "--" + self.field.replace("_", "-")


SETTINGS: Final = (
    Setting("name", "NAME", "The business's name, as the agent says it."),
    Setting("language", "en|fr", "The language the agent speaks first."),
    Setting("greeting", "TEXT", "What the agent says first.", unset="(built from the name)"),
    Setting("persona", "TEXT", "Who the agent is and how it speaks."),
    Setting("facts", "TEXT", "A few facts about the business (opening hours, address)."),
    Setting("instructions", "TEXT", "Extra instructions for the agent."),
    Setting("timezone", "ZONE", "The business's time zone, such as Europe/Paris."),
    Setting(
        "business_hours",
        "JSON",
        'Opening hours for transfers, e.g. \'{"mon": [["09:00", "19:00"]]}\'; "" for none.',
        parse=_json,
        unset="(none: never transferred)",
    ),
    Setting("staff_number", "E164", 'Where a caller is transferred to a person; "" for none.', parse=parse_phone),
    Setting("llm", "mistral|openai|none", 'The language model; "" for the deployment\'s.', unset="(SYNCLEAD_LLM)"),
    Setting("llm_model", "MODEL", "The model's name; \"\" for the provider's default.", unset="(provider default)"),
    Setting("temperature", "0-2", "The language model's temperature.", parse=_decimal),
    Setting("max_input_tokens", "N", "The most the language model reads per turn.", parse=_whole_number),
    Setting("max_output_tokens", "N", "The most the language model writes per turn.", parse=_whole_number),
    Setting("stt", "assemblyai|whisper", 'Speech recognition; "" for the deployment\'s.', unset="(SYNCLEAD_STT)"),
    Setting("voice", "kokoro_female|kokoro_male|espeak", "The agent's voice in French (English: Piper)."),
    Setting(
        "intents",
        "NAME,NAME",
        'Intent vocabulary, comma-separated; "" for the real-estate default.',
        parse=_names,
        unset="(real-estate default)",
    ),
    Setting("notify_email", "on|off", "Email the members when a lead is created.", parse=_switch),
    Setting("notify_sms", "E164", 'An advisor\'s mobile to text for each new lead; "" for none.', parse=parse_phone),
    Setting("webhook_url", "URL", 'The CRM endpoint that receives each new lead (https://); "" for none.'),
    # Taken exactly as given: a secret is never trimmed behind its owner's back.
    Setting("webhook_secret", "SECRET", "HMAC-SHA256 key that signs the webhook.", parse=str, secret=True),
    Setting("retention_days", "N", "Recordings and transcripts older than this are deleted.", parse=_whole_number),
    Setting(
        "max_concurrent_calls",
        "N",
        "Calls answered at once; beyond, callers are asked to leave a message. 0: no limit.",
        parse=_whole_number,
    ),
)
SETTINGS_BY_FIELD: Final = {setting.field: setting for setting in SETTINGS}


def apply(organization: Organization, given: Mapping[str, str]) -> list[str]:
    """Set the fields named in `given` (field name → the option's text) on `organization`, unsaved.

    Returns the fields set; raises SettingsError, naming every option refused, when any value is not valid (the
    instance is then half-changed: do not save it).
    """
    problems: dict[str, str] = {}
    parsed: list[str] = []
    for setting in SETTINGS:
        if setting.field not in given:
            continue
        try:
            value = setting.parse(given[setting.field])
        except ValueError as exc:
            problems[setting.field] = str(exc)
            continue
        setattr(organization, setting.field, value)
        parsed.append(setting.field)
    others = [field.name for field in Organization._meta.fields if field.name not in parsed]
    try:
        # Only what was given: a value set long ago by other means is not this command's to judge.
        organization.full_clean(exclude=others, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field, errors in exc.error_dict.items():
            problems.setdefault(field, _reason(field, errors[0], getattr(organization, field, None)))
    if problems:
        order = list(SETTINGS_BY_FIELD)
        refused = sorted(problems, key=lambda field: order.index(field) if field in order else len(order))
        raise SettingsError("; ".join(f"{_option(field)}: {problems[field]}" for field in refused))
    return parsed


def _option(field: str) -> str:
    setting = SETTINGS_BY_FIELD.get(field)
    return setting.option if setting else field


def _reason(field: str, error: ValidationError, value: object) -> str:
    if error.code == "invalid_choice":
        choices = [str(key) for key, _ in Organization._meta.get_field(field).choices or ()]
        allowed = ", ".join(choice or '"" (the deployment\'s default)' for choice in choices)
        return f"{value!r} is not one of {allowed}"
    message = " ".join(error.messages)
    # Django's sentences ("Enter a valid URL.") read as the second half of "--option: …".
    if len(message) > 1 and message[0].isupper() and message[1].islower():
        message = message[0].lower() + message[1:]
    return message.removesuffix(".")


def shown(organization: Organization) -> dict[str, Any]:
    """Every setting, JSON-ready, secrets masked: what `org show` prints."""
    data: dict[str, Any] = {
        "slug": organization.slug,
        "numbers": [number.number for number in organization.numbers.order_by("number")],
    }
    for setting in SETTINGS:
        value = getattr(organization, setting.field)
        if setting.secret:
            value = masked(value)
        elif setting.field == "webhook_url":
            value = _without_credentials(value)
        data[setting.field] = value
    return data


def masked(secret: str) -> str:
    return f"set ({len(secret)} chars)" if secret else "not set"


def _without_credentials(url: str) -> str:
    """A URL with any password it carries hidden (https://user:…@crm.example/leads)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:…@{host}"))


def as_text(data: Mapping[str, Any]) -> list[str]:
    """`shown`'s settings as aligned lines, one per setting; a text on several lines stays indented under it."""
    width = max(len(key) for key in data) + 2
    lines = []
    for key, value in data.items():
        setting = SETTINGS_BY_FIELD.get(key)
        if isinstance(value, bool):
            text = "on" if value else "off"
        elif key == "numbers":
            text = ", ".join(value) or "(none)"
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            text = ", ".join(value)  # as `org set` takes it
        elif isinstance(value, dict | list):
            text = json.dumps(value, ensure_ascii=False) if value else ""
        else:
            text = str(value)
        if not text and setting is not None:
            text = setting.unset
        lines.append(f"{key:<{width}}{text}".rstrip().replace("\n", "\n" + " " * width))
    return lines

"""`synclead org set` and `synclead org show`: every setting an agency decides, refused whole when one value is wrong.

Driven through the real command: `call_command` for the cases, and the installed `synclead` console script in its own
process and data directory, as an operator types it, for one success and the refusals.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict

from synclead.web.organizations.configure import SETTINGS
from synclead.web.organizations.models import Organization, PhoneNumber

pytestmark = pytest.mark.django_db

SYNCLEAD = Path(sys.executable).parent / "synclead"

EVERY_SETTING = {
    "--name": "Agence Lumière Paris",
    "--language": "fr",
    "--greeting": "Bonjour, Agence Lumière, je vous écoute.",
    "--persona": "Claire, calme et précise.",
    "--facts": "Ouvert du lundi au samedi.\n12 rue Oberkampf, Paris 11e.",
    "--instructions": "Proposez toujours une visite.",
    "--timezone": "America/Martinique",
    "--business-hours": '{"mon": [["09:00", "12:30"], ["14:00", "19:00"]], "sat": [["10:00", "24:00"]]}',
    "--staff-number": "+33 1 42 68 53 99",
    "--llm": "mistral",
    "--llm-model": "mistral-small-latest",
    "--temperature": "0.5",
    "--max-input-tokens": "8000",
    "--max-output-tokens": "300",
    "--stt": "assemblyai",
    "--voice": "kokoro_male",
    "--intents": "rent, buy, sell, other",
    "--notify-email": "off",
    "--notify-sms": "+33612345678",
    "--webhook-url": "https://crm.example.com/leads",
    "--webhook-secret": "s3cret!!",
    "--retention-days": "90",
    "--max-concurrent-calls": "4",
}


@pytest.fixture
def org() -> Organization:
    organization = Organization.objects.create(slug="agence-lumiere", name="Agence Lumière")
    PhoneNumber.objects.create(number="+33142685300", organization=organization)
    return organization


def org_command(*args: str) -> str:
    out = io.StringIO()
    call_command("org", *args, stdout=out)
    return out.getvalue()


def refusal(*args: str) -> str:
    """The one line `org` is refused with; it must be a usage error (exit status 2)."""
    with pytest.raises(CommandError) as refused:
        org_command(*args)
    assert refused.value.returncode == 2
    message = str(refused.value)
    assert "\n" not in message
    return message


def settings_of(organization: Organization) -> dict:
    organization.refresh_from_db()
    return model_to_dict(organization, exclude=["members"])


def test_every_setting_an_agency_decides_has_an_option():
    decided = {field.name for field in Organization._meta.get_fields() if field.concrete and not field.auto_created}
    not_settings = {"slug", "members", "created_at"}  # the identity, the dashboard's users, a timestamp
    assert {setting.field for setting in SETTINGS} == decided - not_settings
    assert {setting.option for setting in SETTINGS} == set(EVERY_SETTING)


def test_set_every_setting(org):
    args = [item for option, value in EVERY_SETTING.items() for item in (option, value)]
    out = org_command("set", org.slug, *args)
    assert out.startswith("updated agence-lumiere: --name, --language")
    org.refresh_from_db()
    assert (org.name, org.language, org.timezone) == ("Agence Lumière Paris", "fr", "America/Martinique")
    assert org.facts == "Ouvert du lundi au samedi.\n12 rue Oberkampf, Paris 11e."
    assert org.business_hours == {"mon": [["09:00", "12:30"], ["14:00", "19:00"]], "sat": [["10:00", "24:00"]]}
    assert org.staff_number == "+33142685399"  # typed with spaces, stored in E.164
    assert (org.llm, org.llm_model, org.temperature, org.stt) == ("mistral", "mistral-small-latest", 0.5, "assemblyai")
    assert org.voice == "kokoro_male"
    assert (org.max_input_tokens, org.max_output_tokens) == (8000, 300)
    assert org.intents == ["rent", "buy", "sell", "other"]
    assert (org.notify_email, org.notify_sms) == (False, "+33612345678")
    assert (org.webhook_url, org.webhook_secret) == ("https://crm.example.com/leads", "s3cret!!")
    assert (org.retention_days, org.max_concurrent_calls) == (90, 4)


def test_show_prints_every_setting_with_the_secret_masked(org):
    org_command("set", org.slug, "--webhook-secret", "s3cret!!", "--facts", "Line one.\nLine two.")
    shown = json.loads(org_command("show", org.slug, "--json"))
    assert set(shown) == {"slug", "numbers", *(setting.field for setting in SETTINGS)}
    assert shown["numbers"] == ["+33142685300"]
    assert shown["webhook_secret"] == "set (8 chars)"
    assert shown["max_concurrent_calls"] == 20 and shown["notify_email"] is True

    text = org_command("show", org.slug)
    assert "s3cret" not in text
    lines = text.splitlines()
    for setting in SETTINGS:
        assert any(line.split()[0] == setting.field for line in lines if line.strip()), setting.field
    assert "webhook_secret        set (8 chars)" in lines
    assert "max_concurrent_calls  20" in lines
    assert "llm                   (SYNCLEAD_LLM)" in lines
    assert "voice                 kokoro_female" in lines  # the French voice a new agency gets
    # A text on several lines stays under its setting.
    assert "facts                 Line one." in lines and "                      Line two." in lines


def test_an_empty_value_clears_an_optional_setting(org):
    org_command("set", org.slug, "--staff-number", "+33142685399", "--webhook-url", "https://crm.example.com/x")
    org_command("set", org.slug, "--staff-number", "", "--webhook-url", "", "--business-hours", "", "--llm", "")
    org.refresh_from_db()
    assert (org.staff_number, org.webhook_url, org.business_hours, org.llm) == ("", "", {}, "")


def test_a_webhook_may_be_plain_http_only_on_this_machine(org):
    org_command("set", org.slug, "--webhook-url", "http://127.0.0.1:9000/hook")
    org_command("set", org.slug, "--webhook-url", "http://localhost/hook")
    org.refresh_from_db()
    assert org.webhook_url == "http://localhost/hook"


@pytest.mark.parametrize(
    ("option", "value", "reason"),
    [
        ("--webhook-url", "not a url", "enter a valid URL"),
        ("--webhook-url", "http://crm.example.com/leads", "use an https:// URL"),
        ("--webhook-url", "ftp://crm.example.com/leads", "use an https:// URL"),
        ("--staff-number", "+33 1 23 45 67 8", "is not a valid phone number"),
        ("--staff-number", "+33 1 23", "enter a number in E.164 form"),
        ("--notify-sms", "06 12 34 56 78", "is not a phone number in international form"),
        ("--business-hours", "not json", "not JSON"),
        ("--business-hours", '[["09:00", "19:00"]]', "give an object of days"),
        ("--business-hours", '{"monday": [["09:00", "19:00"]]}', "'monday' is not a day"),
        ("--business-hours", '{"mon": [["9h", "19h"]]}', "is not an interval"),
        ("--business-hours", '{"mon": ["09:00-19:00"]}', "is not an interval"),
        ("--business-hours", '{"mon": [["19:00", "09:00"]]}', "ends before it starts"),
        ("--business-hours", '{"mon": [["24:00", "24:00"]]}', "cannot start at 24:00"),
        ("--timezone", "Mars/Olympus", "is not a time zone"),
        ("--language", "de", "'de' is not one of en, fr"),
        ("--llm", "gpt", "'gpt' is not one of"),
        ("--stt", "google", "'google' is not one of"),
        ("--voice", "robot", "'robot' is not one of kokoro_female, kokoro_male, espeak"),
        ("--notify-email", "maybe", "neither on nor off"),
        ("--retention-days", "0", "greater than or equal to 1"),
        ("--retention-days", "a year", "not a whole number"),
        ("--max-concurrent-calls", "-1", "greater than or equal to 0"),
        ("--temperature", "3", "less than or equal to 2"),
        ("--temperature", "nan", "not a number"),
        ("--max-output-tokens", "0", "greater than or equal to 1"),
        ("--intents", "Rent, buy", "names in lower case"),
        ("--intents", "rent, rent", "listed twice"),
        ("--name", "", "cannot be blank"),
        ("--webhook-secret", "x" * 129, "at most 128 characters"),
    ],
)
def test_an_invalid_value_is_refused_in_one_line_and_nothing_is_saved(org, option, value, reason):
    before = settings_of(org)
    message = refusal("set", org.slug, "--name", "Renamed", option, value)
    assert message.startswith(f"{option}: "), message
    assert reason in message
    assert settings_of(org) == before


def test_every_refused_option_is_named(org):
    message = refusal("set", org.slug, "--webhook-url", "not a url", "--retention-days", "0", "--language", "fr")
    assert message == (
        "--webhook-url: enter a valid URL; --retention-days: ensure this value is greater than or equal to 1"
    )
    assert Organization.objects.get(pk=org.pk).language == "en"


def test_unknown_organization_or_option_is_a_usage_error(org):
    assert refusal("set", "nobody", "--name", "X") == "'nobody': no such organization (see synclead org list)"
    assert refusal("show", "nobody").startswith("'nobody': no such organization")
    assert refusal("set", org.slug, "--colour", "blue") == "--colour: unknown option"
    # No abbreviations: `--web` could be either webhook option.
    assert refusal("set", org.slug, "--web", "https://crm.example.com") == "--web: unknown option"
    assert refusal("set", org.slug, "--name").startswith("--name: expected one argument")
    assert refusal("set", org.slug).startswith("nothing to set")


# --- as an operator runs it ---------------------------------------------------------------------------------------


def synclead(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SYNCLEAD), *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def operator_env(tmp_path) -> dict[str, str]:
    """A deployment of its own (its data directory, its database) with one organization."""
    env = {**os.environ, "SYNCLEAD_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "synclead.web.settings"}
    for step in (["migrate", "-v", "0"], ["org", "add", "demo", "--name", "Demo", "--number", "+33142685300"]):
        done = synclead(*step, env=env)
        assert done.returncode == 0, done.stderr
    return env


def test_the_console_command_sets_refuses_and_shows(operator_env):
    done = synclead(
        "org", "set", "demo", "--max-concurrent-calls", "3", "--notify-sms", "+33 6 12 34 56 78",
        "--webhook-url", "https://crm.example.com/leads", "--webhook-secret", "s3cret!!", env=operator_env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "updated demo: --notify-sms, --webhook-url, --webhook-secret, --max-concurrent-calls"
    )

    refused = synclead("org", "set", "demo", "--max-concurrent-calls", "5", "--webhook-url", "x", env=operator_env)
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == ["CommandError: --webhook-url: enter a valid URL"]

    unknown = synclead("org", "set", "demo", "--max-calls", "5", env=operator_env)
    assert unknown.returncode == 2
    assert unknown.stderr.splitlines() == ["synclead org: error: --max-calls: unknown option"]

    shown = synclead("org", "show", "demo", "--json", env=operator_env)
    assert shown.returncode == 0, shown.stderr
    settings = json.loads(shown.stdout)
    # The refused command saved nothing, not even its valid --max-concurrent-calls.
    assert (settings["max_concurrent_calls"], settings["notify_sms"]) == (3, "+33612345678")
    assert settings["webhook_secret"] == "set (8 chars)" and "s3cret" not in shown.stdout

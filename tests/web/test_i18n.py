"""The dashboard in French and English: every word goes through the catalogue, and each user reads their own language.

The template check parses every template under synclead/web with Django's own Lexer: text outside
{% translate %} / {% blocktranslate %} that a person would read (element text, and the title, alt, placeholder and
aria-label attributes) must be a translation or one of the few words that are the same in every language.
"""

from __future__ import annotations

import ast
import io
import re
import shutil
import subprocess
import tokenize
from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.template.base import Lexer, TokenType
from django.urls import reverse
from django.utils import translation
from django.utils.translation.template import templatize

from synclead.web.dashboard.labels import END_REASONS, INTENTS, intent_label, reason_label
from synclead.web.dashboard.models import Preference
from synclead.web.leads.models import Lead

WEB = Path(__file__).resolve().parents[2] / "synclead" / "web"
CATALOGUE = WEB / "locale" / "fr" / "LC_MESSAGES" / "django.po"
TEMPLATES = sorted(path for path in WEB.rglob("templates/**/*.html"))
# The Python modules whose messages reach the dashboard (makemessages reads the same ones).
PYTHON = sorted(
    path
    for folder in (WEB, WEB.parent / "knowledge", WEB.parent / "notifications")
    for path in folder.rglob("*.py")
    if "migrations" not in path.parts
)
IGNORED_TOKENS = {tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT}
# Shown as they are in both languages: the product's name, units, and typographic marks.
SAME_IN_EVERY_LANGUAGE = {"SYNCLEAD", "m²", "ms", "p50", "p95", "CSV", "HMAC-SHA256", "Twilio", "h"}
SHOWN_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label"}
# Stands for a {{ variable }} or a {% tag %} in the text put back together.
HOLE = "\x00"
LETTER = re.compile(r"[^\W\d_]")
OPENING = {"blocktranslate", "blocktrans", "comment", "verbatim"}
CLOSING = {"end" + name for name in OPENING}


def _untranslated_text(source: str) -> list[str]:
    """The words of a template a reader would see that are not inside a translation tag."""
    pieces: list[str] = []
    depth = 0  # inside {% blocktranslate %}, {% comment %} or {% verbatim %}
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if name in OPENING:
                depth += 1
            elif name in CLOSING:
                depth -= 1
            pieces.append(HOLE)
        elif token.token_type == TokenType.TEXT and not depth:
            pieces.append(token.contents)
        elif token.token_type != TokenType.COMMENT:
            pieces.append(HOLE)
    reader = _Reader()
    reader.feed("".join(pieces))
    reader.close()
    return reader.found


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.hidden = 0  # inside <script>, <style> or <code>: not prose

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code"):
            self.hidden += 1
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value:
                self._check(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code"):
            self.hidden = max(0, self.hidden - 1)

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self._check(data)

    def _check(self, text: str) -> None:
        for part in text.split(HOLE):
            words = " ".join(part.split())
            if LETTER.search(words) and words.strip(" ·,.:;()\u2014\u2013-/") not in SAME_IN_EVERY_LANGUAGE:
                self.found.append(words)


def test_the_templates_are_found():
    assert len(TEMPLATES) >= 15
    assert any(path.name == "call_detail.html" for path in TEMPLATES)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: str(path.relative_to(WEB)))
def test_every_template_string_is_translated(path):
    assert _untranslated_text(path.read_text(encoding="utf-8")) == []


def test_the_check_finds_a_forgotten_string():
    source = (
        '{% load i18n %}<h1 title="Calls">{% translate "Calls" %}</h1><p>Welcome back, {{ user }}</p>'
        '{% blocktranslate %}Fine {{ x }}{% endblocktranslate %}{# a note #}<input placeholder="{% translate "Q" %}">'
        '<script>const word = "hidden";</script>'
    )
    assert _untranslated_text(source) == ["Calls", "Welcome back,"]


def _entries() -> list[polib.POEntry]:
    return [entry for entry in polib.pofile(str(CATALOGUE)) if not entry.obsolete]


def test_every_message_has_a_french_translation():
    entries = _entries()
    assert len(entries) > 300
    untranslated = [
        entry.msgid
        for entry in entries
        if "fuzzy" in entry.flags
        or (entry.msgid_plural and not all(entry.msgstr_plural.get(i) for i in (0, 1)))
        or (not entry.msgid_plural and not entry.msgstr)
    ]
    assert untranslated == []


_SINGULAR = {"gettext", "gettext_lazy", "_", "gettext_noop"}
_CONTEXT = {"pgettext", "pgettext_lazy"}
_PLURAL = {"ngettext", "ngettext_lazy"}
_CONTEXT_PLURAL = {"npgettext", "npgettext_lazy"}


def _marked(code: str) -> set[tuple[str | None, str]]:
    """(context, msgid) of each gettext call with literal arguments in Python code, or in `templatize`'s output."""
    # Without indentation: templatize's output is not Python, only a stream of Python tokens.
    flat = "\n".join(line.lstrip() for line in code.splitlines())
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(flat).readline) if t.type not in IGNORED_TOKENS]
    found = set()
    for i, token in enumerate(tokens[:-2]):
        name = token.string
        if (
            token.type != tokenize.NAME
            or tokens[i + 1].string != "("
            or name not in _SINGULAR | _CONTEXT | _PLURAL | _CONTEXT_PLURAL
        ):
            continue
        strings: list[str] = []
        previous = None
        for following in tokens[i + 2 :]:
            if following.type == tokenize.STRING:
                value = ast.literal_eval(following.string)
                # "one " "two": Python joins adjacent literals into one argument.
                if previous is not None and previous.type == tokenize.STRING:
                    strings[-1] += value
                else:
                    strings.append(value)
            elif following.string != ",":
                break
            previous = following
        if name in _CONTEXT | _CONTEXT_PLURAL and len(strings) >= 2:
            found.add((strings[0], strings[1]))
        elif name in _SINGULAR | _PLURAL and strings:
            found.add((None, strings[0]))
    return found


def _marked_everywhere() -> set[tuple[str | None, str]]:
    marked = set()
    for path in TEMPLATES:
        marked |= _marked(templatize(path.read_text(encoding="utf-8"), origin=str(path)))
    for path in PYTHON:
        source = path.read_text(encoding="utf-8")
        if "django.utils.translation import" in source:
            marked |= _marked(source)
    return marked


def test_every_marked_string_is_in_the_catalogue():
    # A string marked after the last `makemessages` would stay English for a French reader.
    catalogue = {(entry.msgctxt, entry.msgid) for entry in _entries()}
    marked = _marked_everywhere()
    assert len(marked) > 300
    assert sorted(marked - catalogue, key=str) == [], "run makemessages (see README) and translate"


def test_the_compiled_catalogue_matches_its_source():
    # The .mo is committed, so a fresh clone speaks French without gettext installed; it must be the .po compiled.
    compiled = {(entry.msgctxt, entry.msgid): entry for entry in polib.mofile(str(CATALOGUE.with_suffix(".mo")))}
    for entry in _entries():
        found = compiled.get((entry.msgctxt, entry.msgid))
        assert found is not None, f"{entry.msgid!r} is not compiled: run msgfmt (see README)"
        if entry.msgid_plural:
            assert found.msgstr_plural == entry.msgstr_plural, entry.msgid
        else:
            assert found.msgstr == entry.msgstr, entry.msgid


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext's msgfmt (apt-get install gettext)")
def test_the_catalogue_placeholders_agree(tmp_path):
    # msgfmt --check refuses a translation whose %(name)s placeholders differ from the English.
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(CATALOGUE)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_every_stored_key_has_a_french_label():
    with translation.override("fr"):
        assert intent_label("tenant_issue") == "Problème de locataire"
        assert reason_label("caller_hung_up") == "L'appelant a raccroché"
        for key in (*INTENTS, *END_REASONS):
            assert intent_label(key) != key and reason_label(key) != key
    # A key nobody listed (an organization's own intent) still reads as words, not as an identifier.
    assert intent_label("pool_maintenance") == "Pool maintenance"


# Each user's language


def test_the_browser_language_is_the_default(client):
    assert "Mot de passe" in client.get("/login/", headers={"accept-language": "fr-FR,fr;q=0.9"}).content.decode()
    assert "Password" in client.get("/login/", headers={"accept-language": "en-GB"}).content.decode()


def test_a_choice_is_kept_with_the_account(client, user_a, password):
    client.force_login(user_a)
    response = client.post(reverse("dashboard:language"), {"language": "fr", "next": "/leads/"})
    assert response.status_code == 302 and response.url == "/leads/"
    assert Preference.objects.get(user=user_a).language == "fr"
    assert '<html lang="fr">' in client.get("/leads/", headers={"accept-language": "en"}).content.decode()

    # Another browser, which asks for English: the account's choice wins once logged in.
    client.logout()
    client.cookies.clear()
    assert '<html lang="en">' in client.get("/login/", headers={"accept-language": "en"}).content.decode()
    client.post("/login/", {"username": user_a.username, "password": password}, headers={"accept-language": "en"})
    html = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert '<html lang="fr">' in html and "Appels" in html


def test_a_language_picked_before_logging_in_becomes_the_accounts(client, user_a, password):
    client.post(reverse("dashboard:language"), {"language": "fr", "next": "/login/"})
    assert "Mot de passe" in client.get("/login/", headers={"accept-language": "en"}).content.decode()
    client.post("/login/", {"username": user_a.username, "password": password})
    assert Preference.objects.get(user=user_a).language == "fr"


def test_an_unknown_language_changes_nothing(client_a, user_a):
    client_a.post(reverse("dashboard:language"), {"language": "xx", "next": "/"})
    assert not Preference.objects.filter(user=user_a).exists()
    assert client_a.get("/").content.decode().startswith('<!doctype html>\n<html lang="en">')


def test_a_language_change_never_redirects_off_site(client_a):
    response = client_a.post(reverse("dashboard:language"), {"language": "fr", "next": "https://evil.example/"})
    assert response.status_code == 302 and not response.url.startswith("https://evil.example")


def test_a_french_reader_sees_french_dates_numbers_and_labels(client_a, user_a, org_a, make_call):
    Preference.objects.create(user=user_a, language="fr")
    client_a.force_login(user_a)  # the preference is read at login
    call = make_call(org_a, started_at=datetime(2025, 7, 1, 8, 30, 15, tzinfo=UTC))
    Lead.objects.filter(call=call).update(intent="tenant_issue", qualification={"budget": 1250000, "kind": "buy"})
    call.end_reason = "caller_hangup"
    call.save()

    html = unescape(client_a.get(reverse("dashboard:call_detail", args=[call.call_sid])).content.decode())
    for expected in [
        "mar. 1 juil. 2025, 10:30:15",  # Paris time, French abbreviations
        "Problème de locataire",
        "L'appelant a raccroché",
        "1\u202f250\u202f000",  # thousands as French sets them
        "Achat",
        "Transcription",
        "Élevée",
    ]:
        assert expected in html, expected
    assert "tenant_issue" not in html.replace('value="tenant_issue"', "")

    listing = client_a.get("/").content.decode()
    assert "1 juil. 2025, 10:30" in listing and "Terminé" in listing


def test_the_demo_organizations_are_told_apart(db, client, django_user_model, password):
    from synclead.web.service.demo import ensure_demo_organizations

    organizations = ensure_demo_organizations()
    assert len({organization.name for organization in organizations}) == len(organizations)
    user = django_user_model.objects.create_user("both", password=password)
    for organization in organizations:
        organization.members.add(user)
    client.force_login(user)
    html = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert "Agence Lumière International · English" in html
    assert "Agence Lumière Paris · French" in html

"""What the advisors read: the email and the SMS in the organization's language, and the CRM's JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from synclead.config import get_settings
from synclead.web.leads.models import Lead

# Labels for the default real-estate vocabulary; an organization's own intents are shown as they are written.
INTENTS = {
    "en": {
        "rent": "rent",
        "buy": "buy",
        "sell": "sell",
        "valuation": "valuation",
        "property_management": "property management",
        "tenant_issue": "tenant issue",
        "viewing": "viewing",
        "general_question": "general question",
        "other": "other",
    },
    "fr": {
        "rent": "location",
        "buy": "achat",
        "sell": "vente",
        "valuation": "estimation",
        "property_management": "gestion locative",
        "tenant_issue": "problème de locataire",
        "viewing": "visite",
        "general_question": "question générale",
        "other": "autre",
    },
}
URGENCIES = {
    "en": {"low": "low", "normal": "normal", "high": "high"},
    "fr": {"low": "faible", "normal": "normale", "high": "haute"},
}
WORDS = {
    "en": {
        "subject": "New lead: {who} ({intent}, {urgency} urgency)",
        "unknown": "Unknown caller",
        "no_intent": "no intent",
        "caller": "Caller",
        "number": "Number",
        "intent": "Intent",
        "urgency": "Urgency",
        "summary": "Summary",
        "no_summary": "(no summary)",
        "link": "Call page",
        "sms": "New lead: {who} {number}, {intent}, {urgency} urgency. {url}",
    },
    "fr": {
        "subject": "Nouveau contact : {who} ({intent}, urgence {urgency})",
        "unknown": "Appelant inconnu",
        "no_intent": "demande non précisée",
        "caller": "Appelant",
        "number": "Numéro",
        "intent": "Demande",
        "urgency": "Urgence",
        "summary": "Résumé",
        "no_summary": "(pas de résumé)",
        "link": "Page de l'appel",
        "sms": "Nouveau contact : {who} {number}, {intent}, urgence {urgency}. {url}",
    },
}


@dataclass(frozen=True, slots=True)
class Email:
    subject: str
    body: str


def call_url(lead: Lead) -> str:
    return get_settings().public_url + reverse("dashboard:call_detail", kwargs={"call_sid": lead.call.call_sid})


def _language(lead: Lead) -> str:
    return lead.organization.language if lead.organization.language in WORDS else "en"


def _facts(lead: Lead) -> dict[str, str]:
    lang = _language(lead)
    words = WORDS[lang]
    return {
        "who": lead.name or words["unknown"],
        "number": lead.phone or lead.call.from_number,
        "intent": INTENTS[lang].get(lead.intent, lead.intent) or words["no_intent"],
        "urgency": URGENCIES[lang].get(lead.urgency, lead.urgency),
        "summary": lead.call.summary.strip() or words["no_summary"],
        "url": call_url(lead),
    }


def email_for(lead: Lead) -> Email:
    words = WORDS[_language(lead)]
    facts = _facts(lead)
    lines = [
        f"{words['caller']}: {facts['who']}",
        f"{words['number']}: {facts['number']}",
        f"{words['intent']}: {facts['intent']}",
        f"{words['urgency']}: {facts['urgency']}",
        "",
        f"{words['summary']}:",
        facts["summary"],
        "",
        f"{words['link']}: {facts['url']}",
    ]
    return Email(subject=words["subject"].format(**facts), body="\n".join(lines) + "\n")


def sms_for(lead: Lead) -> str:
    # One SMS segment is 160 GSM characters; the summary stays in the email and on the call page.
    return WORDS[_language(lead)]["sms"].format(**_facts(lead))


def webhook_payload(lead: Lead) -> dict[str, Any]:
    call = lead.call
    return {
        "event": "lead.created",
        "lead": {
            "id": lead.pk,
            "organization": lead.organization.slug,
            "source": lead.source,
            "name": lead.name,
            "phone": lead.phone,
            "email": lead.email,
            "intent": lead.intent,
            "urgency": lead.urgency,
            "details": lead.details,
            "qualification": lead.qualification,
            "created_at": lead.created_at.isoformat(),
            "url": call_url(lead),
        },
        "call": {
            "sid": call.call_sid,
            "from": call.from_number,
            "to": call.to_number,
            "language": call.language,
            "started_at": call.started_at.isoformat(),
            "ended_at": call.ended_at.isoformat() if call.ended_at else None,
            "duration_s": call.duration_s,
            "summary": call.summary,
        },
    }

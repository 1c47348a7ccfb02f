"""The post-call job: extraction (and the LLM, when the organization has one) written as the call's lead and summary.

Keyed by the call and idempotent: `Call.report_ready_at`, checked under the call's row lock, says the report was
written, so a retried job or a replayed callback that enqueues it again changes nothing and notifies no one twice.
The lead `finish_call` (or the voicemail callback) made is updated, never duplicated: it exists even if this job
never runs. A caller who calls again while their earlier lead is still new is grouped onto that lead (`repeats`).
The lead's notifications are planned in the report's transaction and sent by a job of their own once it commits
(`synclead.notifications.notify`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from synclead.agent.llm.model import ChatModel
from synclead.agent.offline.numbers import parse_phone
from synclead.notifications.notify import plan_deliveries
from synclead.notifications.tasks import send_deliveries
from synclead.postcall.extract import Extraction, extract
from synclead.postcall.intents import DEFAULT_INTENTS
from synclead.postcall.repeats import flag_repeat_caller, group_into_open_lead
from synclead.providers.embeddings import Embedder
from synclead.web.calls.models import Call, Role
from synclead.web.leads.models import Contact, Lead, Source

log = logging.getLogger(__name__)


@task()
def process_call(call_id: int) -> bool:
    """Write the report of call `call_id` (its primary key); False when it was already written."""
    return write_report(call_id)


def enqueue_after_commit(call_id: int) -> None:
    """Enqueue the job once the caller's transaction commits, so the worker sees the call and its utterances."""
    transaction.on_commit(lambda: process_call.enqueue(call_id))


def write_report(call_id: int, *, chat_model: ChatModel | None = None, embedder: Embedder | None = None) -> bool:
    call = Call.objects.select_related("organization").get(pk=call_id)
    if call.report_ready_at is not None:
        return False
    # The slow part (embeddings, the LLM) runs before the lock, so the row is held only while writing.
    voicemail = _is_voicemail(call)
    extraction = None if voicemail else _extract(call, chat_model, embedder)
    with transaction.atomic():
        call = Call.objects.select_for_update().select_related("organization").get(pk=call_id)
        if call.report_ready_at is not None:
            return False  # another run won the race
        lead = _lead(call, voicemail)
        if extraction is not None:
            _apply(lead, extraction)
            call.summary = extraction.summary
        else:
            call.summary = _voicemail_summary(call)
        lead.contact = _contact(call, lead)
        caller_id = _e164(call.from_number)
        group_into_open_lead(call, lead, caller_id)
        lead.save()
        flag_repeat_caller(call, lead.contact, caller_id)
        call.report_ready_at = timezone.now()
        call.save(update_fields=["summary", "report_ready_at"])
        # Who must hear of the lead commits with it: a process that dies after the commit leaves the deliveries
        # pending for `synclead notifications retry`, instead of a lead nobody is told about. A call grouped onto
        # the caller's open lead tells no one again: the agency already has that lead, and a flood must not become
        # a flood of emails, texts and webhooks.
        # A test call from the dashboard gets its report like any call, but pages no one: it is not a customer.
        if lead.grouped_into_id is None and not call.is_test and plan_deliveries(lead):
            transaction.on_commit(lambda: _send_after_commit(lead.pk))
    return True


def _is_voicemail(call: Call) -> bool:
    try:
        if call.lead.source == Source.VOICEMAIL:
            return True
    except Lead.DoesNotExist:
        pass
    return not call.utterances.filter(role=Role.CALLER).exists() and bool(call.recording_url)


def _extract(call: Call, chat_model: ChatModel | None, embedder: Embedder | None) -> Extraction:
    org = call.organization
    lines = list(call.utterances.order_by("start_ms", "id"))
    intents = [str(i) for i in org.intents] if org.intents else list(DEFAULT_INTENTS)
    language = call.language or org.language
    extraction = extract(lines, language, call.from_number, intents, embedder or _embedder())
    model = chat_model or _chat_model(org.llm, org.llm_model)
    if model is not None and lines:
        from synclead.postcall.llm import refine

        extraction = asyncio.run(refine(model, lines, language, intents, extraction))
    return extraction


def _embedder() -> Embedder | None:
    from synclead.providers.embeddings import get_embedder

    try:
        return get_embedder()
    except Exception:  # no embeddings (no key, no package): the keyword rules still classify
        log.exception("embeddings unavailable for post-call extraction")
        return None


def _chat_model(org_llm: str, org_model: str) -> ChatModel | None:
    from synclead.config import get_settings
    from synclead.providers.llm import chat_model_for

    return chat_model_for(get_settings(), org_llm, org_model)


def _lead(call: Call, voicemail: bool) -> Lead:
    lead, _ = Lead.objects.get_or_create(
        call=call,
        defaults={
            "organization_id": call.organization_id,
            "source": Source.VOICEMAIL if voicemail else Source.CALL,
            "phone": _e164(call.from_number),
        },
    )
    return lead


def _apply(lead: Lead, extraction: Extraction) -> None:
    # What the agent confirmed during the call stays when the transcript gives nothing better.
    lead.name = (extraction.name or lead.name)[:200]
    lead.phone = (extraction.phone or lead.phone)[:16]
    lead.email = extraction.email or lead.email
    lead.intent = (extraction.intent or lead.intent)[:64]
    lead.urgency = extraction.urgency
    lead.qualification = extraction.qualification
    lead.evidence = extraction.evidence
    lead.details = lead.details or _details(extraction.qualification)


def _details(qualification: dict[str, Any]) -> str:
    return ", ".join(f"{name.replace('_', ' ')}: {value}" for name, value in qualification.items())


def _voicemail_summary(call: Call) -> str:
    seconds = f" ({call.recording_duration_s:.0f} s)" if call.recording_duration_s else ""
    if call.language == "fr":
        return f"Message vocal{seconds} de {call.from_number or 'un numéro masqué'} : écouter l'enregistrement."
    return f"Voicemail{seconds} from {call.from_number or 'a hidden number'}: listen to the recording."


def _e164(number: str) -> str:
    return (parse_phone(number, "en") or "") if number else ""


def _contact(call: Call, lead: Lead) -> Contact | None:
    # The number they called from identifies a caller across calls; a number they only said is the fallback.
    phone = _e164(call.from_number) or lead.phone
    if not phone:
        return lead.contact
    contact, _ = Contact.objects.get_or_create(organization_id=call.organization_id, phone=phone)
    changed = [name for name in ("name", "email") if getattr(lead, name) and not getattr(contact, name)]
    for name in changed:
        setattr(contact, name, getattr(lead, name))
    contact.save()  # also moves last_seen
    return contact


def _send_after_commit(lead_id: int) -> None:
    try:
        send_deliveries.enqueue(lead_id)
    except Exception:  # the report is written and the deliveries with it; the retry command will send them
        log.exception("lead %s: could not enqueue its notifications; they wait for the retry", lead_id)

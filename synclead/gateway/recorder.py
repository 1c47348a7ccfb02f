"""Writes what happens in a call to the database while the call runs (the engine's `CallObserver`)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from synclead.engine.ports import CallOutcome, UtteranceRecord
from synclead.events import call_channel, get_bus, organization_channel
from synclead.gateway import database
from synclead.gateway import metrics as prometheus
from synclead.postcall.tasks import enqueue_after_commit
from synclead.web.calls.live_lead import LiveLead
from synclead.web.calls.models import Call, CallStatus, Utterance
from synclead.web.leads.models import Lead, Source

log = logging.getLogger(__name__)


class DatabaseRecorder:
    def __init__(self) -> None:
        self._metrics: dict[str, dict] = {}
        # What each call's caller has told so far, published as it changes for the live dashboard.
        self._live: dict[str, LiveLead] = {}

    def utterance(self, call_sid: str, record: UtteranceRecord) -> None:
        def write() -> None:
            call = Call.objects.only("id").get(call_sid=call_sid)
            Utterance.objects.create(
                call=call,
                role=record.role,
                text=record.text,
                start_ms=max(record.start_ms, 0),
                end_ms=max(record.end_ms, record.start_ms, 0),
                interrupted=record.interrupted,
            )

        database.submit(write, call_sid=call_sid, data=record)
        # For whoever watches the call live (the dashboard), in whichever process they are served.
        get_bus().publish(
            call_channel(call_sid),
            {
                "type": "utterance",
                "role": record.role,
                "text": record.text,
                "start_ms": record.start_ms,
                "end_ms": record.end_ms,
                "interrupted": record.interrupted,
            },
        )
        fields = self._watch(call_sid).heard(record)
        if fields is not None:
            get_bus().publish(call_channel(call_sid), {"type": "lead", "fields": fields})

    def metric(self, call_sid: str, name: str, value: dict) -> None:
        self._watch(call_sid)
        metrics = self._metrics.setdefault(
            call_sid, {"greeting_ms": None, "turns": [], "barge_ins": [], "provider_errors": []}
        )
        if name == "greeting_ms":
            metrics["greeting_ms"] = value["greeting_ms"]
            prometheus.GREETING_LATENCY.observe(value["greeting_ms"] / 1000)
        elif name == "turns":
            metrics["turns"] = value["turns"]
            for turn in value["turns"]:
                prometheus.TURN_LATENCY.observe(turn["latency_ms"] / 1000)
        elif name == "barge_in":
            metrics["barge_ins"].append(value)
        elif name == "provider_error":
            metrics["provider_errors"].append(value)
            _count_provider_error(value)
            if value.get("permanent"):
                log.error("call %s: %s provider refused us: %s", call_sid, value.get("provider"), value.get("reason"))

    def ended(self, call_sid: str, outcome: CallOutcome, duration_ms: int) -> None:
        metrics = self._metrics.pop(call_sid, {})
        if outcome.provider_errors:
            metrics["provider_errors"] = [*metrics.get("provider_errors", []), *outcome.provider_errors]
            for error in outcome.provider_errors:
                _count_provider_error(error)
        database.submit(
            lambda: finish_call(call_sid, outcome, duration_ms, metrics),
            call_sid=call_sid,
            data={"end": outcome, "duration_ms": duration_ms},
        )
        get_bus().publish(call_channel(call_sid), {"type": "ended", "reason": outcome.reason})
        self._live.pop(call_sid, None)
        # After the row is closed (the writes keep their order), so a page that hears of the end reads the end.
        database.submit(lambda: announce(call_sid, {"type": "ended", "reason": outcome.reason}), call_sid=call_sid)

    def _watch(self, call_sid: str) -> LiveLead:
        """The call's live lead; on the call's first event, its organization's live page hears that it started."""
        live = self._live.get(call_sid)
        if live is None:
            live = self._live[call_sid] = LiveLead()
            database.submit(lambda: announce(call_sid, {"type": "started"}, live), call_sid=call_sid)
        return live

    def recording_missing(self, call_sid: str, reason: str) -> None:
        """The call's own recording could not be written (`reason`: "disk full"); its page must say so."""
        prometheus.RECORDINGS_LOST.labels(reason).inc()
        database.submit(
            lambda: note_recording_missing(call_sid, reason), call_sid=call_sid, data={"recording_error": reason}
        )


def _count_provider_error(error: dict) -> None:
    # Every provider error the engine reports is also a fallback: the offline recogniser or agent takes over.
    provider = str(error.get("provider", "unknown"))
    prometheus.PROVIDER_ERRORS.labels(provider).inc()
    prometheus.PROVIDER_FALLBACKS.labels(provider).inc()


def finish_call(call_sid: str, outcome: CallOutcome, duration_ms: int, metrics: dict) -> None:
    """Close the call's row and make its lead. Idempotent: a second end changes nothing."""
    with transaction.atomic():
        call = Call.objects.select_for_update().get(call_sid=call_sid)
        if call.end_reason:
            return
        call.end_reason = outcome.reason
        call.summary = outcome.summary
        call.metrics = {**call.metrics, **metrics}
        if call.ended_at is None:
            call.ended_at = call.started_at + timedelta(milliseconds=duration_ms)
            call.ended_at = min(call.ended_at, timezone.now())
        if call.duration_s is None:
            call.duration_s = round(duration_ms / 1000, 2)
        if call.status in (CallStatus.RINGING, CallStatus.IN_PROGRESS):
            call.status = CallStatus.COMPLETED
        call.save()
        lead = outcome.lead
        Lead.objects.get_or_create(
            call=call,
            defaults={
                "organization_id": call.organization_id,
                "source": Source.CALL,
                "name": lead.get("name", "")[:200],
                "phone": lead.get("phone", "")[:16],
                "email": lead.get("email", ""),
                "intent": lead.get("intent", "")[:64],
                "urgency": lead.get("urgency", "normal"),
                "details": lead.get("details", ""),
            },
        )
        # The report job needs the committed call and utterances; the lead above stands even if it never runs.
        enqueue_after_commit(call.pk)


def announce(call_sid: str, event: dict, live: LiveLead | None = None) -> None:
    """Publish `event` on the call's organization's channel; teach `live` the call's language and caller ID."""
    row = Call.objects.filter(call_sid=call_sid).values_list("organization_id", "language", "from_number").first()
    if row is None:  # nothing to announce; not a lost write
        return
    organization_id, language, from_number = row
    if live is not None:
        live.language, live.caller_number = language, from_number
    get_bus().publish(organization_channel(organization_id), {**event, "call_sid": call_sid})


def note_recording_missing(call_sid: str, reason: str) -> None:
    """Say in the call's metrics why it has no recording. Under the row's lock: the call's end merges its own
    metrics into the same column."""
    with transaction.atomic():
        call = Call.objects.select_for_update().only("metrics").get(call_sid=call_sid)
        call.metrics = {**call.metrics, "recording_error": reason}
        call.save(update_fields=["metrics"])

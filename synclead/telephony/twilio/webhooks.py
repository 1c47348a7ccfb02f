"""The HTTP webhooks Twilio calls: a call arrives, its status changes, a voicemail is recorded.

Each is signed by Twilio and checked before anything else is read. Twilio retries webhooks, so every view
gives the same result when replayed.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, Final

import phonenumbers
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from synclead import lifecycle
from synclead.config import get_settings
from synclead.logs import bind_call
from synclead.postcall.tasks import enqueue_after_commit
from synclead.telephony.twilio import recordings, twiml
from synclead.telephony.twilio.signatures import SIGNATURE_HEADER, public_url_for, verify
from synclead.web.calls.models import Call, CallStatus, Role
from synclead.web.leads.models import Lead, Source
from synclead.web.organizations.models import Organization, PhoneNumber

logger = logging.getLogger(__name__)

UNKNOWN_NUMBER_MESSAGE: Final = "Sorry, this number is not in service. Goodbye."
FALLBACK_MESSAGES: Final = {
    "en": "Sorry, we can't take your call right now. Please leave a message after the beep and we'll call you back.",
    "fr": "Désolé, nous ne pouvons pas prendre votre appel pour le moment. "
    "Laissez un message après le bip, nous vous rappellerons.",
}
# When the organization's lines are all taken: the caller still leaves a message, and the message becomes a lead.
BUSY_MESSAGES: Final = {
    "en": "All our lines are busy; please leave a message after the beep and we'll call you back.",
    "fr": "Toutes nos lignes sont occupées ; laissez un message après le bip, nous vous rappellerons.",
}
# A call answered with a stream holds a line until its stream opens: Twilio opens it within a second or two, so one
# that has not after this long never will (the caller hung up while connecting) and stops counting.
CONNECTING_HOLD: Final = timedelta(seconds=30)
_FINAL: Final = frozenset(
    {CallStatus.COMPLETED, CallStatus.BUSY, CallStatus.FAILED, CallStatus.NO_ANSWER, CallStatus.CANCELED}
)
# Status callbacks can arrive out of order; a call only ever moves forward through these ranks.
_RANK: Final = {CallStatus.RINGING: 0, CallStatus.IN_PROGRESS: 1, **dict.fromkeys(_FINAL, 2)}
_MAX_SID: Final = Call._meta.get_field("call_sid").max_length or 64
_MAX_URL: Final = Call._meta.get_field("recording_url").max_length or 200

View = Callable[[HttpRequest], HttpResponse]


class _BadRequest(Exception):
    """A signed request whose fields we cannot use; answered 400 with the reason."""


def twilio_webhook(view: View) -> View:
    """POST only, no CSRF (Twilio has no cookie), and a valid Twilio signature, else 403."""

    @wraps(view)
    def checked(request: HttpRequest) -> HttpResponse:
        problem = _signature_problem(request)
        if problem:
            logger.warning("Refused Twilio webhook %s: %s", request.path, problem)
            return HttpResponseForbidden("Invalid Twilio signature", content_type="text/plain")
        try:
            return view(request)
        except _BadRequest as exc:
            logger.warning("Bad Twilio webhook %s: %s", request.path, exc)
            return HttpResponseBadRequest(str(exc), content_type="text/plain")

    return csrf_exempt(require_POST(checked))


def _signature_problem(request: HttpRequest) -> str:
    settings = get_settings()
    if not settings.twilio_auth_token:
        return "TWILIO_AUTH_TOKEN is not set"
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        return f"no {SIGNATURE_HEADER} header"
    try:
        url = public_url_for(request.get_full_path(), settings)
    except ValueError as exc:
        return str(exc)
    if not verify(url, request.POST, signature, settings.twilio_auth_token):
        return f"signature does not match {url}"
    return ""


@twilio_webhook
def voice(request: HttpRequest) -> HttpResponse:
    """A call arrives: connect it to the media stream of the organization that owns the dialled number."""
    call_sid, from_number, to_number = _required(request, "CallSid", "From", "To")
    number = _owned_number(to_number)
    if number is None:
        logger.warning("Call %s to %s refused: no organization owns that number", call_sid, to_number)
        return _twiml(twiml.refuse(UNKNOWN_NUMBER_MESSAGE, "en"))
    organization = number.organization

    status = request.POST.get("CallStatus", "")
    # One short transaction: the row and its stream token are written together, and nothing slow happens while
    # the database's writer lock is held (on SQLite every other writer of the process waits for it). The lines in
    # use are counted inside it: on SQLite the transaction holds the writer lock from its start, so two calls ringing
    # at once are counted one after the other; on PostgreSQL they may both slip under the limit, which is soft.
    with transaction.atomic():
        busy = _lines_busy(organization, call_sid)
        call, created = Call.objects.get_or_create(
            call_sid=call_sid,
            defaults={
                "organization": organization,
                "from_number": from_number[:32],
                "to_number": number.number,
                "language": organization.language,
                "status": status if status in _RANK else CallStatus.RINGING,
                # A call refused for lack of lines has no token: it never holds a line while it leaves its message.
                "stream_token": "" if busy else secrets.token_urlsafe(32),
            },
        )
    if call.organization_id != organization.pk:
        # Twilio never moves a CallSid between numbers; refuse rather than hand a call to another business.
        logger.error("Call %s already belongs to another organization; refused", call_sid)
        return _twiml(twiml.refuse(UNKNOWN_NUMBER_MESSAGE, "en"))
    bind_call(call_sid, organization.slug)

    settings = get_settings()
    message = FALLBACK_MESSAGES.get(call.language, FALLBACK_MESSAGES["en"])
    recording_url = public_url_for(reverse("twilio:recording"), settings)
    done_url = public_url_for(reverse("twilio:voicemail_done"), settings)
    if lifecycle.draining():
        # This process is stopping: a conversation started now could be cut off. The caller leaves a message,
        # which becomes a lead like any other.
        logger.info("Call %s for %s sent to voicemail: this gateway is draining", call_sid, organization.slug)
        return _twiml(twiml.voicemail(message, call.language, recording_url, voicemail_done_url=done_url))
    if busy and not call.stream_token and call.stream_started_at is None:
        # Every line is taken. A replay of a call already given a stream keeps it (it holds its line); one refused
        # before is refused again, or connected if a line has come free since.
        logger.info(
            "Call %s for %s sent to voicemail: all %d lines busy",
            call_sid,
            organization.slug,
            organization.max_concurrent_calls,
        )
        busy_message = BUSY_MESSAGES.get(call.language, BUSY_MESSAGES["en"])
        return _twiml(twiml.voicemail(busy_message, call.language, recording_url, voicemail_done_url=done_url))
    token = call.stream_token if created else _stream_token(call)
    if token is None:
        # The stream already ran: never issue a second token. The caller can still leave a message.
        logger.warning("Call %s replayed after its stream started; answering with voicemail only", call_sid)
        return _twiml(twiml.voicemail(message, call.language, recording_url, voicemail_done_url=done_url))
    lifecycle.admitted()

    # The caller's number stays out of the logs: it is personal data, kept only on the Call row.
    logger.info(
        "Call %s for %s connected to the stream (%s)", call_sid, organization.slug, "new" if created else "replay"
    )
    params = {
        "token": token,
        "organization": organization.slug,
        "language": call.language,
        "from": call.from_number,
        "to": call.to_number,
    }
    return _twiml(
        twiml.connect_stream(
            settings.websocket_url, params, call.language, message, recording_url, voicemail_done_url=done_url
        )
    )


def _lines_busy(organization: Organization, call_sid: str) -> bool:
    """Whether the organization already carries `max_concurrent_calls` calls (0: no limit), this one aside.

    A line is held by a call in progress (its stream started, not ended, its gateway's heartbeat fresh: a call whose
    process died is not waited for, the sweep closes it) or by one answered with a stream in the last
    CONNECTING_HOLD that has not opened it yet. One COUNT: the started_at bound keeps it on the calls' (organization,
    -started_at) index, to the last few minutes of the organization's calls.
    """
    limit = organization.max_concurrent_calls
    if not limit:
        return False
    settings = get_settings()
    now = timezone.now()
    alive_since = now - timedelta(seconds=settings.call_stale_s)
    in_progress = Q(stream_started_at__isnull=False, end_reason="") & (
        Q(alive_at__gte=alive_since) | Q(alive_at__isnull=True, stream_started_at__gte=alive_since)
    )
    connecting = Q(stream_started_at__isnull=True, started_at__gte=now - CONNECTING_HOLD) & ~Q(stream_token="")
    # A call ends at SYNCLEAD_MAX_CALL_S of media, which runs at the pace of the wall clock; twice that leaves room
    # for a stream that stalled on the way.
    oldest = now - 2 * timedelta(seconds=settings.max_call_s) - CONNECTING_HOLD
    lines = (
        Call.objects.filter(organization=organization, started_at__gte=oldest, ended_at__isnull=True)
        .filter(in_progress | connecting)
        .exclude(call_sid=call_sid)
        .count()
    )
    return lines >= limit


def _stream_token(call: Call) -> str | None:
    """The call's unused stream token, created on first need; None once a stream has claimed it.

    A replay before the stream starts gets the same token, so whichever answer Twilio acts on works.
    """
    if call.stream_started_at is None and not call.stream_token:
        # Conditional so that two concurrent deliveries of the webhook agree on one token.
        Call.objects.filter(pk=call.pk, stream_token="", stream_started_at__isnull=True).update(
            stream_token=secrets.token_urlsafe(32)
        )
        call.refresh_from_db(fields=["stream_token", "stream_started_at"])
    if call.stream_started_at is not None or not call.stream_token:
        return None
    return call.stream_token


@twilio_webhook
def status(request: HttpRequest) -> HttpResponse:
    """The call's status changed; on a final status record when it ended and how long it lasted."""
    call_sid, new_status = _required(request, "CallSid", "CallStatus")
    if new_status not in _RANK:
        raise _BadRequest(f"CallStatus {new_status!r} is not one of {', '.join(_RANK)}")
    duration = _seconds(request, "CallDuration")
    # One UPDATE, decided inside the database: no row lock held across round trips while calls hang up in bulk.
    rank = _RANK[new_status]
    behind = ~Q(status__in=[name for name, other in _RANK.items() if other >= rank])
    changes: dict[str, Any] = {"status": Case(When(behind, then=Value(new_status)), default=F("status"))}
    if new_status in _FINAL:
        changes["ended_at"] = Coalesce(F("ended_at"), Value(timezone.now()))
        if duration is not None:
            changes["duration_s"] = Value(duration)
    if not Call.objects.filter(call_sid=call_sid).update(**changes):
        # Calls we refused have no row; nothing to update, and Twilio should not retry.
        logger.info("Status %s for unknown call %s ignored", new_status, call_sid)
    return HttpResponse(status=204)


@twilio_webhook
def recording(request: HttpRequest) -> HttpResponse:
    """A voicemail is recorded; a call where the caller never spoke to the agent becomes a lead here."""
    call_sid, recording_url = _required(request, "CallSid", "RecordingUrl")
    if request.POST.get("RecordingStatus", "completed") != "completed":
        return HttpResponse(status=204)
    if not recording_url.startswith(("https://", "http://")) or len(recording_url) > _MAX_URL:
        raise _BadRequest("RecordingUrl must be an http(s) URL of at most 200 characters")
    duration = _seconds(request, "RecordingDuration")
    with transaction.atomic():
        call = Call.objects.select_for_update().filter(call_sid=call_sid).first()
        if call is None:
            logger.warning("Recording for unknown call %s ignored", call_sid)
            return HttpResponse(status=204)
        call.recording_url = recording_url
        call.recording_duration_s = duration
        call.save(update_fields=["recording_url", "recording_duration_s"])
        recordings.fetch_after_commit(call, recording_url)
        if not call.utterances.filter(role=Role.CALLER).exists():
            # Lead.call is one-to-one, so a replayed callback finds the lead instead of making a second one.
            _, created = Lead.objects.get_or_create(
                call=call,
                defaults={
                    "organization_id": call.organization_id,
                    "source": Source.VOICEMAIL,
                    "phone": _e164(call.from_number) or "",
                    "details": f"Voicemail ({duration or 0:.0f} s); the caller did not talk to the agent.",
                },
            )
            if created:
                logger.info("Voicemail lead created for call %s", call_sid)
            enqueue_after_commit(call.pk)  # a replayed callback enqueues a job that changes nothing
    return HttpResponse(status=204)


@twilio_webhook
def voicemail_done(request: HttpRequest) -> HttpResponse:
    """The <Record> action: end the call, so Twilio does not fetch the voice webhook again."""
    return _twiml(twiml.hangup())


def _required(request: HttpRequest, *names: str) -> list[str]:
    values = [request.POST.get(name, "").strip() for name in names]
    missing = [name for name, value in zip(names, values, strict=True) if not value]
    if missing:
        raise _BadRequest(f"missing form field(s): {', '.join(missing)}")
    if "CallSid" in names and len(values[names.index("CallSid")]) > _MAX_SID:
        raise _BadRequest(f"CallSid is longer than {_MAX_SID} characters")
    return values


def _seconds(request: HttpRequest, name: str) -> float | None:
    value = request.POST.get(name, "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        raise _BadRequest(f"{name} must be a whole number of seconds")
    return float(value)


def _e164(raw: str) -> str | None:
    """`raw` in E.164 form, or None for anything that is not a phone number (SIP URIs, "anonymous")."""
    try:
        parsed = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return None
    # "Possible" rather than "valid": test and fictional numbers must still route.
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _owned_number(raw: str) -> PhoneNumber | None:
    number = _e164(raw)
    if number is None:
        return None
    return PhoneNumber.objects.select_related("organization").filter(number=number).first()


def _twiml(document: str) -> HttpResponse:
    return HttpResponse(document, content_type="text/xml; charset=utf-8")

"""An organization's limit on simultaneous calls, through the voice webhook as Twilio posts it (signed).

At the limit a caller hears that the lines are busy and can leave a message, which becomes a lead; as soon as a line
is free the next caller reaches the agent again.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import timedelta
from itertools import count

import pytest
from django.db import connection
from django.db.models import F
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from synclead.engine.ports import CallOutcome
from synclead.gateway.recorder import finish_call
from synclead.telephony.twilio.stream_auth import claim_stream
from synclead.telephony.twilio.webhooks import BUSY_MESSAGES
from synclead.web.calls.models import Call, CallStatus
from synclead.web.leads.models import Lead, Source
from synclead.web.organizations.models import Organization, PhoneNumber

pytestmark = pytest.mark.django_db

Post = Callable[..., HttpResponse]
Form = Callable[..., dict[str, str]]
_sids = count(1)


def xml(response: HttpResponse) -> ET.Element:
    assert response.status_code == 200
    return ET.fromstring(response.content)


def connected(root: ET.Element) -> bool:
    return root.find("Connect/Stream") is not None


def busy(root: ET.Element, language: str) -> bool:
    """The busy answer: the message in the organization's language, then the voicemail and a hang-up."""
    say = root.find("Say")
    return (
        [child.tag for child in root] == ["Say", "Record", "Hangup"]
        and say is not None
        and say.text == BUSY_MESSAGES[language]
        and root.find("Record").get("recordingStatusCallback") == "https://synclead.test/twilio/recording"
    )


@pytest.fixture
def ring(twilio_post: Post, voice_form: Form) -> Callable[..., tuple[str, ET.Element]]:
    """A new call to the organization's number, as Twilio posts it: its CallSid and the TwiML it was answered."""

    def ring(**fields: str) -> tuple[str, ET.Element]:
        sid = fields.pop("CallSid", f"CA{next(_sids):032d}")
        return sid, xml(twilio_post("/twilio/voice", voice_form(CallSid=sid, **fields)))

    return ring


def start_stream(sid: str, root: ET.Element) -> None:
    """What the media stream does when Twilio opens it: claim the token, mark the call in progress and alive."""
    token = {p.get("name"): p.get("value") for p in root.iter("Parameter")}["token"]
    assert claim_stream(sid, token) is not None
    Call.objects.filter(call_sid=sid).update(status=CallStatus.IN_PROGRESS, alive_at=F("stream_started_at"))


@pytest.fixture
def limited(organization: Organization) -> Organization:
    organization.max_concurrent_calls = 2
    organization.save()
    return organization


def test_at_the_limit_the_caller_leaves_a_message_and_a_freed_line_takes_the_next_call(
    limited: Organization, ring, twilio_post: Post
) -> None:
    first, answer = ring()
    assert connected(answer)
    start_stream(first, answer)
    second, answer = ring()
    assert connected(answer)
    start_stream(second, answer)

    third, answer = ring(From="+33611111111")
    assert busy(answer, "fr"), ET.tostring(answer)
    refused = Call.objects.get(call_sid=third)
    assert refused.stream_token == ""  # no stream can attach to it, and it holds no line
    # Twilio replays the webhook (a timeout on its side): still busy, still no stream.
    assert busy(ring(CallSid=third)[1], "fr")

    # The caller records a message: a lead like any other.
    recorded = {"CallSid": third, "RecordingUrl": "https://api.twilio.com/rec/RE1", "RecordingDuration": "14"}
    assert twilio_post("/twilio/recording", recorded).status_code == 204
    lead = Lead.objects.get(call__call_sid=third)
    assert (lead.source, lead.phone) == (Source.VOICEMAIL, "+33611111111")

    # The first caller hangs up: the agent's side ends the call.
    finish_call(first, CallOutcome(reason="caller_hung_up", summary="", lead={}), 30_000, {})
    fourth, answer = ring()
    assert connected(answer)
    start_stream(fourth, answer)
    # Both lines taken again; the second ends through Twilio's status callback alone (its gateway has not yet
    # written the end): the line is free at once.
    assert busy(ring()[1], "fr")
    assert twilio_post("/twilio/status", {"CallSid": second, "CallStatus": "completed"}).status_code == 204
    assert connected(ring()[1])


def test_a_call_answered_but_not_yet_streaming_holds_a_line_for_a_while(limited: Organization, ring) -> None:
    first, answer = ring()
    start_stream(first, answer)
    connecting, answer = ring()
    assert connected(answer)  # its stream is on its way
    assert busy(ring()[1], "fr")
    # A replay of the connecting call keeps its stream: it was admitted, it holds its own line.
    assert connected(ring(CallSid=connecting)[1])
    # Its stream never came (the caller hung up while connecting, and no status came either): it stops counting.
    Call.objects.filter(call_sid=connecting).update(started_at=timezone.now() - timedelta(seconds=31))
    assert connected(ring()[1])


def test_a_call_whose_gateway_died_does_not_hold_a_line(limited: Organization, ring) -> None:
    for _ in range(2):
        sid, answer = ring()
        start_stream(sid, answer)
    assert busy(ring()[1], "fr")
    # One gateway stopped beating: the sweep will close its call; new callers do not wait for it.
    Call.objects.filter(call_sid=sid).update(alive_at=timezone.now() - timedelta(minutes=5))
    assert connected(ring()[1])


def test_a_refused_caller_who_rings_again_when_a_line_is_free_is_connected(limited: Organization, ring) -> None:
    for _ in range(2):
        sid, answer = ring()
        start_stream(sid, answer)
    refused, answer = ring()
    assert busy(answer, "fr")
    finish_call(sid, CallOutcome(reason="completed", summary="", lead={}), 30_000, {})
    # Twilio's retry of the same call finds a free line: it gets a fresh stream token.
    answer = ring(CallSid=refused)[1]
    assert connected(answer)
    start_stream(refused, answer)


def test_only_the_organizations_own_calls_count(limited: Organization, ring, twilio_post: Post, voice_form) -> None:
    other = Organization.objects.create(slug="maison-rivage", name="Maison Rivage", max_concurrent_calls=1)
    PhoneNumber.objects.create(number="+33142685301", organization=other)
    for _ in range(2):
        sid, answer = ring()
        start_stream(sid, answer)
    root = xml(twilio_post("/twilio/voice", voice_form(CallSid="CA" + "b" * 32, To="+33142685301")))
    assert connected(root)


def test_no_limit_and_the_english_message(organization: Organization, ring) -> None:
    organization.max_concurrent_calls = 0  # no limit
    organization.save()
    for _ in range(25):
        sid, answer = ring()
        assert connected(answer)
        start_stream(sid, answer)
    organization.max_concurrent_calls, organization.language = 25, "en"
    organization.save()
    assert busy(ring()[1], "en")


def test_the_lines_are_counted_in_one_query(limited: Organization, ring) -> None:
    with CaptureQueriesContext(connection) as queries:
        ring()
    counts = [query["sql"] for query in queries if "COUNT(" in query["sql"].upper()]
    assert len(counts) == 1, counts
    # On the recent end of the calls' (organization, started_at) index, not the organization's whole history.
    assert '"started_at" >=' in counts[0]

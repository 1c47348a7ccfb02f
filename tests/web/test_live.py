"""The live pages' event streams in the embedded default (the in-process bus): what they send, once, and to whom."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from synclead.events import call_channel, get_bus
from synclead.web.calls.models import Call, Utterance
from synclead.web.dashboard.live_streams import call_stream

STUCK_S = 30


def parsed(chunk: str) -> tuple[str, dict]:
    lines = [line for line in chunk.splitlines() if line and not line.startswith("retry:")]
    assert lines[0].startswith("event: ") and lines[1].startswith("data: "), chunk
    return lines[0].removeprefix("event: "), json.loads(lines[1].removeprefix("data: "))


@pytest.mark.django_db
def test_a_stream_is_only_for_the_calls_organization(client, client_a, org_a, org_b, make_call):
    theirs = make_call(org_b)
    assert client_a.get(f"/calls/{theirs.call_sid}/events/").status_code == 404
    client.logout()
    assert client.get(f"/calls/{theirs.call_sid}/events/").status_code == 403
    assert client.get("/live/events/").status_code == 403
    assert client.get("/live/").status_code == 302


@pytest.mark.django_db
def test_a_call_in_progress_says_its_page_is_live(client_a, org_a, make_call):
    call = make_call(org_a, utterances=[], lead=False)
    Call.objects.filter(pk=call.pk).update(status="in-progress", end_reason="")
    page = client_a.get(f"/calls/{call.call_sid}/")
    assert f'data-live-stream="/calls/{call.call_sid}/events/"' in page.text
    assert "Nothing was said in this call" not in page.text
    over = make_call(org_a, utterances=[])
    assert "data-live-stream" not in client_a.get(f"/calls/{over.call_sid}/").text
    assert "Nothing was said in this call" in client_a.get(f"/calls/{over.call_sid}/").text


@pytest.mark.django_db(transaction=True)
async def test_a_call_stream_sends_each_utterance_once_then_the_end_then_the_report(org_a, make_call):
    call = await sync_to_async(make_call)(org_a, utterances=[], lead=False)
    await Call.objects.filter(pk=call.pk).aupdate(status="in-progress", end_reason="")
    await Utterance.objects.acreate(call=call, role="agent", text="Hello, Agence Lumière.", start_ms=0, end_ms=900)
    stream = call_stream(call.pk, call.call_sid)
    bus = get_bus()

    name, snapshot = parsed(await anext(stream))
    assert name == "snapshot"
    assert [u["text"] for u in snapshot["utterances"]] == ["Hello, Agence Lumière."]
    # Heard again (it was in the snapshot), then a new one, then the caller's details as understood.
    bus.publish(call_channel(call.call_sid), {"type": "utterance", "role": "agent", "text": "Hello, Agence Lumière.",
                                              "start_ms": 0, "end_ms": 900})  # fmt: skip
    said = {"type": "utterance", "role": "caller", "text": "There is a leak!", "start_ms": 1200, "end_ms": 2000}
    bus.publish(call_channel(call.call_sid), said)
    bus.publish(call_channel(call.call_sid), said)
    bus.publish(call_channel(call.call_sid), {"type": "lead", "fields": {"urgency": "high", "phone": "+33612345678"}})
    bus.publish(call_channel(call.call_sid), {"type": "ended", "reason": "caller_hung_up"})
    name, utterance = parsed(await anext(stream))
    assert (name, utterance["text"], utterance["at"]) == ("utterance", "There is a leak!", "00:01")
    name, lead = parsed(await anext(stream))
    assert (name, lead["lead"]["urgency"], lead["lead"]["phone"]) == ("lead", "High", "+33 6 12 34 56 78")
    name, ended = parsed(await anext(stream))
    assert (name, ended["reason"]) == ("ended", "caller_hung_up")

    # The gateway writes the utterance and, later, the report: the stream says so and stops.
    await Utterance.objects.acreate(call=call, role="caller", text="There is a leak!", start_ms=1200, end_ms=2000)
    await Call.objects.filter(pk=call.pk).aupdate(
        status="completed", end_reason="caller_hung_up", summary="A leak.", report_ready_at=timezone.now()
    )
    name, report = parsed(await anext(stream))
    assert (name, report["summary"]) == ("report", "A leak.")
    with pytest.raises(StopAsyncIteration):
        await anext(stream)

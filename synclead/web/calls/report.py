"""A call as the server recorded it, in one JSON-ready dict: what `synclead call` writes to its report file.

Everything comes from the database rows the gateway wrote while the call ran, never from what a simulator
meant to say, so a report shows what the server heard and did.
"""

from __future__ import annotations

from typing import Any, Final

from synclead.web.calls.models import Call, CallStatus
from synclead.web.leads.models import Lead

FINAL_STATUSES: Final = frozenset(
    {CallStatus.COMPLETED, CallStatus.BUSY, CallStatus.FAILED, CallStatus.NO_ANSWER, CallStatus.CANCELED}
)
LEAD_FIELDS: Final = ("name", "phone", "email", "intent", "urgency", "details")
TURN_FIELDS: Final = ("caller_end_ms", "agent_start_ms", "latency_ms")


def is_final(call: Call) -> bool:
    """Whether the server has written all it will about the call.

    The engine sets `end_reason` in the same transaction as the summary and the lead, after every utterance
    (one writer thread, in order). A call whose stream never started has no engine run: Twilio's final status
    callback is then the last word.
    """
    if call.end_reason:
        return True
    return call.status in FINAL_STATUSES and call.stream_started_at is None


def is_reported(call: Call) -> bool:
    """Whether the post-call report (summary, lead, notifications) is written.

    A call that never reached the agent and left no voicemail has no report job: its final status is all there is.
    """
    if call.report_ready_at is not None:
        return True
    return is_final(call) and call.stream_started_at is None and not call.recording_url


def build_report(call: Call) -> dict[str, Any]:
    try:
        lead: Lead | None = call.lead
    except Lead.DoesNotExist:
        lead = None
    metrics = call.metrics if isinstance(call.metrics, dict) else {}
    turns = metrics.get("turns")
    return {
        "call_sid": call.call_sid,
        "org": call.organization.slug,
        "from": call.from_number,
        "to": call.to_number,
        "language": call.language,
        "status": call.status,
        "duration_s": call.duration_s,
        "transcript": [
            {"role": u.role, "text": u.text, "start_ms": u.start_ms, "end_ms": u.end_ms}
            for u in call.utterances.order_by("start_ms", "id")
        ],
        "summary": call.summary,
        # The same keys whether or not a lead was made, so a report can always be read the same way.
        "lead": {name: getattr(lead, name) if lead is not None else "" for name in LEAD_FIELDS},
        "metrics": {
            "greeting_ms": metrics.get("greeting_ms"),
            "turns": [
                {name: turn.get(name) for name in TURN_FIELDS}
                for turn in (turns if isinstance(turns, list) else [])
                if isinstance(turn, dict)
            ],
        },
    }

"""The LLM refines the offline lead when its JSON checks out; two bad replies leave the offline values."""

from __future__ import annotations

import asyncio
import json

from synclead.postcall.extract import extract
from synclead.postcall.intents import DEFAULT_INTENTS
from synclead.postcall.llm import refine
from synclead.postcall.tasks import write_report
from tests.postcall.conftest import caller_utterance
from tests.postcall.fakes import ScriptedChat

LINES = [
    ("agent", "Hello, how can I help?"),
    ("caller", "Hi, I'm Jane Doe, I want to buy a flat in Montmartre."),
    ("caller", "My budget is about 600,000 euros, and my number is 06 12 34 56 78."),
]


def _valid(call) -> str:
    first, second = caller_utterance(call, 0), caller_utterance(call, 1)
    return "```json\n" + json.dumps({
        "name": "Jane Doe", "phone": "+33612345678", "email": "", "intent": "buy", "urgency": "normal",
        "summary": "Jane Doe wants to buy a flat in Montmartre, about 600,000 euros.",
        "qualification": {"kind": "buy", "area": "Montmartre", "budget": 600000},
        "evidence": {"name": first, "intent": first, "budget": second, "phone": second},
    }) + "\n```"  # fmt: skip


def _offline(call):
    return extract(list(call.utterances.all()), "en", call.from_number)


def test_invalid_then_valid_reply_is_used(make_call) -> None:
    call = make_call(LINES)
    chat = ScriptedChat('{"name": "Jane", "intent": "house_hunting"', _valid(call))
    result = asyncio.run(refine(chat, list(call.utterances.all()), "en", DEFAULT_INTENTS, _offline(call)))
    assert result.summary.startswith("Jane Doe wants to buy")
    assert result.qualification["area"] == "Montmartre"
    assert result.evidence["budget"] == {"confidence": 0.8, "utterance": caller_utterance(call, 1), "source": "llm"}
    # The retry showed the model what was wrong with its first reply.
    assert len(chat.requests) == 2 and chat.requests[1][-1].content.startswith("Invalid: not JSON")


def test_two_invalid_replies_leave_the_offline_values(make_call) -> None:
    call = make_call(LINES)
    offline = _offline(call)
    bad_intent = json.dumps({"intent": "house_hunting", "urgency": "normal", "summary": "x"})
    bad_evidence = json.dumps({"intent": "buy", "urgency": "normal", "summary": "x", "evidence": {"name": 999999}})
    chat = ScriptedChat(bad_intent, bad_evidence)
    result = asyncio.run(refine(chat, list(call.utterances.all()), "en", DEFAULT_INTENTS, offline))
    assert result == offline
    assert len(chat.requests) == 2


def test_job_uses_the_models_reply(make_call) -> None:
    call = make_call(LINES)
    assert write_report(call.pk, chat_model=ScriptedChat(_valid(call)))
    call.refresh_from_db()
    assert call.summary.startswith("Jane Doe wants to buy")
    assert call.lead.qualification["budget"] == 600000

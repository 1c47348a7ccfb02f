"""The lead, refined by the organization's LLM: JSON out, checked in code, offline values kept when it fails.

The `ChatModel` protocol streams text and has no response-format switch, so the schema goes in the instructions and
the reply is validated here; one invalid reply earns one retry with the error shown to the model, a second one
leaves the offline extraction as it was. A model is never trusted further than the schema: an intent outside the
vocabulary, a malformed number or an utterance id that was not the caller's is a failed reply.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from synclead.agent.llm.model import ChatError, ChatModel, Message
from synclead.agent.offline.numbers import parse_phone
from synclead.postcall.extract import Extraction, Line, find_email

log = logging.getLogger(__name__)

LLM_CONFIDENCE = 0.8  # the model gives no calibrated confidence; a checked value is trusted a little under a rule's
_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")


class LeadReply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = ""
    phone: str = ""
    email: str = ""
    intent: str
    urgency: Literal["low", "normal", "high"]
    summary: str = Field(min_length=1, max_length=2000)
    qualification: dict[str, str | int | float | bool | None] = {}
    # Field name -> the id of the caller utterance the value came from.
    evidence: dict[str, int] = {}

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str) -> str:
        if value and parse_phone(value, "en") != value:
            raise ValueError("phone must be a valid E.164 number such as +33612345678, or empty")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and find_email(value) != value.lower():
            raise ValueError("email must be a valid address, or empty")
        return value.lower()


def schema_text(intents: Sequence[str]) -> str:
    return json.dumps(
        {
            "name": "the caller's name, or empty",
            "phone": "callback number in E.164, or empty",
            "email": "email address, or empty",
            "intent": f"one of {list(intents)}",
            "urgency": "low | normal | high (a tenant without heating or water is high)",
            "summary": "3 sentences at most: who called, what they want, what was agreed",
            "qualification": "kind (rent/buy/sell), area, property_type, rooms, budget, move_in, financing, "
            "viewing_wanted: only what the caller said",
            "evidence": "for each field you filled, the id of the caller utterance it came from",
        },
        ensure_ascii=False,
    )


def _messages(lines: Sequence[Line], language: str, intents: Sequence[str]) -> list[Message]:
    transcript = "\n".join(f"[{line.id}] {line.role}: {line.text}" for line in lines)
    system = (
        "You write the lead a real-estate agency's advisor reads after a phone call. Reply with one JSON object "
        f"and nothing else, with these keys: {schema_text(intents)}. Write the summary in "
        f"{'French' if language.startswith('fr') else 'English'}. Never invent what the caller did not say."
    )
    return [Message("system", system), Message("user", transcript)]


async def _ask(model: ChatModel, messages: Sequence[Message]) -> str:
    parts = [delta.text async for delta in model.stream(messages, (), temperature=0.0, max_tokens=800)]
    return "".join(parts)


def parse_reply(text: str, intents: Sequence[str], caller_ids: set[int]) -> LeadReply:
    """The reply as a checked `LeadReply`; raises ValueError with a message fit to show the model."""
    try:
        data: Any = json.loads(_FENCE.sub("", text))
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON: {error}") from error
    try:
        reply = LeadReply.model_validate(data)
    except ValidationError as error:
        raise ValueError(str(error)) from error
    if reply.intent not in intents:
        raise ValueError(f"intent must be one of {list(intents)}")
    unknown = {value for value in reply.evidence.values() if value not in caller_ids}
    if unknown:
        raise ValueError(f"evidence ids {sorted(unknown)} are not caller utterances")
    return reply


async def refine(
    model: ChatModel, lines: Sequence[Line], language: str, intents: Sequence[str], offline: Extraction
) -> Extraction:
    """`offline`, with the fields a valid LLM reply gives replacing it; `offline` itself when the model fails twice."""
    caller_ids = {line.id for line in lines if line.role == "caller"}
    messages = _messages(lines, language, intents)
    for attempt in (1, 2):
        try:
            text = await _ask(model, messages)
        except ChatError as error:
            log.warning("post-call LLM failed (%s); offline extraction stands", error)
            return offline
        try:
            return _merge(offline, parse_reply(text, intents, caller_ids))
        except ValueError as error:
            log.info("post-call LLM reply %d invalid: %s", attempt, error)
            messages = [*messages, Message("assistant", text), Message("user", f"Invalid: {error}. Reply again.")]
    return offline


def _merge(offline: Extraction, reply: LeadReply) -> Extraction:
    evidence = dict(offline.evidence)
    values: dict[str, Any] = {}
    for name in ("name", "phone", "email", "intent", "urgency"):
        value = getattr(reply, name)
        if value:
            values[name] = value
            evidence[name] = _evidence(reply, name, offline)
    qualification = dict(offline.qualification)
    for name, value in reply.qualification.items():
        if value not in (None, ""):
            qualification[name] = value
            evidence[name] = _evidence(reply, name, offline)
    return replace(offline, **values, qualification=qualification, evidence=evidence, summary=reply.summary)


def _evidence(reply: LeadReply, name: str, offline: Extraction) -> dict[str, Any]:
    utterance = reply.evidence.get(name, offline.evidence.get(name, {}).get("utterance"))
    return {"confidence": LLM_CONFIDENCE, "utterance": utterance, "source": "llm"}

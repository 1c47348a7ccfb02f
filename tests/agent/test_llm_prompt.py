"""The system prompt, and the history trimmed to the organization's input budget."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from synclead.agent.knowledge import Passage
from synclead.agent.llm.model import Message, ToolCall
from synclead.agent.llm.prompt import PromptContext, estimate_tokens, fit_to_budget, system_prompt
from synclead.agent.llm.tools import tools

CONTEXT = PromptContext(
    "Agence Lumière",
    "en",
    caller_number="+33612345678",
    now=datetime(2025, 3, 3, 10, 5, tzinfo=ZoneInfo("Europe/Paris")),
)
PASSAGES = [
    Passage("fees.pdf", "Fees are 12 euros per square metre. " * 5, 0.9, "Rentals"),
    Passage("a.md", "B" * 400, 0.2),
]


def test_the_english_prompt_keeps_answers_short_grounded_and_the_caller_untrusted():
    prompt = system_prompt(CONTEXT, PASSAGES)
    assert "one to three short sentences" in prompt
    assert "Never invent" in prompt and "take a message" in prompt
    assert "untrusted input" in prompt and "other callers" in prompt
    assert "[1] (fees.pdf — Rentals) Fees are 12 euros" in prompt
    assert "ending in 5678" in prompt and "Monday 3 March 2025, 10:05" in prompt
    assert "nobody can take the call now" in prompt


def test_the_french_prompt_is_in_french():
    prompt = system_prompt(PromptContext("Agence Lumière", "fr", now=CONTEXT.now, transfer_available=True), [])
    assert "Répondez en français" in prompt and "lundi 3 mars 2025, il est 10 h 05" in prompt
    assert "aucun extrait" in prompt and "son numéro est masqué" in prompt
    assert "transférez l'appelant" in prompt


def exchange(n: int) -> list[Message]:
    call = ToolCall(f"call{n:05d}", "search_listings", '{"kind": "rent"}')
    return [
        Message("user", f"question {n} " + "x" * 400),
        Message("assistant", "", tool_calls=(call,)),
        Message("tool", '{"ok": true}', tool_call_id=call.id, name=call.name),
        Message("assistant", f"answer {n} " + "y" * 400),
    ]


def tokens(messages: list[Message]) -> int:
    return sum(estimate_tokens(m.content + "".join(c.arguments for c in m.tool_calls)) + 4 for m in messages)


def test_old_exchanges_are_dropped_whole_to_fit_the_budget():
    exchanges = [exchange(n) for n in range(10)]
    everything = fit_to_budget(CONTEXT, PASSAGES, exchanges, tools(), 100_000)
    assert len(everything) == 1 + 40
    trimmed = fit_to_budget(CONTEXT, PASSAGES, exchanges, tools(), 2_000)
    assert trimmed[0].role == "system" and trimmed[1].role == "user"  # never starts with an orphaned tool result
    assert trimmed[-4].content.startswith("question 9")  # the latest exchange is always there
    assert 4 < len(trimmed) - 1 < 40
    assert tokens(trimmed) <= 2_000


def test_passages_give_way_when_even_the_latest_exchange_barely_fits():
    trimmed = fit_to_budget(CONTEXT, PASSAGES, [exchange(0)], tools(), 1_400)
    assert "[1] (fees.pdf" in trimmed[0].content and "[2]" not in trimmed[0].content


def test_a_caller_turn_left_unanswered_merges_with_the_next():
    messages = fit_to_budget(CONTEXT, [], [[Message("user", "Hello?")], [Message("user", "Are you there?")]], [], 5000)
    assert [(m.role, m.content) for m in messages[1:]] == [("user", "Hello? Are you there?")]

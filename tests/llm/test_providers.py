"""Both SDK providers against the local emulator: what they send, what they reassemble, how they fail."""

from __future__ import annotations

import json

import pytest

from synclead.agent.llm.model import ChatError, Delta, Message, Tool, ToolCall
from synclead.config import Settings
from synclead.providers.llm import chat_model_for
from synclead.providers.llm.mistral import MistralChat
from synclead.providers.llm.openai_compat import OpenAICompatibleChat
from tests.llm.conftest import provider_for
from tests.llm.emulator import ChatEmulator, Completion, Failure, ScriptedToolCall

MESSAGES = [Message("system", "Be brief."), Message("user", "Are you open on Saturday?")]
TOOL = Tool("search_listings", "Search listings.", {"type": "object", "properties": {"kind": {"type": "string"}}})


async def collect(model, messages=MESSAGES, tools=(TOOL,)) -> list[Delta]:
    return [delta async for delta in model.stream(messages, list(tools), temperature=0.2, max_tokens=120)]


async def test_content_deltas_arrive_in_order_and_the_request_is_what_we_asked(emulator: ChatEmulator, provider):
    emulator.reset(Completion(text=["Yes, ", "from 10 to ", "5 p.m. on Saturdays."]))
    deltas = await collect(provider)
    assert [d.text for d in deltas] == ["Yes, ", "from 10 to ", "5 p.m. on Saturdays."]
    sent = emulator.requests[0]
    assert sent["stream"] is True and sent["max_tokens"] == 120 and sent["temperature"] == 0.2
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]
    assert sent["tools"][0]["function"]["name"] == "search_listings"


async def test_tool_call_fragments_are_assembled_into_whole_calls(emulator: ChatEmulator, provider):
    arguments = json.dumps({"kind": "rent", "area": "9e", "max_price": 1500})
    emulator.reset(
        Completion(
            text=["Let me check."],
            tool_calls=[ScriptedToolCall("search_listings", arguments, pieces=4), ScriptedToolCall("end_call", "{}")],
        )
    )
    deltas = await collect(provider)
    assert "".join(d.text for d in deltas) == "Let me check."
    calls = [call for d in deltas for call in d.tool_calls]
    assert [c.name for c in calls] == ["search_listings", "end_call"]
    assert json.loads(calls[0].arguments) == {"kind": "rent", "area": "9e", "max_price": 1500}
    assert calls[0].id and calls[0].id != calls[1].id
    # Tool calls come last, whole, after all the text.
    assert deltas[-1].tool_calls and not deltas[-1].text


async def test_tool_results_go_back_in_the_vendors_format(emulator: ChatEmulator, provider):
    emulator.reset(Completion(text=["Two flats."]))
    call_id = "abcDEF123"
    history = [
        *MESSAGES,
        Message("assistant", "", tool_calls=(ToolCall(call_id, "search_listings", '{"kind": "rent"}'),)),
        Message("tool", '{"ok": true}', tool_call_id=call_id, name="search_listings"),
    ]
    await collect(provider, history)
    assistant, tool = emulator.requests[0]["messages"][2:]
    assert assistant["tool_calls"][0]["id"] == call_id
    assert assistant["tool_calls"][0]["function"] == {"name": "search_listings", "arguments": '{"kind": "rent"}'}
    assert tool["role"] == "tool" and tool["tool_call_id"] == call_id and tool["content"] == '{"ok": true}'


async def test_a_refused_key_is_a_permanent_error(emulator: ChatEmulator):
    model = provider_for(emulator, key="wrong-key")
    with pytest.raises(ChatError) as caught:
        await collect(model)
    await model.aclose()
    assert caught.value.permanent
    assert "401" in str(caught.value)


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_server_errors_and_rate_limits_are_transient(emulator: ChatEmulator, provider, status: int):
    emulator.reset(Failure(status))
    with pytest.raises(ChatError) as caught:
        await collect(provider)
    assert not caught.value.permanent
    assert len(emulator.requests) == 1, "the SDK must not retry on its own"


async def test_a_connection_dropped_mid_stream_is_transient(emulator: ChatEmulator, provider):
    emulator.reset(Completion(text=["Our fees ", "are ", "eight percent."], break_after=2))
    received: list[str] = []
    with pytest.raises(ChatError) as caught:
        async for delta in provider.stream(MESSAGES, [], temperature=0.2, max_tokens=50):
            received.append(delta.text)
    assert not caught.value.permanent
    assert "".join(received) == "Our fees are "


async def test_a_stream_that_ends_without_finishing_is_an_error_not_a_short_answer(emulator: ChatEmulator, provider):
    emulator.reset(Completion(text=["Our fees ", "are ", "eight percent."], end_after=1))
    with pytest.raises(ChatError) as caught:
        await collect(provider)
    assert not caught.value.permanent


async def test_an_error_event_inside_the_stream_is_transient(emulator: ChatEmulator, provider):
    emulator.reset(Completion(text=["Our fees ", "are ", "eight percent."], error_after=1))
    with pytest.raises(ChatError) as caught:
        await collect(provider)
    assert not caught.value.permanent


async def test_a_stalled_stream_times_out_as_a_transient_error(emulator: ChatEmulator):
    model = provider_for(emulator, timeout_s=0.4)
    emulator.reset(Completion(text=["Let me see", " that."], pause_after=1))
    with pytest.raises(ChatError) as caught:
        await collect(model)
    await model.aclose()
    assert not caught.value.permanent


async def test_an_unreachable_server_is_transient(emulator: ChatEmulator):
    emulator_port, emulator.port = emulator.port, 9  # the discard port: nothing listens there
    try:
        model = provider_for(emulator, timeout_s=1.0)
    finally:
        emulator.port = emulator_port
    with pytest.raises(ChatError) as caught:
        await collect(model)
    await model.aclose()
    assert not caught.value.permanent


# ---- choosing the provider --------------------------------------------------------------------------------


def settings(**values: str) -> Settings:
    return Settings.model_validate({"SYNCLEAD_DATA_DIR": "/tmp/synclead-test-llm", **values})


def test_chat_model_for_follows_the_deployment_and_lets_the_organization_override():
    assert chat_model_for(settings(), "", "") is None
    mistral = chat_model_for(settings(SYNCLEAD_LLM="mistral", MISTRAL_API_KEY="k"), "", "")
    assert isinstance(mistral, MistralChat) and mistral.model == "mistral-small-latest"
    local = chat_model_for(settings(OPENAI_BASE_URL="http://127.0.0.1:11434/v1"), "openai", "qwen2.5:7b")
    assert isinstance(local, OpenAICompatibleChat) and local.model == "qwen2.5:7b"
    assert chat_model_for(settings(SYNCLEAD_LLM="mistral", MISTRAL_API_KEY="k"), "none", "") is None
    # A provider without its key answers offline instead of failing every call.
    assert chat_model_for(settings(SYNCLEAD_LLM="mistral"), "", "") is None
    assert chat_model_for(settings(), "openai", "") is None
    # The same configuration shares one client, and its connections.
    same = chat_model_for(settings(SYNCLEAD_LLM="mistral", MISTRAL_API_KEY="k"), "", "")
    assert same is mistral

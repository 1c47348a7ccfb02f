"""Any OpenAI-compatible chat endpoint through the `openai` SDK: OpenAI itself, Ollama, vLLM, llama.cpp's server,
LM Studio and the hosted APIs that copy it. `base_url` picks the server; local servers need no key.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import openai

from synclead.agent.llm.model import ChatError, Delta, Message, Tool, ToolChoice
from synclead.providers.llm.wire import ToolCallAssembler, message_dicts, tool_dicts

PERMANENT_STATUSES = frozenset({400, 401, 403, 404, 422})
# Local servers ignore the key, but the SDK refuses to start without one.
NO_KEY = "not-needed"


class OpenAICompatibleChat:
    def __init__(
        self,
        api_key: str,
        model: str,
        *,
        base_url: str | None = None,
        timeout_s: float = 15.0,
        client: openai.AsyncOpenAI | None = None,
    ) -> None:
        self.model = model
        # No SDK retries: the agent decides what to do within the caller's patience, not the SDK's backoff.
        self._client = client or openai.AsyncOpenAI(
            api_key=api_key or NO_KEY, base_url=base_url or None, timeout=timeout_s, max_retries=0
        )

    async def aclose(self) -> None:
        """Close the HTTP connections (at shutdown)."""
        await self._client.close()

    async def stream(
        self,
        messages: Sequence[Message],
        tools: Sequence[Tool],
        *,
        temperature: float,
        max_tokens: int,
        tool_choice: ToolChoice = "auto",
    ) -> AsyncIterator[Delta]:
        request: dict[str, Any] = {
            "model": self.model,
            "messages": message_dicts(messages),
            "temperature": temperature,
            # `max_tokens`, not `max_completion_tokens`: the one every compatible server understands.
            "max_tokens": max_tokens,
            "stream": True,
        }
        if tools:
            request["tools"] = tool_dicts(tools)
            request["tool_choice"] = tool_choice
        try:
            chunks = await self._client.chat.completions.create(**request)
        except Exception as exc:
            raise _chat_error(exc) from exc

        calls = ToolCallAssembler()
        finished = False
        try:
            async for chunk in chunks:
                for choice in chunk.choices[:1]:  # none at all in a final usage-only chunk
                    if choice.delta.content:
                        yield Delta(text=choice.delta.content)
                    for call in choice.delta.tool_calls or ():
                        function = call.function
                        name = function.name if function else None
                        calls.add(call.index, call.id, name, function.arguments if function else None)
                    if choice.finish_reason:
                        finished = True
        except Exception as exc:
            raise _chat_error(exc) from exc
        finally:
            await chunks.close()
        if not finished:
            raise ChatError("the chat stream ended before the answer did", permanent=False)
        if found := calls.calls():
            yield Delta(tool_calls=found)


def _chat_error(exc: Exception) -> ChatError:
    if isinstance(exc, ChatError):
        return exc
    if isinstance(exc, openai.APIStatusError):
        permanent = exc.status_code in PERMANENT_STATUSES
        return ChatError(f"the chat server answered {exc.status_code}: {exc.message[:200]}", permanent=permanent)
    if isinstance(exc, openai.APIError) and not isinstance(exc, openai.APIConnectionError):
        # An error event inside the stream: the server gave up on this answer, not on every answer.
        return ChatError(f"the chat server reported an error mid-stream: {exc.message[:200]}", permanent=False)
    return ChatError(f"the chat request failed: {type(exc).__name__}: {exc}", permanent=False)

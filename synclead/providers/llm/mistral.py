"""Mistral's chat API through the official `mistralai` SDK, streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from mistralai.client import Mistral
from mistralai.client.errors import MistralError, NoResponseError

from synclead.agent.llm.model import ChatError, Delta, Message, Tool, ToolChoice
from synclead.providers.llm.wire import ToolCallAssembler, message_dicts, tool_dicts

# Statuses that will fail the same way however often they are retried: bad request, key, permission, model.
PERMANENT_STATUSES = frozenset({400, 401, 403, 404, 422})


class MistralChat:
    def __init__(
        self,
        api_key: str,
        model: str,
        *,
        server_url: str = "https://api.mistral.ai",
        timeout_s: float = 15.0,
        client: Mistral | None = None,
    ) -> None:
        self.model = model
        # No SDK retries: the agent decides what to do within the caller's patience, not the SDK's backoff.
        self._client = client or Mistral(api_key=api_key, server_url=server_url, timeout_ms=int(timeout_s * 1000))

    async def aclose(self) -> None:
        """Close the HTTP connections (at shutdown)."""
        await self._client.__aexit__(None, None, None)

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
            "max_tokens": max_tokens,
        }
        if tools:
            request["tools"] = tool_dicts(tools)
            request["tool_choice"] = tool_choice
        try:
            events = await self._client.chat.stream_async(**request)
        except Exception as exc:
            raise _chat_error(exc) from exc

        calls = ToolCallAssembler()
        finished = False
        try:
            async for event in events:
                for choice in event.data.choices[:1]:
                    text = _text(choice.delta.content)
                    if text:
                        yield Delta(text=text)
                    for call in choice.delta.tool_calls or ():
                        calls.add(call.index, call.id, call.function.name, call.function.arguments)
                    if choice.finish_reason:
                        finished = True
        except Exception as exc:
            raise _chat_error(exc) from exc
        finally:
            await events.close()
        if not finished:
            raise ChatError("the Mistral stream ended before the answer did", permanent=False)
        if found := calls.calls():
            yield Delta(tool_calls=found)


def _text(content: object) -> str:
    # Content is a string, or a list of chunks (text, and "thinking" for reasoning models, never spoken).
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(getattr(chunk, "text", "") for chunk in content if getattr(chunk, "type", "") == "text")
    return ""


def _chat_error(exc: Exception) -> ChatError:
    if isinstance(exc, ChatError):
        return exc
    if isinstance(exc, MistralError):
        permanent = exc.status_code in PERMANENT_STATUSES
        return ChatError(f"Mistral answered {exc.status_code}: {exc.body[:200]}", permanent=permanent)
    if isinstance(exc, NoResponseError):
        return ChatError("Mistral sent no response", permanent=False)
    # Connection refused, timeouts, a stream cut off mid-way: the transport's own exceptions.
    return ChatError(f"Mistral request failed: {type(exc).__name__}: {exc}", permanent=False)

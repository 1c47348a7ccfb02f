"""What the Mistral and OpenAI chat APIs share: the JSON shape of messages and tools, and tool calls streamed in pieces.

Both APIs stream a tool call as deltas keyed by `index`: the first usually carries the id and the name, later ones
more characters of the arguments (Mistral tends to send a whole call in one delta, and repeats the name). The agent
wants whole calls, so each provider feeds its deltas to a `ToolCallAssembler` and hands over the result at the end.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from synclead.agent.llm.model import Message, Tool, ToolCall


def message_dicts(messages: Sequence[Message]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for message in messages:
        item: dict[str, Any] = {"role": message.role, "content": message.content}
        if message.tool_calls:
            item["tool_calls"] = [
                {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
                for call in message.tool_calls
            ]
        if message.role == "tool":
            item["tool_call_id"] = message.tool_call_id
            if message.name:
                item["name"] = message.name
        out.append(item)
    return out


def tool_dicts(tools: Sequence[Tool]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {"name": tool.name, "description": tool.description, "parameters": dict(tool.parameters)},
        }
        for tool in tools
    ]


@dataclass(slots=True)
class _Partial:
    id: str = ""
    name: str = ""
    arguments: str = ""


class ToolCallAssembler:
    def __init__(self) -> None:
        self._calls: list[_Partial] = []
        self._by_index: dict[int, _Partial] = {}

    def add(self, index: int | None, call_id: str | None, name: str | None, arguments: str | dict | None) -> None:
        # Mistral fills a missing id with the string "null"; it names nothing.
        call_id = call_id if call_id and call_id != "null" else ""
        partial = self._by_index.get(index or 0)
        if partial is None or (call_id and partial.id and call_id != partial.id):
            # A new index, or a second whole call sent under the same index: a new call.
            partial = _Partial()
            self._calls.append(partial)
            self._by_index[index or 0] = partial
        if call_id:
            partial.id = call_id
        if name:
            partial.name = name
        if isinstance(arguments, dict):
            partial.arguments = json.dumps(arguments, ensure_ascii=False)
        elif arguments:
            partial.arguments += arguments

    def calls(self) -> tuple[ToolCall, ...]:
        # A missing id gets one of nine letters and digits: the only form Mistral accepts back.
        return tuple(
            ToolCall(id=partial.id or f"call{i:05d}", name=partial.name, arguments=partial.arguments or "{}")
            for i, partial in enumerate(self._calls)
        )

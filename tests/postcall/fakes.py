"""A scripted `ChatModel`: each call to `stream` answers the next reply, and the messages it got are kept."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from synclead.agent.llm.model import Delta, Message, Tool


class ScriptedChat:
    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.requests: list[list[Message]] = []

    async def stream(
        self, messages: Sequence[Message], tools: Sequence[Tool], *, temperature: float, max_tokens: int,
        tool_choice: str = "auto",
    ) -> AsyncIterator[Delta]:  # fmt: skip
        self.requests.append(list(messages))
        reply = self.replies.pop(0)
        for start in range(0, len(reply), 40):  # streamed in pieces, as a provider does
            yield Delta(text=reply[start : start + 40])

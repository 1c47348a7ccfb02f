"""The language model as the agent sees it: messages in, a stream of text and finished tool calls out.

Nothing here knows a vendor. `synclead.providers.llm` adapts the Mistral and OpenAI-compatible SDKs to this
protocol; each provider assembles the tool-call fragments a stream carries, so the agent only ever sees whole calls
(whose arguments it still validates: they are text the model wrote).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

MessageRole = Literal["system", "user", "assistant", "tool"]
ToolChoice = Literal["auto", "none"]


@dataclass(frozen=True, slots=True)
class ToolCall:
    id: str
    name: str
    # The arguments exactly as the model wrote them: JSON text that may be malformed or wrong.
    arguments: str


@dataclass(frozen=True, slots=True)
class Message:
    role: MessageRole
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    # For role "tool": the call this is the result of, and that call's tool name.
    tool_call_id: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    description: str
    parameters: Mapping[str, Any] = field(default_factory=dict)  # a JSON schema object


@dataclass(frozen=True, slots=True)
class Delta:
    """A piece of the model's answer: some text, and/or tool calls whose arguments are complete."""

    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()


class ChatError(Exception):
    """The model could not answer.

    `permanent` errors (a refused key, an unknown model, a request the server rejects) will fail the same way if
    tried again; transient ones (timeouts, 429, 5xx, a stream cut off) may not.
    """

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class ChatModel(Protocol):
    def stream(
        self,
        messages: Sequence[Message],
        tools: Sequence[Tool],
        *,
        temperature: float,
        max_tokens: int,
        tool_choice: ToolChoice = "auto",
    ) -> AsyncIterator[Delta]:
        """Stream the answer to `messages`: text as it is generated, then the complete tool calls, if any.

        `tool_choice="none"` asks for words only, while still describing the tools that earlier messages used.

        Raises `ChatError` (before or during the stream) when the model fails; a stream that stops before the model
        said it had finished is a transient error, never a silently truncated answer.
        """
        ...

"""The chat emulators (one per wire dialect, shared by a module) and the real SDK providers pointed at them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from synclead.providers.llm.mistral import MistralChat
from synclead.providers.llm.openai_compat import OpenAICompatibleChat
from tests.llm.emulator import ChatEmulator, Dialect

KEY = "test-key"


@pytest.fixture(scope="module")
def emulators() -> Iterator[dict[Dialect, ChatEmulator]]:
    started: dict[Dialect, ChatEmulator] = {}
    yield started
    for emulator in started.values():
        emulator.stop()


def provider_for(
    emulator: ChatEmulator, *, key: str = KEY, timeout_s: float = 5.0
) -> MistralChat | OpenAICompatibleChat:
    if emulator.dialect == "mistral":
        return MistralChat(key, "mistral-small-latest", server_url=emulator.server_url, timeout_s=timeout_s)
    return OpenAICompatibleChat(key, "llama3.1", base_url=emulator.base_url, timeout_s=timeout_s)


@pytest.fixture(params=["openai", "mistral"])
def emulator(request: pytest.FixtureRequest, emulators: dict[Dialect, ChatEmulator]) -> ChatEmulator:
    dialect: Dialect = request.param
    if dialect not in emulators:
        emulators[dialect] = ChatEmulator(dialect, api_key=KEY).start()
    emulators[dialect].reset()
    return emulators[dialect]


@pytest.fixture
async def provider(emulator: ChatEmulator) -> AsyncIterator[MistralChat | OpenAICompatibleChat]:
    model = provider_for(emulator)
    yield model
    await model.aclose()

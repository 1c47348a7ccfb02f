"""`python -m tests.faults.gateway --port P`: the product's gateway (`create_app`) in a process of its own, with
speech fakes that number what they hear, so a test can tell every sentence from the others and check their order.

The caller's n-th turn is heard as "Sentence n." and answered "Answer n."; the greeting is one sentence. Everything
else is the product's: the media WebSocket, the real voice-activity detector, the database writer, the recording,
the webhooks, the sweep, the in-process post-call worker. The environment (SYNCLEAD_DATA_DIR, SYNCLEAD_DATABASE_URL,
SYNCLEAD_PUBLIC_URL, ...) is the test's; the organization `faults` (number `NUMBER`) is created if missing.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import re
from collections.abc import AsyncIterator
from typing import Any, Final

ORG: Final = "faults"
NUMBER: Final = "+33142685311"
GREETING: Final = "Hello, you are through to the fault line."
# Each agent sentence is this long: short enough to be heard whole before the caller's next turn.
SENTENCE_MS: Final = 800


class NumberingSTT:
    """Hears the process's n-th caller turn as "Sentence n." (one call at a time in these tests)."""

    def __init__(self) -> None:
        self._turns = itertools.count(1)

    async def transcribe(self, audio: Any, language: str) -> Any:
        from synclead.engine.ports import Transcript

        await asyncio.sleep(0.02)
        return Transcript(f"Sentence {next(self._turns)}.", language)


class ToneVoice:
    """Every sentence is the same short tone: what matters here is that it is sent, paced, marked and heard."""

    def __init__(self) -> None:
        from synclead.bench.audio import tone_burst

        self.audio = tone_burst(SENTENCE_MS)

    async def synthesize(self, text: str, language: str) -> AsyncIterator[Any]:
        yield self.audio


class NumberedAgent:
    """Answers turn n with "Answer n."; never hangs up by itself."""

    def __init__(self, from_number: str) -> None:
        self.from_number = from_number

    def greeting(self) -> str:
        return GREETING

    async def reply(self, caller_text: str) -> Any:
        from synclead.engine.ports import AgentReply

        number = re.search(r"\d+", caller_text)
        return AgentReply(f"Answer {number.group() if number else '?'}.")

    def on_silence(self, count: int) -> Any:
        from synclead.engine.ports import AgentReply

        return AgentReply("Are you still there?")

    def on_error(self) -> Any:
        from synclead.engine.ports import AgentReply

        return AgentReply("Sorry, could you say that again?")

    def farewell(self) -> Any:
        from synclead.engine.ports import AgentReply

        return AgentReply("Goodbye.", hang_up=True)

    def outcome(self, reason: str) -> Any:
        from synclead.engine.ports import CallOutcome

        return CallOutcome(reason=reason, lead={"phone": self.from_number}, summary="Fault test call.")


def app() -> Any:
    """The application factory uvicorn calls in the serving process."""
    from synclead.audio.vad import VadStream, get_model
    from synclead.config import get_settings
    from synclead.gateway.app import create_app
    from synclead.gateway.providers import Providers

    get_model()
    providers = Providers(
        stt=NumberingSTT(),
        tts=ToneVoice(),
        vad_factory=VadStream,
        agent_factory=lambda info, profile: NumberedAgent(info.from_number),
    )
    return create_app(providers, settings=get_settings())


def prepare_database() -> None:
    from django.core.management import call_command

    from synclead.web.organizations.models import Organization, PhoneNumber

    call_command("migrate", interactive=False, verbosity=0)
    org, _ = Organization.objects.get_or_create(slug=ORG, defaults={"name": "Fault line"})
    PhoneNumber.objects.get_or_create(number=NUMBER, defaults={"organization": org})


def main() -> None:
    parser = argparse.ArgumentParser(description="The gateway with numbering speech fakes.")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "synclead.web.settings")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import django

    django.setup()
    prepare_database()
    from synclead.gateway import server

    server.serve("tests.faults.gateway:app", host="127.0.0.1", port=args.port, workers=1)


if __name__ == "__main__":
    main()

"""The conversational agent: answers callers with a language model, grounded in the agency's documents and listings.

Each caller turn runs in two halves. A worker task retrieves passages, streams the model, runs the tools it asks
for (after validating them) and feeds the results back, at most `MAX_TOOL_ROUNDS` times; it puts each sentence on a
queue the moment it is complete. The reply stream the engine reads takes sentences off that queue and watches the
clock: a model that says nothing for `hold_after_s` gets a holding phrase said for it, one that is still silent at
`give_up_after_s`, or fails, gets an apology and hands the rest of the call to the offline `AnsweringAgent`, which
takes a message. The caller never waits in silence for a model.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from synclead.agent.hours import is_open
from synclead.agent.knowledge import Knowledge, Listing, Passage
from synclead.agent.llm.model import ChatError, ChatModel, Message, ToolCall
from synclead.agent.llm.prompt import LeakDetector, PromptContext, confidential_text, fit_to_budget
from synclead.agent.llm.tools import (
    EndCall,
    SearchListings,
    TakeMessage,
    ToolArgumentError,
    ToolRequest,
    parse_call,
    tools,
)
from synclead.agent.offline.answering import AnsweringAgent
from synclead.agent.offline.numbers import region_of, speak_phone
from synclead.agent.offline.rules import classify_intent, classify_urgency
from synclead.agent.profile import AgencyProfile
from synclead.agent.sentences import SentenceSplitter
from synclead.engine.ports import AgentReply, CallOutcome

log = logging.getLogger(__name__)

MAX_TOOL_ROUNDS = 3
PASSAGE_LIMIT = 3
LISTING_LIMIT = 3
# Retrieval that takes longer than this is skipped: an answer without passages beats a caller kept waiting.
RETRIEVAL_TIMEOUT_S = 2.0
DETAILS_CHARS = 500

PHRASES = {
    "en": {
        "hold": "One moment, please.",
        "apology": "I'm sorry, I can't look that up right now. I'll take a message for an advisor.",
        "apology_done": "I'm sorry, I'm having a technical problem.",
        "message_done": "An advisor will call you back as soon as possible. Goodbye!",
        "transfer": "I'm putting you through to an advisor, please hold.",
        "goodbye": "Thank you for calling. Goodbye!",
        "unclear": "Sorry, could you say that again?",
        "withheld": "I'm sorry, I can't help with that. Is there anything else I can do for you?",
    },
    "fr": {
        "hold": "Un instant, je vous prie.",
        "apology": "Je suis désolé, je ne peux pas consulter cela pour le moment. Je vais prendre un message "
        "pour un conseiller.",
        "apology_done": "Je suis désolé, je rencontre un problème technique.",
        "message_done": "Un conseiller vous rappellera dès que possible. Au revoir !",
        "transfer": "Je vous passe un conseiller, ne quittez pas.",
        "goodbye": "Merci de votre appel. Au revoir !",
        "unclear": "Pardon, pouvez-vous répéter ?",
        "withheld": "Je suis désolé, je ne peux pas vous aider sur ce point. Puis-je faire autre chose pour vous ?",
    },
}


@dataclass(slots=True)
class _Turn:
    """One caller turn as the worker leaves it: the caller's words first, then what the agent said and did."""

    messages: list[Message]
    spoken: bool = False  # whether any of the model's own words reached the queue
    # Words of a round still being streamed. Kept here as they arrive, so a turn the caller talks over is remembered
    # as far as it went without waiting for its cancelled worker to clean up.
    partial: str = ""
    heard: str = ""  # what was queued for the caller this turn
    withheld: bool = False  # the model began to recite its instructions: nothing more of this turn is said

    def history(self) -> list[Message]:
        return [*self.messages, Message("assistant", self.partial.strip())] if self.partial.strip() else self.messages


@dataclass(frozen=True, slots=True)
class _Done:
    pass


# What a turn's worker hands the reply stream: sentences, then the end or the error that ended it.
_Replies = asyncio.Queue[str | ChatError | _Done]


@dataclass
class ConversationAgent:
    """One call's agent (the engine's `Agent` protocol) with a language model behind it."""

    profile: AgencyProfile
    model: ChatModel
    knowledge: Knowledge
    caller_number: str = ""
    # Aware "now"; the organization's time zone is applied here. Tests pass a fixed clock.
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    hold_after_s: float = 1.5
    give_up_after_s: float = 6.0

    message: TakeMessage | None = None
    transferred_to: str = ""
    fallen_back: bool = False
    _fallback: AnsweringAgent = field(init=False)
    provider_errors: list[dict] = field(default_factory=list)
    _turns: list[_Turn] = field(default_factory=list, init=False)
    _said: list[str] = field(default_factory=list, init=False)
    _worker: asyncio.Task[None] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self._fallback = AnsweringAgent(self.profile, caller_number=self.caller_number)

    @property
    def language(self) -> str:
        return "fr" if self.profile.language == "fr" else "en"

    def _phrase(self, key: str) -> str:
        return PHRASES[self.language][key]

    # ---- the engine's Agent protocol -------------------------------------------------------------------------

    def greeting(self) -> str:
        # The same opening as the offline agent: the AI disclosure and the recording notice are not optional.
        return self._fallback.greeting()

    async def reply(self, caller_text: str) -> AgentReply:
        self._stop_worker()  # a reply the caller talked over is abandoned, not finished in the background
        if self.fallen_back:
            return await self._fallback.reply(caller_text)
        self._said.append(caller_text)
        turn = _Turn([Message("user", caller_text)])
        self._turns.append(turn)
        reply = AgentReply()
        reply.stream = self._paced(turn, reply)
        return reply

    def on_silence(self, count: int) -> AgentReply:
        return self._fallback.on_silence(count)

    def on_error(self) -> AgentReply:
        return self._fallback.on_error()

    def farewell(self) -> AgentReply:
        self._stop_worker()
        return self._fallback.farewell()

    def outcome(self, reason: str) -> CallOutcome:
        self._stop_worker()
        base = self._fallback.outcome(reason) if self.fallen_back else None
        lead = dict(base.lead) if base else self._lead_from_conversation()
        if self.message is not None:
            lead |= {"name": self.message.name, "details": self.message.reason}
            if self.message.phone:
                lead["phone"] = self.message.phone
            if self.message.email:
                lead["email"] = self.message.email
            if self.message.urgency:
                lead["urgency"] = self.message.urgency
            lead["intent"] = classify_intent(self.message.reason, self.language)
        summary = self._summary(lead, reason) if base is None or self.message else base.summary
        return CallOutcome(reason=reason, lead=lead, summary=summary, provider_errors=list(self.provider_errors))

    # ---- one turn: pacing ------------------------------------------------------------------------------------

    async def _paced(self, turn: _Turn, reply: AgentReply) -> AsyncIterator[str]:
        queue: _Replies = asyncio.Queue()
        worker = self._worker = asyncio.create_task(self._answer(turn, reply, queue))
        loop = asyncio.get_running_loop()
        last_words = loop.time()  # when the model last produced a sentence, or the turn began
        spoken = held = False
        try:
            while True:
                give_up_at = last_words + self.give_up_after_s
                deadline = give_up_at if spoken or held else min(give_up_at, last_words + self.hold_after_s)
                try:
                    item = await asyncio.wait_for(queue.get(), max(deadline - loop.time(), 0))
                except TimeoutError:
                    if not spoken and not held:
                        held = True
                        yield self._phrase("hold")
                        continue
                    log.warning("the model said nothing for %.1f s: taking a message instead", self.give_up_after_s)
                    item = ChatError("the model was too slow", permanent=False)
                if isinstance(item, _Done):
                    return
                if isinstance(item, ChatError):
                    for sentence in await self._fall_back(reply, item):
                        yield sentence
                    return
                spoken = True
                last_words = loop.time()
                yield item
        finally:
            # Only this turn's worker: an abandoned stream may be finalised after the next turn has begun.
            worker.cancel()
            if self._worker is worker:
                self._worker = None

    async def _fall_back(self, reply: AgentReply, error: ChatError) -> list[str]:
        """The model failed this caller: apologise, then go on as the answering machine for the rest of the call."""
        if error.permanent:
            log.error("the language model refuses our requests (%s): this call goes on without it", error)
        else:
            log.warning("the language model failed (%s): this call goes on without it", error)
        self._stop_worker()
        self.fallen_back = True
        self.provider_errors.append({"provider": "llm", "reason": str(error), "permanent": error.permanent})
        reply.transfer_to = ""
        if self.message is not None:
            # The message is already taken: nothing left to ask.
            reply.hang_up = True
            return [self._phrase("apology_done"), self._phrase("message_done")]
        # Everything the caller said so far is the reason for the call, and may hold their name.
        first = await self._fallback.reply(" ".join(self._said))
        reply.hang_up = first.hang_up
        return [self._phrase("apology"), first.text]

    def _stop_worker(self) -> None:
        if self._worker is not None and not self._worker.done():
            self._worker.cancel()
        self._worker = None

    # ---- one turn: the model and its tools -------------------------------------------------------------------

    async def _answer(self, turn: _Turn, reply: AgentReply, queue: _Replies) -> None:
        try:
            await self._converse(turn, reply, queue)
            queue.put_nowait(_Done())
        except asyncio.CancelledError:
            raise
        except ChatError as exc:
            queue.put_nowait(exc)
        except Exception as exc:
            log.exception("answering the caller failed")
            queue.put_nowait(ChatError(f"{type(exc).__name__}: {exc}", permanent=False))

    async def _converse(self, turn: _Turn, reply: AgentReply, queue: _Replies) -> None:
        passages = await self._retrieve(turn.messages[0].content)
        offered = tools()
        rounds = 0
        retried = False
        while True:
            last_round = rounds >= MAX_TOOL_ROUNDS
            context = self._context()
            leak = LeakDetector(confidential_text(context, offered))
            heard_before = turn.heard
            messages = fit_to_budget(
                context,
                passages,
                [t.history() for t in self._turns],
                offered,
                self.profile.max_input_tokens,
            )
            splitter = SentenceSplitter()
            text: list[str] = []
            calls: list[ToolCall] = []
            try:
                async for delta in self.model.stream(
                    messages,
                    offered,
                    temperature=self.profile.temperature,
                    max_tokens=self.profile.max_output_tokens,
                    # Past the limit the model must answer in words (a server that ignores this is ignored back).
                    tool_choice="none" if last_round else "auto",
                ):
                    if delta.text:
                        text.append(delta.text)
                        turn.partial += delta.text
                        for sentence in splitter.feed(delta.text):
                            self._say(turn, sentence, queue, leak)
                    calls.extend(delta.tool_calls)
            except ChatError as exc:
                # One quick retry for a hiccup before anything was said; never for a refused key or a bad request.
                if exc.permanent or retried or text:
                    raise
                retried = True
                log.info("retrying the model once after: %s", exc)
                continue
            for sentence in splitter.flush():
                self._say(turn, sentence, queue, leak)
            said = "".join(text).strip()
            if turn.withheld:
                # The model is told what the caller heard, not its recital: it must not build on words never said.
                said = turn.heard[len(heard_before) :].strip()
            if last_round or not calls:
                if said:
                    turn.messages.append(Message("assistant", said))
                turn.partial = ""
                break
            rounds += 1
            results, closing = await self._run_tools(calls, reply)
            # The calls and their results go in together, so the history never holds a call without its result.
            turn.messages.extend([Message("assistant", said, tool_calls=tuple(calls)), *results])
            turn.partial = ""
            if closing:
                if not said:
                    queue.put_nowait(self._phrase(closing))
                return
        if not turn.spoken:
            queue.put_nowait(self._phrase("unclear"))

    def _say(self, turn: _Turn, sentence: str, queue: _Replies, leak: LeakDetector) -> None:
        """Queue the model's sentence, unless it recites its instructions: then an apology, and no more this turn."""
        if turn.withheld:
            return
        if leak.leaks(turn.heard, sentence):
            log.warning("withheld a reply that recites the instructions: %.80s", sentence)
            turn.withheld = True
            sentence = self._phrase("withheld")
        turn.spoken = True
        turn.heard = f"{turn.heard} {sentence}"
        queue.put_nowait(sentence)

    async def _retrieve(self, query: str) -> list[Passage]:
        try:
            async with asyncio.timeout(RETRIEVAL_TIMEOUT_S):
                return await self.knowledge.search(query, self.language, limit=PASSAGE_LIMIT)
        except TimeoutError:
            log.warning("document search took over %.1f s: answering without passages", RETRIEVAL_TIMEOUT_S)
        except Exception:
            log.exception("document search failed: answering without passages")
        return []

    async def _run_tools(self, calls: Sequence[ToolCall], reply: AgentReply) -> tuple[list[Message], str]:
        """Run each call that passes validation; return the results, and the closing phrase if the call ends."""
        results: list[Message] = []
        closing = ""
        for call in calls:
            try:
                request = parse_call(call, language=self.language, region=region_of(self.caller_number))
            except ToolArgumentError as exc:
                log.warning("refused tool call %s(%s): %s", call.name, call.arguments[:200], exc)
                result: dict[str, object] = {"ok": False, "error": str(exc)}
            else:
                result, ends = await self._execute(request, reply)
                if ends and closing != "transfer":
                    closing = ends
            results.append(
                Message("tool", json.dumps(result, ensure_ascii=False), tool_call_id=call.id, name=call.name)
            )
        return results, closing

    async def _execute(self, request: ToolRequest, reply: AgentReply) -> tuple[dict[str, object], str]:
        if isinstance(request, SearchListings):
            try:
                listings = await self.knowledge.search_listings(request.criteria, limit=LISTING_LIMIT)
            except Exception:
                log.exception("listing search failed")
                return {"ok": False, "error": "the listing search is unavailable; offer to take a message"}, ""
            if not listings:
                return {"ok": True, "listings": [], "note": "nothing matches: say so, offer to widen the search"}, ""
            return {"ok": True, "listings": [_listing(listing) for listing in listings]}, ""
        if isinstance(request, TakeMessage):
            phone = request.phone or self.caller_number
            if not phone:  # a hidden caller ID and no number given: an advisor could not call back
                return {"ok": False, "error": "no callback number: ask the caller for one"}, ""
            self.message = request
            spoken = speak_phone(phone, self.language)
            return {"ok": True, "recorded": {"name": request.name, "phone": spoken, "reason": request.reason}}, ""
        if isinstance(request, EndCall):
            reply.hang_up = True
            return {"ok": True}, "goodbye"
        # What is left is a transfer request: granted only with a staff number, within opening hours.
        if self._transfer_available():
            reply.transfer_to = self.transferred_to = self.profile.staff_number
            return {"ok": True}, "transfer"
        return {
            "ok": False,
            "error": "nobody can take the call now: offer to take a message (name, callback number, reason)",
        }, ""

    # ---- context -------------------------------------------------------------------------------------------

    def _local_now(self) -> datetime:
        try:
            return self.clock().astimezone(ZoneInfo(self.profile.timezone))
        except (ZoneInfoNotFoundError, ValueError):
            return self.clock()

    def _transfer_available(self) -> bool:
        return bool(self.profile.staff_number) and is_open(
            self.profile.business_hours, self.profile.timezone, self.clock()
        )

    def _context(self) -> PromptContext:
        return PromptContext(
            organization=self.profile.name,
            language=self.language,
            persona=self.profile.persona,
            instructions=self.profile.instructions,
            facts=self.profile.facts,
            caller_number=self.caller_number,
            now=self._local_now(),
            transfer_available=self._transfer_available(),
        )

    # ---- outcome -------------------------------------------------------------------------------------------

    def _lead_from_conversation(self) -> dict[str, str]:
        everything = " ".join(self._said)
        return {
            "name": "",
            "phone": self.caller_number,
            "email": "",
            "intent": classify_intent(everything, self.language) if everything else "",
            "urgency": classify_urgency(everything, self.language) if everything else "normal",
            "details": everything[:DETAILS_CHARS],
        }

    def _summary(self, lead: dict[str, str], reason: str) -> str:
        french = self.language == "fr"
        phone = lead["phone"] or ("numéro inconnu" if french else "unknown number")
        if not self._said:
            if french:
                return f"Appel sans conversation ({reason}). Rappeler le {phone}."
            return f"Call with no conversation ({reason}). Call back {phone}."
        who = lead["name"] or ("L'appelant" if french else "The caller")
        details = lead["details"].strip().rstrip(".!?… ")
        if french:
            text = f"{who} a appelé : « {details} ». À rappeler au {phone}."
            if self.message and self.message.preferred_time:
                text += f" De préférence : {self.message.preferred_time}."
            if self.transferred_to:
                text += f" Transféré au {self.transferred_to}."
            return text
        text = f"{who} called: “{details}.” Call back on {phone}."
        if self.message and self.message.preferred_time:
            text += f" Preferably: {self.message.preferred_time}."
        if self.transferred_to:
            text += f" Transferred to {self.transferred_to}."
        return text


def _listing(listing: Listing) -> dict[str, object]:
    # Only what helps answer on the phone; long descriptions are cut so the results fit the budget.
    data = {key: value for key, value in asdict(listing).items() if value not in (None, "", ())}
    if "description" in data:
        data["description"] = str(data["description"])[:300]
    return data

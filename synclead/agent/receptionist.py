"""The receptionist: answers callers from the agency's own documents and listings, with no language model.

Each caller turn is a property search (listings matched on the criteria we understood), a question (answered with
the one or two sentences of a retrieved passage that best match it, word for word), or a wish to leave a message.
What it cannot answer it never guesses: it offers a message, and the answering agent takes it from there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import Enum, auto

from synclead.agent.answering import AgencyProfile, AnsweringAgent, Step
from synclead.agent.criteria import parse_criteria
from synclead.agent.grounding import DEFAULT_MIN_COVERAGE, DEFAULT_MIN_SCORE, concepts, grounded_answer
from synclead.agent.knowledge import Knowledge, Listing, ListingCriteria, Passage
from synclead.agent.receptionist_phrases import describe_listing, listing_note, say, speak_hours
from synclead.agent.understanding import classify_intent, classify_urgency, extract_name, fold, is_affirmative
from synclead.engine.ports import AgentReply, CallOutcome

__all__ = ["Exchange", "ReceptionistAgent", "Stage"]

# --- What a turn is -------------------------------------------------------------------------------------------

_MESSAGE_REQUEST = re.compile(
    r"\b(?:leave (?:a |him |her )?message|take a message|call me back|call me|ring me back|phone me back"
    r"|(?:someone|somebody|an advisor|an agent) (?:to )?call|speak (?:to|with) (?:someone|somebody|a person|a human"
    r"|an advisor|an agent|the manager|a real person)|talk to (?:someone|somebody|a person|an advisor|an agent)"
    r"|laisser (?:un )?message|prendre un message|me rappeler|rappelez moi|qu on me rappelle|etre rappelee?"
    r"|parler a (?:quelqu un|un conseiller|une conseillere|une personne|un agent|un humain))\b"
)
_CLOSING = re.compile(
    r"\b(?:that s all|that s it|that will be all|that s everything|nothing else|no thanks|no thank you|goodbye"
    r"|bye|have a (?:nice|good) day|c est tout|rien d autre|non merci|ce sera tout|ca sera tout|au revoir"
    r"|bonne journee|ca ira)\b"
)
_THANKS = re.compile(r"\b(?:thanks|thank you|cheers|merci)\b")
_QUESTION = re.compile(
    r"\b(?:what|when|where|which|who|how|do you|does|are you|is there|is it|can i|could you|can you"
    r"|i d like to know|i want to know|tell me|est ce|quel|quels|quelle|quelles|quand|ou|comment|combien"
    r"|avez vous|pouvez vous|c est quoi|je voudrais savoir|j aimerais savoir|dites moi)\b"
)
# More passages than the one that answers: "and your fees?" after a rental search is answered by the tenants' fee
# schedule, which the retriever may rank fourth behind sales fees; the sentence chooser sees the conversation.
PASSAGES = 5
# Said as a statement, these are errands for staff, not questions for the documents: take the message at once.
_ERRANDS = {"sell", "valuation", "property_management", "tenant_issue", "viewing"}


class Stage(Enum):
    LISTENING = auto()  # after the greeting or an answer: a question, a search, a message, or goodbye
    OFFERED = auto()  # a callback offered or the caller's name asked: yes, a name, no, or something new
    MESSAGE = auto()  # the answering agent takes the name and number
    DONE = auto()


@dataclass(frozen=True, slots=True)
class Exchange:
    """One thing the caller asked, and what they were told ("" when nothing was known)."""

    question: str
    answer: str
    listings: tuple[Listing, ...] = ()


@dataclass
class ReceptionistAgent:
    """The offline agent for an organization with a knowledge base.

    A retrieved passage may answer when the retriever's fused score is at least `min_score` and it holds at least
    `min_coverage` of the question's content words (see `grounding` for why both, and why these defaults).
    """

    profile: AgencyProfile
    knowledge: Knowledge
    caller_number: str = ""
    min_score: float = DEFAULT_MIN_SCORE
    min_coverage: float = DEFAULT_MIN_COVERAGE
    today: date = field(default_factory=date.today)  # for "available now" against a listing's date
    stage: Stage = field(default=Stage.LISTENING, init=False)
    exchanges: list[Exchange] = field(default_factory=list, init=False)
    said: list[str] = field(default_factory=list, init=False)
    _messages: AnsweringAgent = field(init=False)
    _decline_ends_call: bool = field(default=False, init=False)  # whether "no" to the pending offer is goodbye
    _last_words: str = field(default="", init=False)

    def __post_init__(self) -> None:
        # The answering agent's steps take the message: name, number, read-back, goodbye.
        self._messages = AnsweringAgent(self.profile, self.caller_number)

    @property
    def language(self) -> str:
        return self.profile.language[:2]

    def _say(self, key: str, **values: str) -> str:
        return say(self.language, key, org=self.profile.name, **values)

    def greeting(self) -> str:
        return self._messages.greeting()

    async def reply(self, caller_text: str) -> AgentReply:
        self.said.append(caller_text)
        if self.stage is Stage.MESSAGE:
            return await self._delegate(caller_text)
        if self.stage is Stage.DONE:
            return AgentReply(self._last_words or self._say("goodbye"), hang_up=True)
        name = extract_name(caller_text, self.language, expecting_name=False)
        if name and not self._messages.name:
            self._messages.name = name
        if self.stage is Stage.OFFERED:
            return await self._on_offered(caller_text)
        return await self._on_listening(caller_text)

    def on_silence(self, count: int) -> AgentReply:
        return self._track(self._messages.on_silence(count))

    def on_error(self) -> AgentReply:
        return self._messages.on_error()

    def farewell(self) -> AgentReply:
        return self._track(self._messages.farewell())

    # ---- turns ---------------------------------------------------------------------------------------------

    async def _on_listening(self, text: str) -> AgentReply:
        folded = fold(text)
        if _MESSAGE_REQUEST.search(folded):
            return self._take_message(text, "take_message")
        criteria = parse_criteria(text, self.language)
        if criteria is not None:
            return await self._search(text, criteria)
        if _CLOSING.search(folded) and not self._asked(_CLOSING.sub(" ", folded)):
            return self._offer_callback()
        if not self._asked(text):
            answer = is_affirmative(text, self.language)
            if answer is True:
                return AgentReply(self._say("go_ahead"))
            if answer is False or _THANKS.search(folded):
                return self._offer_callback()
            return AgentReply(self._say("how_can_i_help"))
        if not self._is_question(text) and classify_intent(text, self.language) in _ERRANDS:
            return self._take_message(text, "take_message")
        return await self._answer(text)

    async def _on_offered(self, text: str) -> AgentReply:
        answer = is_affirmative(text, self.language)
        if answer is not True and self._is_new_request(text):
            self.stage = Stage.LISTENING
            return await self._on_listening(text)
        if extract_name(text, self.language, expecting_name=True):
            self.stage = Stage.MESSAGE
            self._messages.step = Step.NAME
            return await self._delegate(text)
        if answer is True:
            if self._messages.name:
                return self._ask_number()
            self.stage = Stage.MESSAGE
            self._messages.step = Step.NAME
            return AgentReply(self._say("ask_name"))
        if answer is False:
            if self._decline_ends_call:
                return self._goodbye()
            self.stage = Stage.LISTENING
            return AgentReply(f"{self._say('no_problem')} {self._say('anything_else')}")
        # Neither yes nor no nor a question: most likely a name Whisper wrote in lower case; the answering agent
        # reads it or asks again.
        self.stage = Stage.MESSAGE
        self._messages.step = Step.NAME
        return await self._delegate(text)

    async def _search(self, text: str, criteria: ListingCriteria) -> AgentReply:
        listings = await self.knowledge.search_listings(criteria, limit=2)
        if not listings:
            self.exchanges.append(Exchange(text, ""))
            return self._take_message(text, "no_listing")
        spoken = [describe_listing(listing, self.language, self.today, criteria.features) for listing in listings]
        values = {"first": spoken[0], "second": spoken[-1]}
        facts = self._say("listings_two" if len(spoken) > 1 else "listings_one", **values)
        self.exchanges.append(Exchange(text, facts, tuple(listings)))
        self._messages.reason = self._messages.reason or text
        self.stage, self._decline_ends_call = Stage.OFFERED, False
        return AgentReply(f"{facts} {self._say('offer_two' if len(spoken) > 1 else 'offer_one')}")

    async def _answer(self, text: str) -> AgentReply:
        passages = await self.knowledge.search(text, self.language, limit=PASSAGES)
        if self.profile.facts.strip():
            # The facts staff typed on the organization's page come first: they are the agency's own word.
            passages = [Passage("facts", self.profile.facts, score=1.0), *passages]
        facts = grounded_answer(
            text,
            passages,
            self.language,
            min_score=self.min_score,
            min_coverage=self.min_coverage,
            ignore=self._ignored(),
            earlier=[e.question for e in self.exchanges[-2:]],
        )
        if not facts and "hours" in self._asked(text) and self.profile.business_hours:
            # No passage in the caller's language gives the hours, but the organization's settings do.
            facts = speak_hours(self.profile.business_hours, self.language)
        self.exchanges.append(Exchange(text, facts))
        if not facts:
            return self._take_message(text, "no_info")
        self.stage = Stage.LISTENING
        return AgentReply(f"{facts} {self._say('anything_else')}")

    # ---- taking a message ----------------------------------------------------------------------------------

    def _take_message(self, reason: str, lead_in: str) -> AgentReply:
        self._messages.reason = reason
        if self._messages.name:
            return self._ask_number(self._say(lead_in))
        self.stage, self._decline_ends_call = Stage.OFFERED, False
        return AgentReply(f"{self._say(lead_in)} {self._say('ask_name')}")

    def _offer_callback(self) -> AgentReply:
        name = self._messages.name
        offer = self._say("offer_callback", name=f", {name}" if name else "")
        self.stage, self._decline_ends_call = Stage.OFFERED, True
        return AgentReply(offer if name else f"{offer} {self._say('ask_name')}")

    def _ask_number(self, lead_in: str = "") -> AgentReply:
        # The answering agent's own step: offers the caller ID (or asks for a number), then reads it back.
        self.stage = Stage.MESSAGE
        asked = self._messages.ask_number()
        return AgentReply(f"{lead_in} {asked.text}".strip(), asked.hang_up)

    async def _delegate(self, text: str) -> AgentReply:
        return self._track(await self._messages.reply(text))

    def _track(self, reply: AgentReply) -> AgentReply:
        if self._messages.step is Step.DONE:
            self.stage, self._last_words = Stage.DONE, reply.text
        return reply

    def _goodbye(self) -> AgentReply:
        self._messages.step = Step.DONE
        return self._track(AgentReply(self._say("goodbye"), hang_up=True))

    # ---- understanding -------------------------------------------------------------------------------------

    def _asked(self, text: str) -> set[str]:
        """What the caller's words are about, without their name or the agency's: empty for "yes", "thanks"."""
        return concepts(text, self._ignored(), question=True, language=self.language)

    def _ignored(self) -> frozenset[str]:
        return frozenset(fold(f"{self.profile.name} {self._messages.name}").split())

    def _is_question(self, text: str) -> bool:
        return "?" in text or bool(_QUESTION.search(fold(text)))

    def _is_new_request(self, text: str) -> bool:
        if _MESSAGE_REQUEST.search(fold(text)) or parse_criteria(text, self.language) is not None:
            return True
        return self._is_question(text) and bool(self._asked(text))

    # ---- what the call gave ----------------------------------------------------------------------------------

    def outcome(self, reason: str) -> CallOutcome:
        lead = dict(self._messages.outcome(reason).lead)
        everything = " ".join(self.said)
        if everything:
            lead["intent"] = classify_intent(everything, self.language)
            lead["urgency"] = classify_urgency(everything, self.language)
        lead["details"] = self._details()
        return CallOutcome(reason=reason, lead=lead, summary=self._summary(lead, reason))

    def _listings(self) -> list[Listing]:
        seen: dict[str, Listing] = {}
        for exchange in self.exchanges:
            seen.update((listing.reference, listing) for listing in exchange.listings)
        return list(seen.values())

    def _details(self) -> str:
        french = self.language == "fr"
        parts = []
        questions = [e.question.strip() for e in self.exchanges]
        if questions:
            parts.append(("Questions : " if french else "Questions: ") + " | ".join(questions))
        listings = self._listings()
        if listings:
            notes = "; ".join(listing_note(listing, self.language) for listing in listings)
            parts.append(("Biens évoqués : " if french else "Listings discussed: ") + notes)
        if message := self._message():
            parts.append(("Message : " if french else "Message: ") + message)
        return "\n".join(parts)

    def _message(self) -> str:
        """Why the caller wants a call back, when it is not already one of their questions."""
        reason = self._messages.reason.strip()
        return "" if reason in (e.question.strip() for e in self.exchanges) else reason

    def _summary(self, lead: dict[str, str], reason: str) -> str:
        if not self.exchanges:
            return self._messages.outcome(reason).summary
        french = self.language == "fr"
        who = lead["name"] or ("L'appelant" if french else "The caller")
        told = []
        for e in self.exchanges:
            if french:
                answer = f"réponse : « {e.answer} »" if e.answer else "pas de réponse dans la base, message proposé"
                told.append(f"« {e.question.strip()} » ({answer})")
            else:
                answer = f"answered: “{e.answer}”" if e.answer else "not in the knowledge base, message offered"
                told.append(f"“{e.question.strip()}” ({answer})")
        phone = lead["phone"] or ("numéro inconnu" if french else "unknown number")
        message = ""
        if said := self._message():
            message = f" Message : « {said} »." if french else f" Message: “{said}”."
        if french:
            return f"{who} a demandé : {' ; '.join(told)}.{message} À rappeler au {phone}."
        return f"{who} asked: {'; '.join(told)}.{message} Call back on {phone}."

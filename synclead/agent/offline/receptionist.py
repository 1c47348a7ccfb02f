"""The receptionist: answers callers from the agency's own documents and listings, with no language model.

Each caller turn is a property search (listings matched on the criteria we understood), a question (answered with
the one or two sentences of a retrieved passage that best match it, word for word), or an errand for staff: a
message, a seller's valuation, a viewing, a tenant's problem. Errands gather what staff need (`dialogue`) and end
with the caller knowing what happens next. What it cannot answer it never guesses: it offers a message.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum, auto

from synclead.agent.hours import is_open
from synclead.agent.knowledge import Knowledge, ListingCriteria, Passage
from synclead.agent.offline import acts as dialogue_acts
from synclead.agent.offline.acts import Acts, TextEmbedder
from synclead.agent.offline.answering_phrases import phrase
from synclead.agent.offline.criteria import parse_criteria
from synclead.agent.offline.dialogue import MAX_ASKS, Dialogue, Errand, Slot
from synclead.agent.offline.grounding import DEFAULT_MIN_COVERAGE, DEFAULT_MIN_SCORE, concepts, grounded_answer
from synclead.agent.offline.numbers import last_digits, region_of, speak_phone
from synclead.agent.offline.phrases import describe_listing, say, speak_hours
from synclead.agent.offline.report import Exchange, call_outcome
from synclead.agent.offline.rules import classify_intent, classify_urgency, fold
from synclead.agent.profile import AgencyProfile
from synclead.agent.sentences import split_sentences
from synclead.engine.ports import AgentReply, CallOutcome

__all__ = ["Exchange", "ReceptionistAgent", "Stage"]

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
_QUESTION = re.compile(
    r"\b(?:what|when|where|which|who|how|do you|does|are you|is there|is it|can i|could you|can you"
    r"|i d like to know|i want to know|tell me|est ce|quel|quels|quelle|quelles|quand|ou|comment|combien"
    r"|avez vous|pouvez vous|c est quoi|je voudrais savoir|j aimerais savoir|dites moi)\b"
)
_CLAUSE = re.compile(r"(?<=[,;?!.])\s+|\s+(?:and|but|et|mais)\s+(?=(?:what|how|when|quel|quelle|combien|est))")
# More passages than the one that answers: "and your fees?" after a rental search is answered by the tenants' fee
# schedule, which the retriever may rank fourth behind sales fees; the sentence chooser sees the conversation.
PASSAGES = 5
_SELLERS = {"sell", "valuation"}
# Said as a statement, these are errands for staff, not questions for the documents.
_ERRANDS: dict[str, Errand] = {"property_management": "message", "tenant_issue": "tenant_issue", "viewing": "viewing"}
_ACKS = {"yes", "no", "thanks", "goodbye", "this_number", "correction"}


class Stage(Enum):
    LISTENING = auto()  # after the greeting or an answer: a question, a search, an errand, or goodbye
    ERRAND = auto()  # gathering what an errand needs, or waiting for the answer to an offer
    DONE = auto()


@dataclass
class ReceptionistAgent:
    """The offline agent for an organization with a knowledge base.

    A retrieved passage may answer when the retriever's fused score is at least `min_score` and it holds at least
    `min_coverage` of the question's content words (see `grounding` for why both, and why these defaults). With an
    `embedder`, short answers the rules miss are understood by their nearest exemplar (`acts`).
    """

    profile: AgencyProfile
    knowledge: Knowledge
    caller_number: str = ""
    min_score: float = DEFAULT_MIN_SCORE
    min_coverage: float = DEFAULT_MIN_COVERAGE
    today: date = field(default_factory=date.today)  # for "available now" against a listing's date
    embedder: TextEmbedder | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))  # business hours, for a transfer
    stage: Stage = field(default=Stage.LISTENING, init=False)
    exchanges: list[Exchange] = field(default_factory=list, init=False)
    said: list[str] = field(default_factory=list, init=False)
    dialogue: Dialogue = field(default_factory=Dialogue, init=False)
    _reason: str = field(default="", init=False)
    _last_words: str = field(default="", init=False)

    @property
    def language(self) -> str:
        return self.profile.language[:2]

    def _say(self, key: str, **values: str) -> str:
        return say(self.language, key, org=self.profile.name, **values)

    def _phrase(self, key: str, **values: str) -> str:
        return phrase(self.language, key, org=self.profile.name, name=self._name_part(), **values)

    def greeting(self) -> str:
        opening = self.profile.greeting.strip() or self._phrase("greeting")
        # The AI disclosure and the recording notice are not optional, whatever the custom greeting says.
        return f"{opening} {self._phrase('disclosure')}"

    async def reply(self, caller_text: str) -> AgentReply:
        self.said.append(caller_text)
        if self.stage is Stage.DONE:
            return AgentReply(self._last_words or self._say("goodbye"), hang_up=True)
        acts = await self._acts(caller_text)
        changed = self.dialogue.absorb(caller_text, self.language, acts, self._region())
        if "goodbye" in acts and not self._is_new_request(caller_text):
            return self._end()
        if self.stage is Stage.ERRAND:
            return await self._on_errand(caller_text, acts, changed)
        return await self._on_listening(caller_text, acts)

    def on_silence(self, count: int) -> AgentReply:
        if self.stage is Stage.DONE:
            return AgentReply(self._last_words or self._say("goodbye"), hang_up=True)
        if count >= 2:
            return self._done(self._phrase("silent_goodbye"))
        return AgentReply(self._phrase("still_there"))

    def on_error(self) -> AgentReply:
        return AgentReply(self._phrase("error"))

    def farewell(self) -> AgentReply:
        return self._done(self._phrase("farewell"))

    # ---- turns ---------------------------------------------------------------------------------------------

    async def _acts(self, text: str) -> Acts:
        if self.embedder is None:
            return dialogue_acts.classify(text, self.language)
        # One query embedding at most, off the event loop: other calls' audio keeps flowing meanwhile.
        return await asyncio.to_thread(dialogue_acts.classify, text, self.language, self.embedder)

    async def _on_listening(self, text: str, acts: Acts) -> AgentReply:
        folded = fold(text)
        intent = classify_intent(text, self.language)
        if _MESSAGE_REQUEST.search(folded):
            return self._begin("message", text, self._say("take_message"))
        if intent in _SELLERS:
            return await self._seller(text, intent)
        criteria = parse_criteria(text, self.language)
        if criteria is not None:
            return await self._search(text, criteria)
        if _CLOSING.search(folded) and not self._asked(_CLOSING.sub(" ", folded)):
            return self._offer_callback()
        if not self._asked(text):
            if "yes" in acts:
                return AgentReply(self._say("go_ahead"))
            if acts.acts & {"no", "thanks"}:
                return self._offer_callback()
            return AgentReply(self._say("how_can_i_help"))
        if not self._is_question(text) and intent in _ERRANDS:
            return self._errand(_ERRANDS[intent], text)
        return await self._answer(text)

    async def _on_errand(self, text: str, acts: Acts, changed: list[Slot]) -> AgentReply:
        d = self.dialogue
        if d.offer:
            return await self._on_offer(text, acts)
        if d.candidate_phone and "phone" in changed:
            return self._read_back()
        if d.asking == "phone":
            return self._on_phone(acts)
        asked = d.asking
        # Something else given instead ("my name is…" for the address) is no miss: the question comes again plainly.
        if asked is not None and not changed and asked not in d.slots:
            if self._is_new_request(text) and not acts.acts:
                d.asking = None
                self.stage = Stage.LISTENING
                return await self._on_listening(text, acts)
            if acts.main in ("no", "thanks") and asked == "name" and d.errand == "message" and d.asks["name"] == 1:
                # "I don't know, may I take your name?" "No thanks.": no message wanted.
                d.errand, d.asking, self.stage = None, None, Stage.LISTENING
                return AgentReply(f"{self._say('no_problem')} {self._say('anything_else')}")
            if acts.main == "no":
                d.give_up(asked)  # the caller would rather not say
                return self._next()
            return self._next(again=True)
        return self._next()

    async def _on_offer(self, text: str, acts: Acts) -> AgentReply:
        d = self.dialogue
        offer, d.offer = d.offer, ""
        agreed = acts.main in ("yes", "this_number") or (acts.main == "correction" and d.candidate_phone)
        if not agreed and self._is_new_request(text):
            self.stage = Stage.LISTENING
            return await self._on_listening(text, acts)
        if agreed or (offer != "valuation" and "name" in d.slots and "no" not in acts):
            if acts.main == "this_number" and self.caller_number:
                d.slots["phone"] = self.caller_number
            d.start("seller" if offer == "valuation" else "message")
            return self._next()
        if "no" in acts:
            d.errand, d.asking = None, None  # the details given stay on the lead; no callback is promised
            if d.offer_ends_call:
                return self._done(self._say("goodbye"))
            self.stage = Stage.LISTENING
            return AgentReply(f"{self._say('no_problem')} {self._say('anything_else')}")
        # Neither yes nor no: a name said straight away is a yes to being called back.
        d.start("message")
        return self._next(again="name" not in d.slots)

    def _on_phone(self, acts: Acts) -> AgentReply:
        d = self.dialogue
        if d.candidate_phone:  # a number was read back
            if acts.main in ("yes", "thanks") or acts.main == "goodbye":
                d.slots["phone"], d.candidate_phone = d.candidate_phone, ""
                return self._next()
            if acts.main == "this_number" and self.caller_number:
                d.slots["phone"], d.candidate_phone = self.caller_number, ""
                return self._next()
            d.candidate_phone = ""
            return self._next(again=True)
        if acts.main in ("yes", "this_number") and self.caller_number and d.caller_id_offered:
            d.slots["phone"] = self.caller_number
            return self._next()
        if acts.main == "this_number" and self.caller_number:
            d.slots["phone"] = self.caller_number
            return self._next()
        if "no" in acts and d.caller_id_offered and d.asks["phone"] == 1:
            d.caller_id_offered = False
            return self._ask("phone", self._phrase("ask_number"))
        return self._next(again=True)

    # ---- errands -------------------------------------------------------------------------------------------

    def _begin(self, errand: Errand, reason: str, lead_in: str) -> AgentReply:
        self._reason = self._reason or reason
        self.dialogue.start(errand)
        # What the request itself said about the errand ("sell my house at 3 rue Lepic") is not asked again.
        self.dialogue.absorb(reason, self.language, Acts(), self._region())
        return self._next(lead_in=lead_in)

    def _errand(self, errand: Errand, text: str) -> AgentReply:
        if errand == "tenant_issue" and classify_urgency(text, self.language) == "high":
            staff = self.profile.staff_number
            if staff and is_open(self.profile.business_hours, self.profile.timezone, self.clock()):
                self._reason = text
                self.dialogue.start("tenant_issue")
                self.stage, self._last_words = Stage.DONE, self._say("transfer")
                return AgentReply(self._last_words, transfer_to=staff)
            return self._begin(errand, text, self._say("urgent"))
        return self._begin(errand, text, self._say("viewing" if errand == "viewing" else "take_message"))

    async def _seller(self, text: str, intent: str) -> AgentReply:
        lead_in = self._say("valuation" if intent == "valuation" else "seller")
        if question := self._question_part(text):
            # "I want to sell, what does a valuation cost?": the question is answered first, from the documents.
            facts = await self._facts(question)
            self.exchanges.append(Exchange(question, facts))
            if facts:
                lead_in = facts
        return self._begin("seller", text, lead_in)

    def _next(self, lead_in: str = "", again: bool = False) -> AgentReply:
        """Ask for what the errand still lacks, make its offer, or close it."""
        d = self.dialogue
        self.stage = Stage.ERRAND
        if again and d.asking is not None and d.asks[d.asking] >= MAX_ASKS:
            slot = d.asking
            d.give_up(slot)
            if slot == "phone":
                d.slots["phone"] = d.candidate_phone or self.caller_number
            if slot in ("address", "kind", "size", "time"):
                d.errand, lead_in = "message", self._say("fallback")
            again = False
        property_known = not ({"address", "kind", "size"} & set(d.missing()))
        if d.errand == "seller" and property_known and not d.offer and not d.valuation_offered:
            d.valuation_offered = True
            d.offer, d.offer_ends_call, d.asking = "valuation", False, None
            return self._speak(lead_in, self._say("offer_valuation"))
        missing = d.missing()
        if not missing:
            return self._close()
        slot = missing[0] if not again or d.asking is None else d.asking
        if slot == "phone":
            return self._ask_phone(lead_in, again)
        if slot == "name":
            return self._ask("name", lead_in, self._phrase("ask_name_again") if again else self._say("ask_name"))
        return self._ask(slot, lead_in, self._say(f"ask_{slot}_again" if again else f"ask_{slot}"))

    def _ask_phone(self, lead_in: str, again: bool) -> AgentReply:
        d = self.dialogue
        if d.candidate_phone:
            return self._read_back(lead_in)
        if again:
            return self._ask("phone", lead_in, self._phrase("ask_number_again"))
        if self.caller_number and not d.caller_id_offered:
            d.caller_id_offered = True
            digits = " ".join(last_digits(self.caller_number, 4))
            return self._ask("phone", lead_in, self._phrase("ask_number_caller_id", digits=digits))
        return self._ask("phone", lead_in, self._phrase("ask_number"))

    def _ask(self, slot: Slot, *parts: str) -> AgentReply:
        self.dialogue.ask(slot)
        return self._speak(*parts)

    def _read_back(self, lead_in: str = "") -> AgentReply:
        d = self.dialogue
        d.asking = "phone"
        number = speak_phone(d.candidate_phone, self.language, self._region())
        return self._speak(lead_in, self._phrase("read_back", number=number))

    def _offer_callback(self) -> AgentReply:
        d = self.dialogue
        self.stage, d.offer, d.offer_ends_call = Stage.ERRAND, "callback", True
        offer = self._say("offer_callback", name=self._name_part())
        if "name" in d.slots:
            return AgentReply(offer)
        d.ask("name")  # the answer may be the name itself: a yes to the offer
        return AgentReply(f"{offer} {self._say('ask_name')}")

    def _close(self) -> AgentReply:
        phone = self._phone()
        if not phone:
            return self._done(self._phrase("goodbye"))
        digits = " ".join(last_digits(phone, 4))
        return self._done(self._say("goodbye_callback", name=self._name_part(), digits=digits))

    def _end(self) -> AgentReply:
        """The caller said goodbye: say what happens next, and hang up."""
        if self.dialogue.errand is not None:
            return self._close()
        return self._done(self._say("goodbye"))

    def _done(self, text: str) -> AgentReply:
        self.stage, self._last_words = Stage.DONE, text
        self.dialogue.asking = None
        return AgentReply(text, hang_up=True)

    def _speak(self, *parts: str) -> AgentReply:
        return AgentReply(" ".join(part for part in parts if part))

    # ---- answers -------------------------------------------------------------------------------------------

    async def _search(self, text: str, criteria: ListingCriteria) -> AgentReply:
        listings = await self.knowledge.search_listings(criteria, limit=2)
        if not listings:
            self.exchanges.append(Exchange(text, ""))
            return self._begin("message", text, self._say("no_listing"))
        spoken = [describe_listing(listing, self.language, self.today, criteria.features) for listing in listings]
        facts = self._say("listings_two" if len(spoken) > 1 else "listings_one", first=spoken[0], second=spoken[-1])
        self.exchanges.append(Exchange(text, facts, tuple(listings)))
        self._reason = self._reason or text
        d = self.dialogue
        self.stage, d.offer, d.offer_ends_call = Stage.ERRAND, "listing", False
        return AgentReply(f"{facts} {self._say('offer_two' if len(spoken) > 1 else 'offer_one')}")

    async def _answer(self, text: str) -> AgentReply:
        facts = await self._facts(text)
        self.exchanges.append(Exchange(text, facts))
        if not facts:
            return self._begin("message", text, self._say("no_info"))
        self.stage = Stage.LISTENING
        return AgentReply(f"{facts} {self._say('anything_else')}")

    async def _facts(self, question: str) -> str:
        passages = await self.knowledge.search(question, self.language, limit=PASSAGES)
        if self.profile.facts.strip():
            # The facts staff typed on the organization's page come first: they are the agency's own word.
            passages = [Passage("facts", self.profile.facts, score=1.0), *passages]
        facts = grounded_answer(
            question,
            passages,
            self.language,
            min_score=self.min_score,
            min_coverage=self.min_coverage,
            ignore=self._ignored(),
            earlier=[e.question for e in self.exchanges[-2:]],
        )
        if not facts and "hours" in self._asked(question) and self.profile.business_hours:
            # No passage in the caller's language gives the hours, but the organization's settings do.
            facts = speak_hours(self.profile.business_hours, self.language)
        return facts

    # ---- understanding -------------------------------------------------------------------------------------

    def _asked(self, text: str) -> set[str]:
        """What the caller's words are about, without their name or the agency's: empty for "yes", "thanks"."""
        return concepts(text, self._ignored(), question=True, language=self.language)

    def _ignored(self) -> frozenset[str]:
        return frozenset(fold(f"{self.profile.name} {self.dialogue.slots.get('name', '')}").split())

    def _is_question(self, text: str) -> bool:
        return "?" in text or bool(_QUESTION.search(fold(text)))

    def _question_part(self, text: str) -> str:
        """The clauses of `text` that ask something ("…, what does a valuation cost?"), or ""."""
        clauses = [c for sentence in split_sentences(text) for c in _CLAUSE.split(sentence) if c.strip()]
        asked = [c for c in clauses if self._is_question(c) and self._asked(c)]
        return " ".join(asked)

    def _is_new_request(self, text: str) -> bool:
        if _MESSAGE_REQUEST.search(fold(text)) or parse_criteria(text, self.language) is not None:
            return True
        return self._is_question(text) and bool(self._asked(text))

    def _name_part(self) -> str:
        name = self.dialogue.slots.get("name", "")
        return f", {name}" if name else ""

    def _region(self) -> str:
        # A caller says their number the way it is written at home: the caller ID's country says where that is.
        return region_of(self.caller_number) or ("FR" if self.language == "fr" else "US")

    def _phone(self) -> str:
        d = self.dialogue
        return d.slots.get("phone") or d.candidate_phone or self.caller_number

    # ---- what the call gave ----------------------------------------------------------------------------------

    def outcome(self, reason: str) -> CallOutcome:
        return call_outcome(
            reason, self.language, self.said, self.exchanges, self.dialogue, self._reason.strip(), self._phone()
        )
